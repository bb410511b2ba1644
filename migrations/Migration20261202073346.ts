import { Migration } from '@mikro-orm/migrations';

/**
 * The outbox of live events (API.md, "Live events and webhooks"). Statement
 * triggers on `files` write one row per changed file, in the transaction that
 * changes it, whatever made the change (a mutation, the processing pass, a bulk
 * statement, the purge), then NOTIFY `file_events` with the transaction's id.
 * PostgreSQL delivers a NOTIFY at commit, in commit order, to every listening
 * instance, and never for a transaction that rolled back. Rows of PENDING and
 * PROCESSING files make no event: nobody else sees those files yet.
 */
export class Migration20261202073346 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "file_events" ("seq" bigserial primary key, "id" uuid not null default gen_random_uuid(), "type" text not null, "file_id" uuid not null, "owner_id" text not null, "folder" text null, "previous_folder" text null, "file" jsonb not null, "occurred_at" timestamptz(3) not null default now(), "xid" xid8 not null default pg_current_xact_id(), "dispatched" boolean not null default false);`);
    this.addSql(`alter table "file_events" add constraint "file_events_id_unique" unique ("id");`);
    this.addSql(`create index "file_events_undispatched_idx" on "file_events" ("seq") where not "dispatched";`);
    this.addSql(`create index "file_events_occurred_idx" on "file_events" ("occurred_at");`);
    this.addSql(`create index "file_events_xid_idx" on "file_events" ("xid");`);

    this.addSql(`create function file_events_record() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    insert into file_events (type, file_id, owner_id, folder, file)
      select case when n.status = 'AVAILABLE' then 'CREATED' else 'QUARANTINED' end, n.id, n.owner_id, n.folder, to_jsonb(n)
        from new_rows n where n.status in ('AVAILABLE', 'QUARANTINED') order by n.id;
  elsif tg_op = 'DELETE' then
    insert into file_events (type, file_id, owner_id, folder, file)
      select 'PURGED', o.id, o.owner_id, o.folder, to_jsonb(o) from old_rows o where o.status not in ('PENDING', 'PROCESSING') order by o.id;
  else
    insert into file_events (type, file_id, owner_id, folder, previous_folder, file)
      select change.type, n.id, n.owner_id, n.folder, case when change.type = 'MOVED' then o.folder end, to_jsonb(n)
        from old_rows o join new_rows n on n.id = o.id
        cross join lateral (select case
          when n.status in ('PENDING', 'PROCESSING') then null
          when o.status in ('PENDING', 'PROCESSING') then case when n.status = 'AVAILABLE' then 'CREATED' when n.status = 'QUARANTINED' then 'QUARANTINED' end
          when o.status = 'DELETED' and n.status <> 'DELETED' then 'RESTORED'
          when n.status = 'DELETED' and o.status <> 'DELETED' then 'DELETED'
          when n.status = 'QUARANTINED' and o.status <> 'QUARANTINED' then 'QUARANTINED'
          when o.folder is distinct from n.folder then 'MOVED'
          when (o.original_name, o.description, o.metadata, o.is_public, o.expires_at, o.image, o.size, o.checksum_sha256)
               is distinct from (n.original_name, n.description, n.metadata, n.is_public, n.expires_at, n.image, n.size, n.checksum_sha256) then 'UPDATED'
        end as type) as change
       where change.type is not null
       order by n.id;
  end if;
  -- Identical notifications of one transaction are sent once: one per transaction, however many statements.
  if found then perform pg_notify('file_events', pg_current_xact_id()::text); end if;
  return null;
end $$;`);
    this.addSql(`create trigger file_events_inserted after insert on files referencing new table as new_rows for each statement execute function file_events_record();`);
    this.addSql(`create trigger file_events_deleted after delete on files referencing old table as old_rows for each statement execute function file_events_record();`);
    this.addSql(`create trigger file_events_updated after update on files referencing old table as old_rows new table as new_rows for each statement execute function file_events_record();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists file_events_inserted on files;`);
    this.addSql(`drop trigger if exists file_events_deleted on files;`);
    this.addSql(`drop trigger if exists file_events_updated on files;`);
    this.addSql(`drop function if exists file_events_record();`);
    this.addSql(`drop table if exists "file_events" cascade;`);
  }

}
