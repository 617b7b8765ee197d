// The project's own logging interface. The server logs only through it: `npm start` hands it pino
// (src/observability/pino-logger.ts), tests a quiet or capturing one.
export type LogFields = Record<string, unknown>;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * `details` after the message: an Error becomes the line's `err` (with its stack), a plain
 * object adds its fields, anything else is appended to the message.
 */
export type LogMethod = (message: string, ...details: unknown[]) => void;

export interface Logger {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  /** The same logger with `fields` on every line (a request's id, say). */
  child(fields: LogFields): Logger;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};

/** Sorts a call's details into structured fields, an error, and text for the message. */
export function splitDetails(details: unknown[]): { fields: LogFields; err: Error | undefined; text: string[] } {
  const fields: LogFields = {};
  const text: string[] = [];
  let err: Error | undefined;
  for (const detail of details) {
    if (detail instanceof Error) err ??= detail;
    else if (isPlainObject(detail)) Object.assign(fields, detail);
    else text.push(String(detail));
  }
  return { fields, err, text };
}

function isPlainObject(value: unknown): value is LogFields {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}
