import { Migration } from '@mikro-orm/migrations';

/**
 * Usage per owner, kept by the database itself: a trigger on `files` adds and
 * subtracts every row's size and count in the transaction that changes the row,
 * so no path (uploads, copies, deletes, the purge, a crash between two steps)
 * can leave it out of step with the rows. The quota check then reads it in the
 * same transaction, behind the row lock the trigger took: two uploads racing
 * for the last bytes, on any instances, are serialized there.
 */
export class Migration20261202051829 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "storage_usage" ("owner_id" text not null, "used_bytes" bigint not null default 0, "file_count" int not null default 0, "quota_bytes" bigint null, "quota_files" int null, constraint "storage_usage_pkey" primary key ("owner_id"));`);
    this.addSql(`create function files_usage() returns trigger language plpgsql as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    update storage_usage set used_bytes = used_bytes - old.size, file_count = file_count - 1 where owner_id = old.owner_id;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into storage_usage as usage (owner_id, used_bytes, file_count) values (new.owner_id, new.size, 1)
      on conflict (owner_id) do update set used_bytes = usage.used_bytes + excluded.used_bytes, file_count = usage.file_count + 1;
  end if;
  return null;
end $$;`);
    this.addSql(`create trigger files_usage after insert or delete or update of size, owner_id on files for each row execute function files_usage();`);
    this.addSql(`insert into storage_usage (owner_id, used_bytes, file_count) select owner_id, sum(size), count(*) from files group by owner_id;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists files_usage on files;`);
    this.addSql(`drop function if exists files_usage();`);
    this.addSql(`drop table if exists "storage_usage" cascade;`);
  }

}
