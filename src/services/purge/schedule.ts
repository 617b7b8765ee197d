// The purge on a timer inside the server: every interval, give or take a fifth at random so that
// instances started together drift apart, on an unref'd timer that never keeps the process alive.
import type { Logger } from '../../logger.ts';
import { describePurge, type Purger } from './purge.ts';

export interface PurgeSchedule {
  /** Stops the timer and waits for a purge in progress, so the database can be closed after it. */
  stop(): Promise<void>;
}

export function schedulePurge(deps: { purger: Purger; intervalSeconds: number; logger: Logger }): PurgeSchedule {
  const { purger, intervalSeconds, logger } = deps;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const jittered = () => intervalSeconds * 1000 * (0.8 + Math.random() * 0.4);

  async function runOnce(): Promise<void> {
    try {
      const result = await purger.run();
      if (!result.skipped) {
        const total = Object.values(result.deleted).reduce((sum, n) => sum + n, 0);
        if (total > 0) logger.info(`[purge] deleted ${describePurge(result.deleted)}`);
      }
    } catch (error) {
      // A failed purge is retried at the next tick; the rows it left are inert.
      logger.warn(`[purge] failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  function next(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = runOnce().finally(() => {
        running = undefined;
        next();
      });
    }, jittered());
    timer.unref();
  }

  next();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
