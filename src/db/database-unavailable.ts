// Tells an unreachable database (server down, connection cut, pool exhausted, PGlite closed) from
// every other failure: the first is an outage to retry after, the rest are bugs to log.

// Prisma: can't reach the server, timed out reaching it, operation timed out, server closed the
// connection, no pool connection in time.
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
// The kinds Prisma's driver adapters give the same conditions.
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
// SQLSTATE: class 08 (connection exception), 57P01–57P03 (shut down, crashed, starting up),
// 53300 (too many connections).
const SQLSTATE = /^(08...|57P0[123]|53300)$/;
// node-postgres and PGlite say it only in words; a closed pool or PGlite is a server shutting down.
const MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end|PGlite is closed/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  // Walk the wrappers (GraphQL's originalError, Prisma's and pg's cause, a raw query's adapter
  // error), never in a loop.
  const seen = new Set<unknown>();
  for (let current = error; current && typeof current === 'object' && !seen.has(current); ) {
    seen.add(current);
    const { code, kind, message } = current as { code?: unknown; kind?: unknown; message?: unknown };
    if (typeof code === 'string' && (PRISMA_CODES.has(code) || SOCKET_CODES.has(code) || SQLSTATE.test(code))) return true;
    if (typeof kind === 'string' && ADAPTER_KINDS.has(kind)) return true;
    if (typeof message === 'string' && MESSAGES.test(message)) return true;
    // A raw query's failure (P2010) carries the adapter's error in meta.driverAdapterError.
    const next = current as { originalError?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown } };
    current = next.originalError ?? next.cause ?? next.meta?.driverAdapterError;
  }
  return false;
}

/** One line for the log: the code and the last line of the message (Prisma's first lines quote our source). */
export function describeUnavailable(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const lines = String(message ?? error).split('\n').map((line) => line.trim()).filter(Boolean);
  return [typeof code === 'string' ? code : undefined, lines.at(-1)].filter(Boolean).join(': ');
}
