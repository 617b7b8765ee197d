// `npm run bench`: the product as `npm start` runs it, in a process of its own on 127.0.0.1, beside
// a bare graphql-yoga server on the same Node and the raw argon2id verify ceiling; every product
// figure is printed with its ratio to those, since absolute numbers on a shared machine move.
// PGlite always; PostgreSQL too when DATABASE_URL is set (in a database of its own, dropped at the
// end). Rate limits are off: this measures the work, not the brakes. Loopback only, bounded in time.
// BENCH_ONLY=passkey,signin (comma-separated, any part of a case's key) runs only those cases of
// each section: rounds (bare Yoga, me, dashboard), signin, passkey, two-factor, signup, storm,
// hostile, sendmail, scale-out. Without rounds, bare Yoga is measured once, for the ratios.
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { URI } from 'otpauth';
import { loadConfig } from '../src/config.ts';
import { hostileBurst } from './hostile-bodies.ts';
import { load, type LoadOptions, type LoadResult } from './load.ts';
import { PASSKEY_ENV, type PasskeyLoadMode, passkeyLoad, type PasskeyWorker, passkeyWorkers } from './passkey-load.ts';
import { type ServerProcess, startServerProcess } from './server-process.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
// Rounds of the interleaved comparison (bare Yoga, me, dashboard, each with logging on and off).
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 3);
const HOSTILE_BODIES = Number(process.env.BENCH_HOSTILE_BODIES ?? 200);
const PASSWORD = 'violet-harbor-cactus-42';
const RUN = Date.now().toString(36);
const SECRET = 'bench-secret-0123456789-abcdefghijklmnop';

const ENCRYPTION_KEY = 'be9c4'.padEnd(64, '0');
const config = loadConfig({ JWT_SECRET: SECRET, ENCRYPTION_KEY, DATA_DIR: tmpdir() });
// The same command as `npm start`, so the bench measures what users run.
const startScript = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start;
const START_ARGS = startScript.replace(/^node\s+/, '').split(/\s+/);
const ARGON2_BOUND = Math.max(1, availableParallelism() - 1);

const gql = (query: string, variables: object = {}) => JSON.stringify({ query, variables });
const SIGN_IN = 'mutation($i: SignInInput!) { signIn(input: $i) { message } }';
const SIGN_UP = 'mutation($i: SignUpInput!) { signUp(input: $i) { message } }';
const SEND_MAIL = 'mutation($i: SendMailInput!) { sendMail(input: $i) { message } }';
const SEND_MAIL_PAIRS = 100;
const ONLY = process.env.BENCH_ONLY?.split(',').map((key) => key.trim().toLowerCase()).filter(Boolean);
/** Whether the case with this key runs (BENCH_ONLY unset: every case). */
const wants = (key: string) => !ONLY?.length || ONLY.some((only) => key.includes(only));

interface Figures {
  bareRps: number;
  ceiling: number;
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

let watched: ServerProcess | undefined;

function line(name: string, r: LoadResult, extra: string, cpu?: number, unit = 'req/s'): void {
  const rss = watched ? `  RSS ${fmt(watched.memory().rssMb)} MB` : '';
  console.log(
    `${name.padEnd(40)} ${fmt(r.rps).padStart(6)} ${unit}  ${extra.padEnd(22)} p50 ${fmt(r.p50).padStart(3)} ms  p99 ${fmt(r.p99).padStart(4)} ms  errors ${r.errors}${cpu === undefined ? '' : `  server CPU ${fmt(cpu * 100).padStart(3)}%`}${rss}`,
  );
}

const ratio = (value: number, base: number, name: string) => `${(value / base).toFixed(2)}× ${name}`;

function memoryLine(name: string, idle: number, peak: number): void {
  console.log(`${name.padEnd(40)} idle RSS ${fmt(idle).padStart(4)} MB (right after /ready)   peak RSS ${fmt(peak).padStart(4)} MB`);
}

/** Load against a server, with the server's CPU use over the measured part. */
async function measure(server: ServerProcess, options: Omit<LoadOptions, 'seconds' | 'warmupSeconds' | 'url'> & { url?: URL }) {
  const url = options.url ?? server.url;
  if (WARMUP > 0) await load({ ...options, url, seconds: WARMUP, warmupSeconds: 0 });
  const before = server.cpuSeconds();
  const result = await load({ ...options, url, seconds: SECONDS, warmupSeconds: 0 });
  return { result, cpu: (server.cpuSeconds() - before) / result.seconds };
}

/** Passkey sign-ins (or starts alone) from the workers, with the server's CPU use over the measured part. */
async function measurePasskeys(server: ServerProcess, workers: PasskeyWorker[], mode: PasskeyLoadMode) {
  if (WARMUP > 0) await passkeyLoad({ url: server.url, workers, mode, seconds: WARMUP });
  const before = server.cpuSeconds();
  const result = await passkeyLoad({ url: server.url, workers, mode, seconds: SECONDS });
  if (result.firstError) console.log(`  first failure: ${result.firstError}`);
  return { result, cpu: (server.cpuSeconds() - before) / result.seconds };
}

/** Server CPU milliseconds per operation. */
const cpuMs = (m: { result: LoadResult; cpu: number }) => (m.cpu / m.result.rps) * 1000;

function argon2Ceiling(concurrency: number): Promise<number> {
  const { memoryCost, timeCost, parallelism } = config.argon2;
  const args = ['--import', 'tsx', 'bench/argon2-ceiling.ts', ...[memoryCost, timeCost, parallelism, concurrency, SECONDS].map(String)];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => (code === 0 ? resolve((JSON.parse(out) as { perSecond: number }).perSecond) : reject(new Error(`argon2 ceiling exited ${code}`))));
  });
}

async function signUpAccount(url: URL, email: string): Promise<string> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: gql(SIGN_UP, { i: { username: 'bench', email, password: PASSWORD } }),
  });
  const cookie = res.headers.getSetCookie()[0]?.split(';')[0];
  if (!cookie) throw new Error(`signUp failed: ${await res.text()}`);
  return cookie;
}

/** Turns two-factor on for the account signed in with `cookie`, as its owner's authenticator app would. */
async function turnOnTwoFactor(url: URL, cookie: string): Promise<void> {
  const call = async (query: string, variables: object) =>
    (await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: gql(query, variables) })).json()) as {
      data?: { startTwoFactorSetup?: { otpauthUrl: string }; enableTwoFactor?: { message: string } };
    };
  const setup = await call('mutation($p: String!) { startTwoFactorSetup(input: { password: $p }) { otpauthUrl } }', { p: PASSWORD });
  const app = URI.parse(setup.data!.startTwoFactorSetup!.otpauthUrl);
  const enabled = await call('mutation($c: String!) { enableTwoFactor(input: { code: $c }) { message } }', { c: app.generate() });
  if (enabled.data?.enableTwoFactor?.message !== 'two-factor enabled!') throw new Error('could not turn two-factor on');
}

function productEnv(dataDir: string, databaseUrl: string | undefined): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    JWT_SECRET: SECRET,
    ENCRYPTION_KEY,
    RATE_LIMITS: 'off',
    // Logging as in production: one JSON access line per request at info.
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
    // Passkeys for the software authenticator's origin (bench/passkey-load.ts).
    ...PASSKEY_ENV,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  };
}

/** One case of the interleaved rounds: a body against one server. */
interface RoundCase {
  name: string;
  server: ServerProcess;
  body: string;
  headers?: Record<string, string>;
  expectBody: string;
}

interface RoundFigures {
  runs: LoadResult[];
  cpu: number[];
}

/**
 * The cases that are compared with each other (the product with bare Yoga, logging on with
 * logging off) run in turns, ROUNDS times each, so that what the machine does meanwhile falls on
 * all of them alike; each ratio is the median of the per-round ratios.
 */
async function interleaved(cases: RoundCase[]): Promise<Map<string, RoundFigures>> {
  const figures = new Map<string, RoundFigures>(cases.map((c) => [c.name, { runs: [], cpu: [] }]));
  for (const c of cases) if (WARMUP > 0) await load({ url: c.server.url, body: c.body, headers: c.headers, expectBody: c.expectBody, connections: CONNECTIONS, seconds: WARMUP, warmupSeconds: 0 });
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of cases) {
      const before = c.server.cpuSeconds();
      const result = await load({ url: c.server.url, body: c.body, headers: c.headers, expectBody: c.expectBody, connections: CONNECTIONS, seconds: ROUND_SECONDS, warmupSeconds: 0 });
      const own = figures.get(c.name)!;
      own.runs.push(result);
      own.cpu.push((c.server.cpuSeconds() - before) / result.seconds);
    }
  }
  return figures;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** The median round of a case, as one result; errors are the sum over all rounds. */
function medianOf(f: RoundFigures): { result: LoadResult; cpu: number } {
  const runs = f.runs;
  return {
    result: {
      rps: median(runs.map((r) => r.rps)),
      p50: median(runs.map((r) => r.p50)),
      p99: median(runs.map((r) => r.p99)),
      errors: runs.reduce((sum, r) => sum + r.errors, 0),
      seconds: runs.reduce((sum, r) => sum + r.seconds, 0),
    },
    cpu: median(f.cpu),
  };
}

/** The median over rounds of one case's throughput divided by another's in the same round. */
const roundRatio = (a: RoundFigures, b: RoundFigures) => median(a.runs.map((r, i) => r.rps / b.runs[i]!.rps));

async function section(label: string, databaseUrl: string | undefined, figures: Figures): Promise<void> {
  console.log(
    `\n${label}, one server process (${CONNECTIONS} connections, ${WARMUP} s warm-up; bare Yoga, me and dashboard: ${ROUNDS} interleaved rounds of ${ROUND_SECONDS} s, medians; the rest ${SECONDS} s)`,
  );
  const dataDir = await mkdtemp(join(tmpdir(), 'auth-api-bench-'));
  const quietDir = await mkdtemp(join(tmpdir(), 'auth-api-bench-quiet-'));
  const bare = await startServerProcess(['--import', 'tsx', 'bench/bare-yoga.ts'], { PATH: process.env.PATH ?? '' });
  const bareIdle = bare.memory().rssMb;
  const product = await startServerProcess(START_ARGS, productEnv(dataDir, databaseUrl));
  const idle = product.memory().rssMb;
  const email = `bench-${RUN}-${label.toLowerCase()}@example.com`;
  const cookie = await signUpAccount(product.url, email);
  const dashboardBody = gql('{ dashboard { message } }');
  const dashboardAnswer = '{"data":{"dashboard":{"message":"Welcome, bench!"}}}';
  const bareBody = gql('{ __typename }');
  const bareAnswer = '{"data":{"__typename":"Query"}}';

  if (wants('rounds')) {
    // The same server with logging off (LOG_LEVEL=silent): what the access lines cost.
    const quiet = await startServerProcess(START_ARGS, { ...productEnv(quietDir, databaseUrl), LOG_LEVEL: 'silent', PORT: String(await freePort()) });
    const quietCookie = await signUpAccount(quiet.url, `bench-${RUN}-${label.toLowerCase()}-quiet@example.com`);
    const meBody = gql('{ me { id } }');
    const meAnswer = '{"data":{"me":null}}';

    const rounds = await interleaved([
      { name: 'bare', server: bare, body: bareBody, expectBody: bareAnswer },
      { name: 'me', server: product, body: meBody, expectBody: meAnswer },
      { name: 'me quiet', server: quiet, body: meBody, expectBody: meAnswer },
      { name: 'dashboard', server: product, body: dashboardBody, headers: { cookie }, expectBody: dashboardAnswer },
      { name: 'dashboard quiet', server: quiet, body: dashboardBody, headers: { cookie: quietCookie }, expectBody: dashboardAnswer },
    ]);
    const bareRounds = rounds.get('bare')!;
    const print = (name: string, key: string, extra: string, server: ServerProcess) => {
      const { result, cpu } = medianOf(rounds.get(key)!);
      watched = server;
      line(name, result, extra, cpu);
      return result;
    };
    figures.bareRps = print('bare Yoga { __typename }', 'bare', '1.00× bare Yoga', bare).rps;
    const bareRatio = (key: string) => `${roundRatio(rounds.get(key)!, bareRounds).toFixed(2)}× bare Yoga`;
    const loggingRatio = (key: string) => `json/off ${roundRatio(rounds.get(key)!, rounds.get(`${key} quiet`)!).toFixed(2)}×`;
    print('me, no session', 'me', bareRatio('me'), product);
    print('dashboard, valid session (refreshed)', 'dashboard', bareRatio('dashboard'), product);
    print('me, logging off', 'me quiet', loggingRatio('me'), quiet);
    print('dashboard, logging off', 'dashboard quiet', loggingRatio('dashboard'), quiet);
    await quiet.stop();
  } else {
    // Only some cases: bare Yoga once, for their ratios.
    const bareAlone = await measure(bare, { body: bareBody, expectBody: bareAnswer, connections: CONNECTIONS });
    watched = bare;
    line('bare Yoga { __typename }', bareAlone.result, '1.00× bare Yoga', bareAlone.cpu);
    figures.bareRps = bareAlone.result.rps;
  }
  const bareMemory = bare.memory();
  await bare.stop();
  await rm(quietDir, { recursive: true, force: true });
  watched = product;
  const bareRatio = (r: LoadResult) => ratio(r.rps, figures.bareRps, 'bare Yoga');

  // Passkey sign-ins: one account and one passkey per worker (see bench/passkey-load.ts), set up
  // before the ceiling so that it stays right before the cases measured against it.
  const passkeyUsers = wants('passkey')
    ? await passkeyWorkers(product.url, CONNECTIONS, (i) => `bench-${RUN}-${label.toLowerCase()}-passkey-${i}@example.com`, PASSWORD)
    : [];

  // The ceiling again, right before the cases measured against it: what the machine gives a
  // hash moves over a run, and a ratio to a figure from minutes ago would carry that drift.
  figures.ceiling = await argon2Ceiling(ARGON2_BOUND);
  console.log(`${'argon2id verify ceiling, just before'.padEnd(40)} ${fmt(figures.ceiling).padStart(6)} /s    ${ARGON2_BOUND} at a time (the server's bound)`);
  const ceilingRatio = (r: LoadResult) => ratio(r.rps, figures.ceiling, 'argon2 ceiling');

  const signInBody = gql(SIGN_IN, { i: { email, password: PASSWORD } });
  const signInAnswer = '{"data":{"signIn":{"message":"login successful!"}}}';
  let signIn: { result: LoadResult; cpu: number } | undefined;
  if (wants('signin')) {
    signIn = await measure(product, { body: signInBody, expectBody: signInAnswer, connections: CONNECTIONS });
    line('signIn', signIn.result, ceilingRatio(signIn.result), signIn.cpu);
  }

  if (wants('passkey')) {
    // A passkey sign-in is two requests (startPasskeySignIn, usernameless, then finishPasskeySignIn):
    // its rate is of whole sign-ins, its latency that of both. No argon2 in it: beside signIn and
    // bare Yoga, not the ceiling. Then the start alone, and the server CPU each half takes.
    const passkey = await measurePasskeys(product, passkeyUsers, 'sign-in');
    const beside = signIn ? `${ratio(passkey.result.rps, signIn.result.rps, 'signIn')}, ` : '';
    line('passkey sign-in (start + finish)', passkey.result, `${beside}${bareRatio(passkey.result)}`, passkey.cpu, 'sign-ins/s');
    const start = await measurePasskeys(product, passkeyUsers, 'start');
    line('  startPasskeySignIn alone', start.result, bareRatio(start.result), start.cpu);
    const [whole, first] = [cpuMs(passkey), cpuMs(start)];
    console.log(
      `${'  server CPU per passkey sign-in'.padEnd(40)} ${whole.toFixed(1)} ms: start ${first.toFixed(1)} ms + finish ${(whole - first).toFixed(1)} ms${signIn ? `   (signIn ${cpuMs(signIn).toFixed(1)} ms)` : ''}${databaseUrl ? '   PostgreSQL’s own CPU not counted' : ''}`,
    );
  }

  if (wants('two-factor')) {
    // The same for an account with two-factor on: the password step, answered SECOND_FACTOR_REQUIRED
    // (every answer must be the first one). A code is accepted once, so the code step is not looped.
    const guarded = `bench-${RUN}-${label.toLowerCase()}-2fa@example.com`;
    await turnOnTwoFactor(product.url, await signUpAccount(product.url, guarded));
    const guardedBody = gql(SIGN_IN, { i: { email: guarded, password: PASSWORD } });
    const guardedAnswer = await (await fetch(product.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: guardedBody })).text();
    if (!guardedAnswer.includes('SECOND_FACTOR_REQUIRED')) throw new Error(`two-factor signIn answered ${guardedAnswer}`);
    const secondFactor = await measure(product, { body: guardedBody, expectBody: guardedAnswer, connections: CONNECTIONS });
    line('signIn, two-factor on (password step)', secondFactor.result, ceilingRatio(secondFactor.result), secondFactor.cpu);
  }

  if (wants('signup')) {
    const signUp = await measure(product, {
      body: '',
      bodyFor: (i) => gql(SIGN_UP, { i: { username: 'bench', email: `bench-${RUN}-${label.toLowerCase()}-${i}@example.com`, password: PASSWORD } }),
      expectBody: '{"data":{"signUp":{"message":"user created!"}}}',
      connections: CONNECTIONS,
    });
    line('signUp', signUp.result, ceilingRatio(signUp.result), signUp.cpu);
  }

  if (wants('storm')) {
    // A sign-in storm at the ceiling, and meanwhile a steady 100 dashboards a second.
    const stormBefore = product.cpuSeconds();
    const [storm, during] = await Promise.all([
      load({ url: product.url, body: signInBody, expectBody: signInAnswer, connections: CONNECTIONS, seconds: SECONDS + WARMUP, warmupSeconds: 0 }),
      load({ url: product.url, body: dashboardBody, headers: { cookie }, expectBody: dashboardAnswer, connections: 2, rate: 100, seconds: SECONDS, warmupSeconds: WARMUP }),
    ]);
    const stormCpu = (product.cpuSeconds() - stormBefore) / storm.seconds;
    line('signIn storm', storm, ceilingRatio(storm), stormCpu);
    line('  dashboard at 100/s during the storm', during, '');
  }

  if (wants('hostile')) {
    const hostileBefore = product.cpuSeconds();
    const started = performance.now();
    const hostile = await hostileBurst(product.url, HOSTILE_BODIES, CONNECTIONS, 2 * 1024 * 1024);
    const hostileSeconds = (performance.now() - started) / 1000;
    console.log(
      `${`2 MB bodies, declared and chunked`.padEnd(40)} ${fmt(HOSTILE_BODIES / hostileSeconds).padStart(6)} req/s  ${`${hostile.refused} got their 413`.padEnd(22)} errors ${hostile.failed}  server CPU ${fmt(((product.cpuSeconds() - hostileBefore) / hostileSeconds) * 100)}%  RSS ${fmt(product.memory().rssMb)} MB`,
    );
  }

  if (wants('sendmail')) {
    // sendMail under load, half for the known account and half for unknown addresses: every answer
    // queues the request in the outbox; looking it up, the code and the .eml file come after.
    const sendMailAnswer = '{"data":{"sendMail":{"message":"If an account exists for that email, a reset code has been sent."}}}';
    const sendMail = await measure(product, {
      body: '',
      bodyFor: (i) => gql(SEND_MAIL, { i: { email: i % 2 ? `nobody-${RUN}-load-${i}@example.com` : email } }),
      expectBody: sendMailAnswer,
      connections: CONNECTIONS,
    });
    line('sendMail, known and unknown in turn', sendMail.result, bareRatio(sendMail.result), sendMail.cpu);
    // The codes and mails of the known account are composed after the answers: let that finish
    // before the next figure.
    await settled(product);

    await sendMailTiming(product.url, email);
  }

  if (databaseUrl && wants('scale-out')) {
    // Scale-out: a second process on the same database, the same load split between the two.
    const second = await startServerProcess(START_ARGS, productEnv(dataDir, databaseUrl));
    const half = Math.max(1, CONNECTIONS / 2);
    const cpuBefore = [product.cpuSeconds(), second.cpuSeconds()];
    const both = await Promise.all(
      [product, second].map((s) => load({ url: s.url, body: dashboardBody, headers: { cookie }, expectBody: dashboardAnswer, connections: half, seconds: SECONDS, warmupSeconds: WARMUP })),
    );
    const total: LoadResult = {
      rps: both[0]!.rps + both[1]!.rps,
      p50: Math.max(both[0]!.p50, both[1]!.p50),
      p99: Math.max(both[0]!.p99, both[1]!.p99),
      errors: both[0]!.errors + both[1]!.errors,
      seconds: SECONDS,
    };
    const cpu = (product.cpuSeconds() - cpuBefore[0]! + second.cpuSeconds() - cpuBefore[1]!) / SECONDS;
    line('dashboard on two processes', total, bareRatio(total), cpu);
    await second.stop();
  }

  const peak = product.memory().peakMb;
  memoryLine('memory, bare Yoga', bareIdle, bareMemory.peakMb);
  memoryLine('memory, product', idle, peak);
  await product.stop();
  await rm(dataDir, { recursive: true, force: true });
}

/**
 * What an enumerating client sees of sendMail: one request at a time, a known and an unknown
 * address in turn. The mail work starts after the answer, so the two should look alike.
 */
async function sendMailTiming(url: URL, known: string): Promise<void> {
  const times: Record<'known' | 'unknown', number[]> = { known: [], unknown: [] };
  for (let i = 0; i < SEND_MAIL_PAIRS; i++) {
    for (const kind of ['known', 'unknown'] as const) {
      const email = kind === 'known' ? known : `nobody-${RUN}-${i}@example.com`;
      const started = performance.now();
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: gql(SEND_MAIL, { i: { email } }) });
      await res.text();
      times[kind].push(performance.now() - started);
    }
  }
  const pct = (list: number[], p: number) => [...list].sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor(p * list.length))]!;
  console.log(
    `${`sendMail one at a time (${SEND_MAIL_PAIRS} pairs)`.padEnd(40)} known p50 ${pct(times.known, 0.5).toFixed(1)} ms p99 ${pct(times.known, 0.99).toFixed(1)} ms   unknown p50 ${pct(times.unknown, 0.5).toFixed(1)} ms p99 ${pct(times.unknown, 0.99).toFixed(1)} ms`,
  );
}

/** Resolves once the server has used under a twentieth of a core for half a second (at most a minute). */
async function settled(server: ServerProcess): Promise<void> {
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline) {
    const before = server.cpuSeconds();
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (server.cpuSeconds() - before < 0.025) return;
  }
}

/** A port on 127.0.0.1 that nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** A database of its own on the server DATABASE_URL names, dropped afterwards. */
async function withBenchDatabase(url: string, run: (url: string) => Promise<void>): Promise<void> {
  const name = `auth_bench_${RUN}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    const target = new URL(url);
    target.pathname = `/${name}`;
    await run(target.href);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

const { memoryCost, timeCost, parallelism } = config.argon2;
console.log(
  `Node ${process.version}, ${availableParallelism()} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at start, ${new Date().toISOString()}`,
);
const ceiling = await argon2Ceiling(ARGON2_BOUND);
const allCores = ARGON2_BOUND === availableParallelism() ? ceiling : await argon2Ceiling(availableParallelism());
console.log(
  `argon2id verify ceiling (m=${memoryCost} KiB t=${timeCost} p=${parallelism}): ${fmt(ceiling)}/s ${ARGON2_BOUND} at a time (the server's bound), ${fmt(allCores)}/s on all ${availableParallelism()} cores`,
);
const figures: Figures = { bareRps: 0, ceiling };
await section('PGlite', undefined, figures);
if (process.env.DATABASE_URL) await withBenchDatabase(process.env.DATABASE_URL, (url) => section('PostgreSQL', url, figures));
console.log(`\nload average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end`);
