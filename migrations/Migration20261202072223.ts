import { Migration } from '@mikro-orm/migrations';

/**
 * Folders, sort orders, expiry and archives (API.md, "Folders, bulk operations
 * and the file lifecycle").
 *
 * folder_stats holds, per owner and folder, the AVAILABLE files of the folder's
 * whole subtree. Statement triggers keep it, in the transaction that changes
 * `files`, from the rows each statement changed (transition tables): a move of
 * 10 000 files is one statement, and updates each ancestor folder once, not
 * 10 000 times. Rows are upserted in (owner, path) order, so two transactions
 * changing the same folders lock them in the same order and cannot deadlock; a
 * folder whose count falls to zero is removed.
 */
export class Migration20261202072223 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "archives" ("id" uuid not null, "owner_id" text not null, "name" text not null, "files" jsonb not null, "expires_at" timestamptz(3) not null, "created_at" timestamptz(3) not null, constraint "archives_pkey" primary key ("id"));`);
    this.addSql(`create index "archives_expires_idx" on "archives" ("expires_at");`);

    this.addSql(`create table "folder_stats" ("owner_id" text not null, "path" text not null, "parent" text not null, "file_count" int not null default 0, "total_bytes" bigint not null default 0, "updated_at" timestamptz(3) not null, constraint "folder_stats_pkey" primary key ("owner_id", "path"));`);
    this.addSql(`create index "folder_stats_parent_idx" on "folder_stats" ("owner_id", "parent", "path");`);

    this.addSql(`alter table "files" add column "expires_at" timestamptz(3) null;`);
    this.addSql(`create index "files_expires_idx" on "files" ("expires_at") where "expires_at" is not null;`);
    this.addSql(`create index "files_owner_folder_idx" on "files" ("owner_id", "folder" text_pattern_ops);`);
    this.addSql(`create index "files_owner_size_idx" on "files" ("owner_id", "size", "id");`);
    this.addSql(`create index "files_owner_name_idx" on "files" ("owner_id", "original_name", "id");`);
    this.addSql(`create index "files_owner_updated_idx" on "files" ("owner_id", "updated_at", "id");`);

    // "a/b/c" → "a", "a/b", "a/b/c".
    this.addSql(`create function folder_paths(folder text) returns setof text language sql immutable as $$
  select array_to_string((string_to_array(folder, '/'))[1:n], '/') from generate_series(1, cardinality(string_to_array(folder, '/'))) as n
$$;`);
    // changes: [{owner_id, folder, files, bytes}], the signed change of each row.
    this.addSql(`create function folder_stats_add(changes jsonb) returns void language plpgsql as $$
begin
  if changes is null then return; end if;
  with deltas as (
    select c.owner_id, p.path, sum(c.files)::int as files, sum(c.bytes)::bigint as bytes
      from jsonb_to_recordset(changes) as c(owner_id text, folder text, files int, bytes bigint)
      cross join lateral folder_paths(c.folder) as p(path)
     group by c.owner_id, p.path
    having sum(c.files) <> 0 or sum(c.bytes) <> 0
  )
  insert into folder_stats as s (owner_id, path, parent, file_count, total_bytes, updated_at)
  select owner_id, path, regexp_replace(path, '/?[^/]*$', ''), files, bytes, now() from deltas order by owner_id, path
  on conflict (owner_id, path) do update
    set file_count = s.file_count + excluded.file_count, total_bytes = s.total_bytes + excluded.total_bytes, updated_at = excluded.updated_at;
  delete from folder_stats s
   using (select distinct c.owner_id, p.path from jsonb_to_recordset(changes) as c(owner_id text, folder text)
          cross join lateral folder_paths(c.folder) as p(path)) as touched
   where s.owner_id = touched.owner_id and s.path = touched.path and s.file_count <= 0;
end $$;`);
    // One function for the three triggers: each branch names only the transition tables its event has.
    this.addSql(`create function folder_stats_changed() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    perform folder_stats_add((select jsonb_agg(jsonb_build_object('owner_id', owner_id, 'folder', folder, 'files', 1, 'bytes', size))
      from new_rows where status = 'AVAILABLE' and folder is not null));
  elsif tg_op = 'DELETE' then
    perform folder_stats_add((select jsonb_agg(jsonb_build_object('owner_id', owner_id, 'folder', folder, 'files', -1, 'bytes', -size))
      from old_rows where status = 'AVAILABLE' and folder is not null));
  else
    perform folder_stats_add((select jsonb_agg(jsonb_build_object('owner_id', owner_id, 'folder', folder, 'files', files, 'bytes', bytes)) from (
      select owner_id, folder, -1 as files, -size as bytes from old_rows where status = 'AVAILABLE' and folder is not null
      union all
      select owner_id, folder, 1, size from new_rows where status = 'AVAILABLE' and folder is not null) as changed));
  end if;
  return null;
end $$;`);
    this.addSql(`create trigger folder_stats_inserted after insert on files referencing new table as new_rows for each statement execute function folder_stats_changed();`);
    this.addSql(`create trigger folder_stats_deleted after delete on files referencing old table as old_rows for each statement execute function folder_stats_changed();`);
    this.addSql(`create trigger folder_stats_updated after update on files referencing old table as old_rows new table as new_rows for each statement execute function folder_stats_changed();`);
    this.addSql(`insert into folder_stats (owner_id, path, parent, file_count, total_bytes, updated_at)
  select owner_id, p.path, regexp_replace(p.path, '/?[^/]*$', ''), count(*), sum(size), now()
    from files cross join lateral folder_paths(folder) as p(path)
   where status = 'AVAILABLE' and folder is not null
   group by owner_id, p.path;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists folder_stats_inserted on files;`);
    this.addSql(`drop trigger if exists folder_stats_deleted on files;`);
    this.addSql(`drop trigger if exists folder_stats_updated on files;`);
    this.addSql(`drop function if exists folder_stats_changed();`);
    this.addSql(`drop function if exists folder_stats_add(jsonb);`);
    this.addSql(`drop function if exists folder_paths(text);`);
    this.addSql(`drop table if exists "archives" cascade;`);

    this.addSql(`drop table if exists "folder_stats" cascade;`);

    this.addSql(`drop index "files_expires_idx";`);
    this.addSql(`drop index "files_owner_folder_idx";`);
    this.addSql(`drop index "files_owner_size_idx";`);
    this.addSql(`drop index "files_owner_name_idx";`);
    this.addSql(`drop index "files_owner_updated_idx";`);
    this.addSql(`alter table "files" drop column "expires_at";`);
  }

}
