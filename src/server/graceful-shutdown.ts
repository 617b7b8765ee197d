// Graceful shutdown of the public listener: no new connections; every answer from now on carries
// `Connection: close` (so /ready's 503 reaches open keep-alive connections and ends them); idle
// connections are closed as soon as they are idle; requests in flight and background work (mail)
// get until the grace ends, and whatever is still running then is cut.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
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

export interface HttpDrainer {
  /** Resolves true when everything finished within the grace, false when something had to be cut. */
  drain(options: { graceMs: number; background: BackgroundTasks; inFlight: () => number; logger: Logger }): Promise<boolean>;
}

/** Call when the server is created: it follows every connection from its first moment. */
export function createHttpDrainer(server: Server): HttpDrainer {
  // Node's closeIdleConnections() skips connections that never sent a byte (a browser's
  // preconnect, say), and server.close() would wait for them until their client gives up.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const closeIdle = () => {
    server.closeIdleConnections();
    for (const socket of sockets) if (socket.bytesRead === 0) socket.destroy();
  };
  return { drain: (options) => drainHttpServer(server, closeIdle, options) };
}

async function drainHttpServer(
  server: Server,
  closeIdle: () => void,
  options: { graceMs: number; background: BackgroundTasks; inFlight: () => number; logger: Logger },
): Promise<boolean> {
  const { background, logger } = options;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  closeIdle();
  const sweeper = setInterval(closeIdle, IDLE_SWEEP_MS);
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
