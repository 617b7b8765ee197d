// A PostgreSQL server of the test's own (initdb into a temporary folder, pg_ctl on a free port),
// so a test can stop and start it under a running app. PostgreSQL refuses to run as root, so as
// root (CI) every command runs as the `postgres` user.
import { execFile, execFileSync } from 'node:child_process';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { freePort } from './free-port.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = process.env.POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';
const asRoot = process.getuid?.() === 0;

export interface DisposablePostgres {
  /** postgresql://postgres@127.0.0.1:<port>/postgres */
  url: string;
  start(): Promise<void>;
  /** Stops at once (`immediate`): connections are cut as in a crash or a network loss. */
  stop(): Promise<void>;
  /** Stops the server and deletes its folder. */
  destroy(): Promise<void>;
}

export async function createDisposablePostgres(): Promise<DisposablePostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'auth-api-pg-'));
  const data = join(dir, 'data');
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    await chown(dir, uid, gid);
  }
  await chmod(dir, 0o700);
  const port = await freePort();
  const pgCtl = (...args: string[]) => command(`${BIN}/pg_ctl`, ['-D', data, ...args]);
  await command(`${BIN}/initdb`, ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);

  let running = false;
  const stopNow = () => {
    if (!running) return;
    running = false;
    try {
      execFileSync(...wrap(`${BIN}/pg_ctl`, ['-D', data, '-m', 'immediate', '-w', 'stop']), { stdio: 'ignore' });
    } catch {
      // Already gone.
    }
  };
  // A test run that dies half-way must not leave a server behind.
  process.once('exit', stopNow);

  const server: DisposablePostgres = {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
      await pgCtl('-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start');
      running = true;
    },
    async stop() {
      await pgCtl('-m', 'immediate', '-w', 'stop');
      running = false;
    },
    async destroy() {
      process.removeListener('exit', stopNow);
      stopNow();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

function wrap(file: string, args: string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
}

async function command(file: string, args: string[]): Promise<void> {
  await run(...wrap(file, args));
}
