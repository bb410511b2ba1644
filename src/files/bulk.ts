import { Errors, type AppError } from '../errors';

export const MAX_BULK_IDS = 1000;

export interface BulkFailure {
  id: string;
  code: string;
  message: string;
}

export interface BulkResult {
  succeeded: string[];
  failed: BulkFailure[];
}

/**
 * The ids of a bulk call, checked as a whole: more than MAX_BULK_IDS, or an id
 * twice (a client's bug: which of the two answers would count?), refuses the
 * call before anything is done.
 */
export function checkBulkIds(ids: readonly string[]): string[] {
  if (ids.length > MAX_BULK_IDS) throw Errors.badInput(`At most ${MAX_BULK_IDS} ids at once (${ids.length} given)`);
  checkDistinct(ids);
  return [...ids];
}

/** An id named twice in one call is BAD_USER_INPUT. */
export function checkDistinct(ids: readonly string[]): void {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw Errors.badInput(`The id ${id} is listed twice`);
    seen.add(id);
  }
}

/** Collects one answer per id, in the order the ids were given. */
export class BulkAnswers {
  private readonly failures = new Map<string, BulkFailure>();

  constructor(private readonly ids: readonly string[]) {}

  fail(id: string, error: AppError): void {
    this.failures.set(id, { id, code: error.code, message: error.message });
  }

  /** Every id not failed succeeded. */
  result(): BulkResult {
    return {
      succeeded: this.ids.filter((id) => !this.failures.has(id)),
      failed: this.ids.filter((id) => this.failures.has(id)).map((id) => this.failures.get(id)!),
    };
  }
}
