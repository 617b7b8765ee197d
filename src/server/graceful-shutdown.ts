// Graceful shutdown of the public listener: no new connections; every answer from now on carries
// `Connection: close` (so /ready's 503 reaches open keep-alive connections and ends them); idle
// connections are closed as soon as they are idle; requests in flight and background work (mail)
// get until the grace ends, and whatever is still running then is cut.
import type { Server } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.ts';
import type { BackgroundTasks } from '../services/background-tasks.ts';

export interface DrainSwitch {
  isDraining(): boolean;
  start(): void;
  /** Adds `Connection: close` to every answer once draining. */
  plugin: Plugin;
}

export function createDrainSwitch(): DrainSwitch {
  let draining = false;
  return {
    isDraining: () => draining,
    start: () => void (draining = true),
    plugin: {
      onResponse({ response }) {
        if (draining) response.headers.set('Connection', 'close');
      },
    },
  };
}

// How often connections that went idle after answering are looked for: well under a second,
// so the process never waits on a keep-alive timeout.
const IDLE_SWEEP_MS = 25;

/** Resolves true when everything finished within the grace, false when something had to be cut. */
export async function drainHttpServer(
  server: Server,
  options: { graceMs: number; background: BackgroundTasks; inFlight: () => number; logger: Logger },
): Promise<boolean> {
  const { background, logger } = options;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const sweeper = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  let timer: NodeJS.Timeout | undefined;
  const finished = closed.then(() => background.drain()).then(() => true);
  const graceEnded = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), options.graceMs)));
  const complete = await Promise.race([finished, graceEnded]);
  clearInterval(sweeper);
  clearTimeout(timer);
  if (!complete) {
    logger.error(`shutdown grace of ${options.graceMs / 1000} s ended: cutting what is still running`, {
      requestsInFlight: options.inFlight(),
      backgroundTasks: background.pending(),
    });
    server.closeAllConnections();
  }
  return complete;
}
