import { Migration } from '@mikro-orm/migrations';

export class Migration20261202040306 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "server_secrets" ("name" text not null, "value" text not null, "created_at" timestamptz(3) not null, constraint "server_secrets_pkey" primary key ("name"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "server_secrets" cascade;`);
  }

}
