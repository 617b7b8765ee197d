// Work done after the response is sent (mail), tracked so shutdown and tests can wait for it.
import type { Logger } from '../logger.ts';

export interface BackgroundTasks {
  run(name: string, task: () => Promise<void>): void;
  /** Resolves once every task started so far has finished. */
  drain(): Promise<void>;
  /** How many tasks are still running (for the shutdown log). */
  pending(): number;
}

/**
 * `reportOutage` takes a failure that means the database is unreachable (true when it did): the
 * outage is logged once, not a stack per task.
 */
export function createBackgroundTasks(logger: Logger, reportOutage: (error: unknown) => boolean = () => false): BackgroundTasks {
  const pending = new Set<Promise<void>>();
  return {
    run(name, task) {
      // setImmediate, not a microtask: the task starts once the response has been handed to the
      // socket, so its CPU (composing the mail, PGlite's in-process queries) never delays it.
      const promise = new Promise<void>((resolve) => setImmediate(resolve))
        .then(task)
        .catch((error: unknown) => {
          if (!reportOutage(error)) logger.error(`[${name}] failed`, error);
        })
        .finally(() => pending.delete(promise));
      pending.add(promise);
    },
    async drain() {
      while (pending.size > 0) await Promise.all(pending);
    },
    pending: () => pending.size,
  };
}
