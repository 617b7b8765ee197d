// The production logger: pino, one JSON object per line (LOG_FORMAT=json) or pino-pretty's
// single-line text for a terminal (LOG_FORMAT=pretty), behind the project's Logger interface.
import { type DestinationStream, pino, type Logger as Pino } from 'pino';
import pretty from 'pino-pretty';
import { type Logger, type LogMethod, splitDetails } from '../logger.ts';

export type LogFormat = 'json' | 'pretty';
export type PinoLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface PinoLoggerOptions {
  level: PinoLevel;
  format: LogFormat;
  /** Where lines go; standard output unless a test collects them. */
  destination?: DestinationStream & NodeJS.WritableStream;
}

// Defence in depth: nothing logs request bodies, variables or credential headers, and these keys
// are censored even if some future line carries them. tests/logging.test.ts proves the whole flow.
// Named paths only: wildcards (`*.password`) would cost pino about four times the work per line.
const SECRET_KEYS = ['password', 'newPassword', 'currentPassword', 'token', 'secret', 'cookie', 'authorization', 'code', 'recoveryCodes', 'variables', 'input', 'passwordHash', 'users'];
export const REDACTED_PATHS = [...SECRET_KEYS, 'headers.cookie', 'headers.authorization', 'headers["set-cookie"]'];

export function createPinoLogger(options: PinoLoggerOptions): Logger {
  const buffered = options.destination ? undefined : bufferedStandardOutput();
  const out = options.destination ?? buffered!;
  const destination =
    options.format === 'pretty'
      ? pretty({ destination: out, sync: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
      : out;
  return wrap(
    pino(
      {
        level: options.level,
        // Level names ("info"), not numbers: what log search tools filter on.
        formatters: { level: (label) => ({ level: label }) },
        timestamp: isoTime,
        redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      },
      destination,
    ),
    buffered?.flushNow,
  );
}

/**
 * Standard output in batches: lines gather up to 4 KB and are written together, and at least
 * every 250 ms. A write per line cost a busy server more than the line itself (about 34 µs of CPU
 * a line against 13 µs in batches, measured with a pipe reader). The writes are synchronous, as
 * pino's are by default: asynchronous ones would go through libuv's thread pool, which has one
 * thread per allowed argon2 hash (scripts/start.cjs), so log lines would wait behind hashes.
 * Warnings and errors are written at once (see wrap), and what is buffered is written at exit,
 * after a crash too: only a SIGKILL loses the last quarter second.
 */
function bufferedStandardOutput() {
  const out = pino.destination({ dest: 1, sync: true, minLength: 4096, periodicFlush: 250 });
  const flushNow = () => {
    try {
      out.flushSync();
    } catch {
      // Standard output is gone (EPIPE) or closed: nothing more can be written.
    }
  };
  process.once('exit', flushNow);
  return Object.assign(out, { flushNow });
}

let currentSecond = -1;
let secondPrefix = '';

/**
 * pino's isoTime, with the date and time up to the second made once a second instead of on every
 * line: the same text ("2026-12-01T19:28:17.601Z"), a fraction of the cost.
 */
function isoTime(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== currentSecond) {
    currentSecond = second;
    secondPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  return `,"time":"${secondPrefix}${String(now - second * 1000).padStart(3, '0')}Z"`;
}

function wrap(instance: Pino, flush?: () => void): Logger {
  const method = (level: 'debug' | 'info' | 'warn' | 'error'): LogMethod => {
    // The level is set once, at start: asked once per method, not on every line.
    if (!instance.isLevelEnabled(level)) return () => {};
    return (message, ...details) => {
      const { fields, err, text } = splitDetails(details);
      if (err) fields.err = err;
      instance[level](fields, text.length > 0 ? `${message} ${text.join(' ')}` : message);
      // A warning or an error may come just before the process dies: it does not wait for the batch.
      if (flush && (level === 'warn' || level === 'error')) flush();
    };
  };
  return {
    debug: method('debug'),
    info: method('info'),
    warn: method('warn'),
    error: method('error'),
    child: (fields) => wrap(instance.child(fields), flush),
  };
}
