import { Migration } from '@mikro-orm/migrations';

export class Migration20261202011654 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter type "file_status" add value if not exists 'PROCESSING' after 'PENDING';`);

    this.addSql(`alter type "file_status" add value if not exists 'QUARANTINED' after 'AVAILABLE';`);

    this.addSql(`alter table "files" add column "checksum_crc32" bigint null, add column "malware_signature" text null, add column "image" jsonb null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "files" drop column "checksum_crc32", drop column "malware_signature", drop column "image";`);
  }

}
