import { Migration } from '@mikro-orm/migrations';

export class Migration20261128135746 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "file_status" as enum ('PENDING', 'AVAILABLE', 'DELETED');`);
    this.addSql(`create table "files" ("id" uuid not null, "owner_id" text not null, "original_name" text not null, "s3_key" text not null, "bucket" text not null, "folder" text null, "content_type" text not null, "extension" text not null, "size" bigint not null, "checksum_sha256" text null, "description" text null, "metadata" jsonb not null, "is_public" boolean not null default false, "status" "file_status" not null default 'PENDING', "server_side_encryption" text null, "copied_from_id" uuid null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "deleted_at" timestamptz(3) null, "upload_expires_at" timestamptz(3) null, constraint "files_pkey" primary key ("id"));`);
    this.addSql(`create index "files_folder_idx" on "files" ("folder");`);
    this.addSql(`create index "files_status_idx" on "files" ("status");`);
    this.addSql(`create index "files_copied_from_idx" on "files" ("copied_from_id");`);
    this.addSql(`create index "files_metadata_gin_idx" on "files" using gin ("metadata" jsonb_path_ops);`);
    this.addSql(`create index "files_created_idx" on "files" ("created_at", "id");`);
    this.addSql(`create index "files_owner_created_idx" on "files" ("owner_id", "created_at", "id");`);
    this.addSql(`alter table "files" add constraint "files_bucket_key_unique" unique ("bucket", "s3_key");`);

    this.addSql(`alter table "files" add constraint "files_copied_from_id_foreign" foreign key ("copied_from_id") references "files" ("id") on update cascade on delete set null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "files" drop constraint "files_copied_from_id_foreign";`);

    this.addSql(`drop table if exists "files" cascade;`);

    this.addSql(`drop type "file_status";`);
  }

}
