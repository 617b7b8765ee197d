// A server in a process of its own, watched through /proc: CPU time used and resident memory
// (now and the peak since start), so the figures are the server's alone, not the load generator's.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

// Linux reports CPU time in clock ticks of 1/100 s on every platform Node supports here.
const TICKS_PER_SECOND = 100;

export interface ServerProcess {
  url: URL;
  pid: number;
  /** CPU seconds (user + system) used so far. */
  cpuSeconds(): number;
  /** Resident set now and at its peak (VmHWM), in MB. */
  memory(): { rssMb: number; peakMb: number };
  stop(): Promise<void>;
}

export async function startServerProcess(args: string[], env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  // A fixed PORT needs no "ready at" line (a server with LOG_LEVEL=silent prints none): /ready says it.
  const fixedPort = env.PORT && env.PORT !== '0' ? env.PORT : undefined;
  const url = await new Promise<URL>((resolve, reject) => {
    if (fixedPort) resolve(new URL(`http://${env.HOST ?? '127.0.0.1'}:${fixedPort}/graphql`));
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /ready at (\S+)/.exec(output);
      if (match?.[1]) resolve(new URL(match[1]));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  // From here on its log lines (one per request at info) are read and dropped: kept, and searched
  // on every chunk, they would cost this process more with every request it measures.
  child.stdout!.removeAllListeners('data').resume();
  child.stderr!.removeAllListeners('data').pipe(process.stderr);
  await waitReady(url, child);
  const pid = child.pid!;
  return {
    url,
    pid,
    cpuSeconds() {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      // Fields 14 and 15 of stat (utime, stime), counted from the state field, which is field 3.
      return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    },
    memory() {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
      return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
    },
    stop: () => stop(child),
  };
}

/** The product answers /ready once its database does; the bare server has no /ready. */
async function waitReady(url: URL, child: ChildProcess): Promise<void> {
  const ready = new URL('/ready', url);
  // Time-bounded, not count-bounded: a start on a loaded machine can take tens of seconds.
  const deadline = performance.now() + 120_000;
  while (performance.now() < deadline && child.exitCode === null) {
    const status = await fetch(ready).then((r) => r.status, () => 0);
    if (status === 200 || status === 404) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server at ${url} never became ready`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
