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
const SECRET_KEYS = ['password', 'newPassword', 'currentPassword', 'token', 'secret', 'cookie', 'authorization', 'code', 'recoveryCodes', 'variables', 'input'];
export const REDACTED_PATHS = [...SECRET_KEYS, 'headers.cookie', 'headers.authorization', 'headers["set-cookie"]'];

export function createPinoLogger(options: PinoLoggerOptions): Logger {
  // Asynchronous writes, one system call for all the lines that came meanwhile, so a busy server
  // does not wait on its log pipe once per request; pino writes what is left when the process exits.
  const out = options.destination ?? pino.destination({ dest: 1, sync: false, minLength: 0 });
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
        timestamp: pino.stdTimeFunctions.isoTime,
        redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      },
      destination,
    ),
  );
}

function wrap(instance: Pino): Logger {
  const method =
    (level: 'debug' | 'info' | 'warn' | 'error'): LogMethod =>
    (message, ...details) => {
      if (!instance.isLevelEnabled(level)) return;
      const { fields, err, text } = splitDetails(details);
      if (err) fields.err = err;
      instance[level](fields, text.length > 0 ? `${message} ${text.join(' ')}` : message);
    };
  return {
    debug: method('debug'),
    info: method('info'),
    warn: method('warn'),
    error: method('error'),
    child: (fields) => wrap(instance.child(fields)),
  };
}
