// `npm run bench`: starts the server on 127.0.0.1 (PGlite, or PostgreSQL when DATABASE_URL is
// set), drives it over HTTP with a bounded number of requests, and prints latency and throughput.
// Rate limits are off here: this measures the work, not the brakes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import argon2 from 'argon2';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { silentLogger } from '../src/logger.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const PASSWORD = 'violet-harbor-cactus-42';

const dataDir = await mkdtemp(join(tmpdir(), 'auth-api-bench-'));
const config = loadConfig({
  DATA_DIR: dataDir,
  JWT_SECRET: 'bench-secret-0123456789-abcdefghijklmnop',
  RATE_LIMITS: 'off',
  ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
});
const app = await createApp(config, silentLogger);
const endpoint = new URL('/graphql', await app.listen(0, '127.0.0.1'));

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

/** Runs `total` calls of `op` with `concurrency` in flight; prints p50/p95/p99 and rate. */
async function measure(name: string, total: number, concurrency: number, op: (i: number) => Promise<unknown>) {
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
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1);
  console.log(
    `${name.padEnd(34)} ${String(total).padStart(5)} req  c=${String(concurrency).padEnd(3)} ${(total / seconds).toFixed(0).padStart(6)} req/s   p50 ${pct(50)} ms  p95 ${pct(95)} ms  p99 ${pct(99)} ms`,
  );
}

console.log(`Node ${process.version}, ${config.databaseUrl ? 'PostgreSQL' : 'PGlite'}, argon2id m=${config.argon2.memoryCost} KiB t=${config.argon2.timeCost} p=${config.argon2.parallelism}`);

await measure('argon2id hash (in process)', 50, 1, () => argon2.hash(PASSWORD, { type: argon2.argon2id, ...config.argon2 }));

const signUp = await post(
  'mutation($i: SignUpInput!) { signUp(input: $i) { message } }',
  { i: { username: 'bench', email: 'bench@example.com', password: PASSWORD } },
);
const cookie = signUp.headers.getSetCookie()[0]!.split(';')[0]!;

await measure('me, no session', REQUESTS, CONCURRENCY, () => post('{ me { id } }'));
await measure('dashboard, valid session (refresh)', REQUESTS, CONCURRENCY, () => post('{ dashboard { message } }', {}, cookie));
await measure('signIn (argon2 verify)', 200, 4, () =>
  post('mutation($i: SignInInput!) { signIn(input: $i) { message } }', { i: { email: 'bench@example.com', password: PASSWORD } }),
);
await measure('signIn, unknown email (dummy verify)', 200, 4, () =>
  post('mutation($i: SignInInput!) { signIn(input: $i) { message } }', { i: { email: 'nobody@example.com', password: PASSWORD } }).catch(() => undefined),
);
await measure('sendMail, known email', 200, 4, () => post('mutation { sendMail(input: { email: "bench@example.com" }) { message } }'));
await measure('sendMail, unknown email', 200, 4, () => post('mutation { sendMail(input: { email: "nobody@example.com" }) { message } }'));

await app.close();
await rm(dataDir, { recursive: true, force: true });
