import { Migration } from '@mikro-orm/migrations';

export class Migration20261202011817 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "job_queue_instances" ("instance_id" text not null, "worker_ids" text[] not null, "seen_at" timestamptz(3) not null, constraint "job_queue_instances_pkey" primary key ("instance_id"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "job_queue_instances" cascade;`);
  }

}
