// An outage of the database, as the server lives through it: the first failure is logged once,
// a probe then asks the database every second until it answers, and the end is logged once.
// Requests meanwhile are answered 503 SERVICE_UNAVAILABLE with Retry-After (src/server/mask-error.ts)
// and log nothing each, so an outage is two log lines, not a stack per request.
import type { Logger } from '../logger.ts';
import { describeUnavailable, isDatabaseUnavailable } from './database-unavailable.ts';

export interface DatabaseOutage {
  /** True, and recorded, when the error means the database cannot be reached; false for any other error. */
  report(error: unknown): boolean;
  /** What clients are told to wait before retrying, in seconds. */
  readonly retryAfterSeconds: number;
  /** Stops the probe (shutdown). */
  close(): void;
}

export interface DatabaseOutageOptions {
  ping: () => Promise<boolean>;
  logger: Logger;
  /** @default 1000 */
  probeEveryMs?: number;
  /** @default 5 */
  retryAfterSeconds?: number;
}

export function createDatabaseOutage(options: DatabaseOutageOptions): DatabaseOutage {
  const { ping, logger, probeEveryMs = 1000, retryAfterSeconds = 5 } = options;
  let since: number | undefined;
  let failures = 0;
  let probe: NodeJS.Timeout | undefined;
  let probing = false;

  function begin(error: unknown): void {
    since = Date.now();
    failures = 0;
    logger.error(`[db] database unreachable (${describeUnavailable(error)}): answering 503 SERVICE_UNAVAILABLE until it answers again`);
    probe = setInterval(() => void check(), probeEveryMs);
    // The probe never keeps the process alive on its own.
    probe.unref();
  }

  async function check(): Promise<void> {
    if (probing || since === undefined) return;
    probing = true;
    try {
      if (!(await ping())) return;
      const seconds = ((Date.now() - since) / 1000).toFixed(1);
      logger.info(`[db] database reachable again after ${seconds} s (${failures} failed database calls meanwhile)`);
      stop();
    } finally {
      probing = false;
    }
  }

  function stop(): void {
    clearInterval(probe);
    probe = undefined;
    since = undefined;
  }

  return {
    retryAfterSeconds,
    report(error) {
      if (!isDatabaseUnavailable(error)) return false;
      if (since === undefined) begin(error);
      failures += 1;
      return true;
    },
    close: stop,
  };
}
