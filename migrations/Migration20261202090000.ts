import { Migration } from '@mikro-orm/migrations';

/**
 * storage_usage kept by statement triggers instead of a row trigger. The row
 * trigger updated an owner's usage row once per file row: a statement touching
 * many of one owner's files (a hard deleteFolder, emptyTrash, the purge, a bulk
 * import) updated the same row thousands of times in one transaction, each
 * update walking the versions the previous ones left, which grew quadratically
 * (15 µs a row at 1 000 rows, 142 µs at 16 000: BENCHMARKS.md). Now each
 * statement adds its rows up per owner and updates each owner's row once, in
 * owner order (two statements never lock the same owners in opposite orders).
 * The quota check still reads the row this lock is held on, in the same
 * transaction.
 */
export class Migration20261202090000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`drop trigger if exists files_usage on files;`);
    this.addSql(`drop function if exists files_usage();`);
    // changes: [{owner_id, bytes, files}], the signed change of each row.
    this.addSql(`create function storage_usage_add(changes jsonb) returns void language plpgsql as $$
begin
  if changes is null then return; end if;
  insert into storage_usage as usage (owner_id, used_bytes, file_count)
  select c.owner_id, sum(c.bytes), sum(c.files)
    from jsonb_to_recordset(changes) as c(owner_id text, bytes bigint, files int)
   group by c.owner_id
  having sum(c.bytes) <> 0 or sum(c.files) <> 0
   order by c.owner_id
  on conflict (owner_id) do update
    set used_bytes = usage.used_bytes + excluded.used_bytes, file_count = usage.file_count + excluded.file_count;
end $$;`);
    this.addSql(`create function storage_usage_changed() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    perform storage_usage_add((select jsonb_agg(jsonb_build_object('owner_id', owner_id, 'bytes', size, 'files', 1)) from new_rows));
  elsif tg_op = 'DELETE' then
    perform storage_usage_add((select jsonb_agg(jsonb_build_object('owner_id', owner_id, 'bytes', -size, 'files', -1)) from old_rows));
  else
    perform storage_usage_add((select jsonb_agg(jsonb_build_object('owner_id', owner_id, 'bytes', bytes, 'files', files)) from (
      select o.owner_id, -o.size as bytes, -1 as files from old_rows o join new_rows n on n.id = o.id
       where o.size is distinct from n.size or o.owner_id is distinct from n.owner_id
      union all
      select n.owner_id, n.size, 1 from old_rows o join new_rows n on n.id = o.id
       where o.size is distinct from n.size or o.owner_id is distinct from n.owner_id) as changed));
  end if;
  return null;
end $$;`);
    this.addSql(`create trigger storage_usage_inserted after insert on files referencing new table as new_rows for each statement execute function storage_usage_changed();`);
    this.addSql(`create trigger storage_usage_deleted after delete on files referencing old table as old_rows for each statement execute function storage_usage_changed();`);
    this.addSql(`create trigger storage_usage_updated after update on files referencing old table as old_rows new table as new_rows for each statement execute function storage_usage_changed();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists storage_usage_inserted on files;`);
    this.addSql(`drop trigger if exists storage_usage_deleted on files;`);
    this.addSql(`drop trigger if exists storage_usage_updated on files;`);
    this.addSql(`drop function if exists storage_usage_changed();`);
    this.addSql(`drop function if exists storage_usage_add(jsonb);`);
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
  }

}
