// `npm run bench`: starts the server as `npm start` does, in a process of its own on 127.0.0.1
// (PGlite, or PostgreSQL when DATABASE_URL is set), drives it over HTTP from this process with a
// bounded number of requests, and prints latency and throughput. Rate limits are off: this
// measures the work, not the brakes. The account it creates is deleted at the end.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import argon2 from 'argon2';
import { loadConfig } from '../src/config.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const PASSWORD = 'violet-harbor-cactus-42';
const EMAIL = `bench-${Date.now()}@example.com`;

const dataDir = await mkdtemp(join(tmpdir(), 'auth-api-bench-'));
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  HOST: '127.0.0.1',
  PORT: '0',
  DATA_DIR: dataDir,
  JWT_SECRET: 'bench-secret-0123456789-abcdefghijklmnop',
  RATE_LIMITS: 'off',
  ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
};
const config = loadConfig(env);
const server = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
const endpoint = await new Promise<URL>((resolve, reject) => {
  let output = '';
  server.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const match = /ready at (\S+)/.exec(output);
    if (match?.[1]) resolve(new URL(match[1]));
  });
  server.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
});

async function post(query: string, variables: object = {}, cookie?: string) {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return res;
}

/** Runs `total` calls of `op` with `concurrency` in flight; returns the latencies in ms, sorted. */
async function run(total: number, concurrency: number, op: (i: number) => Promise<unknown>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        await op(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), seconds: (performance.now() - started) / 1000 };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(1);

async function measure(name: string, total: number, concurrency: number, op: (i: number) => Promise<unknown>) {
  const { latencies, seconds } = await run(total, concurrency, op);
  console.log(
    `${name.padEnd(38)} ${String(total).padStart(5)} req  c=${String(concurrency).padEnd(3)} ${(total / seconds).toFixed(0).padStart(6)} req/s   p50 ${pct(latencies, 50)} ms  p95 ${pct(latencies, 95)} ms  p99 ${pct(latencies, 99)} ms`,
  );
}

const SIGN_IN = 'mutation($i: SignInInput!) { signIn(input: $i) { message } }';
const sendMail = (email: string) => post('mutation($i: SendMailInput!) { sendMail(input: $i) { message } }', { i: { email } });

console.log(`Node ${process.version}, ${config.databaseUrl ? 'PostgreSQL' : 'PGlite'}, argon2id m=${config.argon2.memoryCost} KiB t=${config.argon2.timeCost} p=${config.argon2.parallelism}; server in its own process`);

await measure('argon2id hash (in this process)', 50, 1, () => argon2.hash(PASSWORD, { type: argon2.argon2id, ...config.argon2 }));

const signUp = await post('mutation($i: SignUpInput!) { signUp(input: $i) { message } }', {
  i: { username: 'bench', email: EMAIL, password: PASSWORD },
});
const cookie = signUp.headers.getSetCookie()[0]!.split(';')[0]!;

await measure('me, no session', REQUESTS, CONCURRENCY, () => post('{ me { id } }'));
await measure('dashboard, valid session (refresh)', REQUESTS, CONCURRENCY, () => post('{ dashboard { message } }', {}, cookie));
await measure('signIn (argon2 verify)', 200, 4, () => post(SIGN_IN, { i: { email: EMAIL, password: PASSWORD } }));
await measure('signIn, unknown email (dummy verify)', 200, 4, () =>
  post(SIGN_IN, { i: { email: 'nobody@example.com', password: PASSWORD } }).catch(() => undefined),
);
await measure('sendMail, known email', 200, 4, () => sendMail(EMAIL));
await measure('sendMail, unknown email', 200, 4, () => sendMail('nobody@example.com'));

// What an enumerating client sees: one request at a time, known and unknown interleaved.
const known: number[] = [];
const unknown: number[] = [];
for (let i = 0; i < 200; i++) {
  for (const [list, email] of [[known, EMAIL], [unknown, `nobody${i}@example.com`]] as const) {
    const t0 = performance.now();
    await sendMail(email);
    list.push(performance.now() - t0);
  }
}
for (const [name, list] of [['known', known], ['unknown', unknown]] as const) {
  list.sort((a, b) => a - b);
  console.log(`${`sendMail one at a time, ${name}`.padEnd(38)} ${String(list.length).padStart(5)} req  c=1                  p50 ${pct(list, 50)} ms  p95 ${pct(list, 95)} ms  p99 ${pct(list, 99)} ms`);
}

await post('mutation($i: DeleteUserInput!) { deleteUser(input: $i) { message } }', { i: { email: EMAIL, password: PASSWORD } }, cookie);
server.kill('SIGTERM');
await new Promise((resolve) => server.once('exit', resolve));
await rm(dataDir, { recursive: true, force: true });
