import { format } from 'node:util';
import { type LogFields, type Logger, type LogLevel, splitDetails } from '../../src/logger.ts';

export interface LogEntry {
  level: LogLevel;
  message: string;
  fields: LogFields;
  err: Error | undefined;
}

/** Keeps what the server logs, so tests stay quiet and can assert on it. */
export class CapturingLogger implements Logger {
  /** Each line as text: level, message, details (an error with its stack), then the fields as JSON. */
  readonly lines: string[];
  readonly entries: LogEntry[];

  constructor(
    private readonly bound: LogFields = {},
    shared: { lines: string[]; entries: LogEntry[] } = { lines: [], entries: [] },
  ) {
    this.lines = shared.lines;
    this.entries = shared.entries;
  }

  debug(message: string, ...details: unknown[]) {
    this.record('debug', message, details);
  }
  info(message: string, ...details: unknown[]) {
    this.record('info', message, details);
  }
  warn(message: string, ...details: unknown[]) {
    this.record('warn', message, details);
  }
  error(message: string, ...details: unknown[]) {
    this.record('error', message, details);
  }
  child(fields: LogFields): Logger {
    return new CapturingLogger({ ...this.bound, ...fields }, this);
  }

  /** The entries about one request (those carrying its id). */
  about(requestId: string): LogEntry[] {
    return this.entries.filter((entry) => entry.fields.requestId === requestId);
  }

  private record(level: LogLevel, message: string, details: unknown[]) {
    const { fields, err } = splitDetails(details);
    const all = { ...this.bound, ...fields };
    const shown = details.filter((d) => !(d !== null && typeof d === 'object' && !(d instanceof Error)));
    const json = Object.keys(all).length > 0 ? ` ${JSON.stringify(all)}` : '';
    this.lines.push(`${level} ${format(message, ...shown)}${json}`);
    this.entries.push({ level, message, fields: all, err });
  }
}
