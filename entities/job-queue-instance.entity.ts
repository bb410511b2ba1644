import { ArrayType, Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * One server instance running job workers, and when it last said it was alive
 * (src/jobs/graphile-job-queue.ts): the jobs of an instance that fell silent are
 * freed for the others to run.
 */
@Entity({ tableName: 'job_queue_instances' })
export class JobQueueInstance {
  @PrimaryKey({ type: 'text' })
  instanceId!: string;

  /** The queue library's worker ids, as they appear in its jobs' `locked_by`. */
  @Property({ type: ArrayType })
  workerIds: string[] = [];

  @Property({ columnType: 'timestamptz(3)', type: 'datetime' })
  seenAt: Date = new Date();
}
