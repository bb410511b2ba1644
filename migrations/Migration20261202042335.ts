import { Migration } from '@mikro-orm/migrations';

export class Migration20261202042335 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "files" add column "object_etag" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "files" drop column "object_etag";`);
  }

}
