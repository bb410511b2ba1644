import { Migration } from '@mikro-orm/migrations';

export class Migration20261128141734 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "files" add column "multipart_upload_id" text null, add column "part_size" bigint null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "files" drop column "multipart_upload_id", drop column "part_size";`);
  }

}
