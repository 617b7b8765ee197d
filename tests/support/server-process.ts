// The real entry point in a child process, exactly as `npm start` runs it, configured only through
// its environment; its output kept, with the moment each chunk arrived, for the tests to read.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));
// What `npm start` runs (without npm around it), found on PATH the way npm finds it.
const startScript = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
const [startCommand, ...startArgs] = startScript.split(/\s+/) as [string, ...string[]];
const PATH = [join(repo, 'node_modules', '.bin'), process.env.PATH ?? ''].join(delimiter);

export interface ServerProcess {
  child: ChildProcess;
  /** Resolves to the exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  /** performance.now() when the process exited; undefined while it runs. */
  exitedAt(): number | undefined;
  output(): string;
  /**
   * Resolves once the output matches, with the match; rejects if the process exits first. No
   * deadline unless given: how long a start takes depends on the machine's load, and one that
   * hangs is caught by the test's timeout.
   */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

export interface RunningServer extends ServerProcess {
  url: URL;
  /** Sends the signal and resolves to the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const children = new Set<ChildProcess>();

/** For afterEach: whatever a failed test left running, with anything it started (its process group). */
export function killLeftoverServers(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
  }
  children.clear();
}

/** The start script with nothing in its environment but PATH and `env`. */
export function launch(env: Record<string, string>): ServerProcess {
  const child = spawn(startCommand, startArgs, {
    cwd: repo,
    env: { PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.add(child);
  let output = '';
  let exitedAt: number | undefined;
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<number | null>((done) =>
    child.once('close', (code) => {
      exitedAt ??= performance.now();
      done(code);
    }),
  );
  child.once('exit', () => (exitedAt = performance.now()));

  function waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output);
        if (!match) return;
        finish();
        resolve(match);
      };
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              finish();
              reject(new Error(`no ${pattern} in the output within ${timeoutMs} ms:\n${output}`));
            }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      void exited.then((code) => {
        if (!listeners.has(check)) return;
        finish();
        reject(new Error(`exited with ${code} before ${pattern} appeared:\n${output}`));
      });
      check();
    });
  }

  return { child, exited, exitedAt: () => exitedAt, output: () => output, waitForOutput };
}

/** Starts the server and resolves once it says it is ready. */
export async function startServer(env: Record<string, string>): Promise<RunningServer> {
  const server = launch(env);
  const [, url] = await server.waitForOutput(/Auth API ready at (\S+)/);
  return {
    ...server,
    url: new URL(url!),
    stop: (signal = 'SIGTERM') => {
      server.child.kill(signal);
      return server.exited;
    },
  };
}
