// The few log calls the server makes; tests pass their own to keep output quiet or to read it.
export interface Logger {
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
}

export const consoleLogger: Logger = console;

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
