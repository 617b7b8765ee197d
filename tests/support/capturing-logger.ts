import { format } from 'node:util';
import type { Logger } from '../../src/logger.ts';

/** Keeps what the server logs, so tests stay quiet and can assert on it. */
export class CapturingLogger implements Logger {
  readonly lines: string[] = [];
  info(message: string, ...details: unknown[]) {
    this.lines.push(`info ${format(message, ...details)}`);
  }
  warn(message: string, ...details: unknown[]) {
    this.lines.push(`warn ${format(message, ...details)}`);
  }
  error(message: string, ...details: unknown[]) {
    this.lines.push(`error ${format(message, ...details)}`);
  }
}
