// The purge of dead rows: what it deletes and what it keeps, on the timer inside the server and
// as `npm run purge`, and that several purges at once do no harm.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { openDatabase } from '../src/db/open-database.ts';
import type { PrismaClient } from '../src/generated/prisma/client.ts';
import type { PurgeResult } from '../src/services/purge/purge.ts';
import { signUpNewUser } from './support/accounts.ts';
import { DASHBOARD } from './support/operations.ts';
import { startSecondInstance, startTestApp, type TestApp } from './support/test-app.ts';
import { createTestDatabase, usingPostgres } from './support/test-database.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(Date.now() - ms);
const ahead = (ms: number) => new Date(Date.now() + ms);

/** A user row of its own (the rows under test hang off it); no password anyone could use. */
async function newUser(prisma: PrismaClient): Promise<string> {
  const user = await prisma.user.create({ data: { username: 'Purge', email: `purge-${randomUUID()}@example.com`, passwordHash: 'x' } });
  return user.id;
}

/** One row of every kind the purge looks at, dead or alive; resolves to their ids by name. */
async function seedRows(prisma: PrismaClient) {
  const userId = await newUser(prisma);
  const session = (data: { expiresAt: Date; absoluteExpiresAt: Date; revokedAt?: Date; createdAt?: Date }) =>
    prisma.session.create({ data: { userId, createdAt: ago(9 * HOUR), ...data } }).then((s) => s.id);
  const sessions = {
    live: await session({ expiresAt: ahead(HOUR), absoluteExpiresAt: ahead(2 * HOUR) }),
    // Dead to every request, but kept until the absolute expiry (see src/services/purge/rules.ts).
    revokedBeforeCap: await session({ expiresAt: ahead(HOUR), absoluteExpiresAt: ahead(2 * HOUR), revokedAt: ago(1000) }),
    idleBeforeCap: await session({ expiresAt: ago(HOUR), absoluteExpiresAt: ahead(HOUR) }),
    pastCap: await session({ expiresAt: ago(2 * HOUR), absoluteExpiresAt: ago(1000) }),
    revokedPastCap: await session({ expiresAt: ago(2 * HOUR), absoluteExpiresAt: ago(HOUR), revokedAt: ago(3 * HOUR) }),
  };
  // One purpose each: the rule is the same for every kind of one-time code.
  const code = async (purpose: string, data: { expiresAt: Date; attempts: number }) => {
    const id = await newUser(prisma);
    await prisma.oneTimeCode.create({ data: { userId: id, purpose, codeHash: 'h'.repeat(64), ...data } });
    return id;
  };
  const codes = {
    live: await code('password_reset', { expiresAt: ahead(HOUR), attempts: 4 }),
    expired: await code('email_verification', { expiresAt: ago(1000), attempts: 0 }),
    usedUp: await code('email_change', { expiresAt: ahead(HOUR), attempts: 5 }),
  };
  // SECURITY_EVENT_RETENTION_DAYS is 90 by default.
  const event = (createdAt: Date) => prisma.securityEvent.create({ data: { userId, kind: 'SIGN_IN', createdAt } }).then((e) => e.id);
  const events = { recent: await event(ago(89 * DAY)), old: await event(ago(91 * DAY)) };
  const counter = async (expire: bigint | null) => {
    const key = `test:${randomUUID()}`;
    await prisma.rateLimit.create({ data: { key, points: 3, expire } });
    return key;
  };
  const counters = {
    live: await counter(BigInt(Date.now() + HOUR)),
    forever: await counter(null),
    stale: await counter(BigInt(Date.now() - 1000)),
  };
  // A device is remembered for the cookie's lifetime, a year, from its last sign-in.
  const device = (lastUsedAt: Date) =>
    prisma.device.create({ data: { userId, tokenHash: randomUUID().replaceAll('-', '').padEnd(64, '0'), lastUsedAt } }).then((d) => d.id);
  const devices = { recent: await device(ago(364 * DAY)), forgotten: await device(ago(366 * DAY)) };
  // A passkey challenge nobody finished is dead once it expires.
  const challenge = (expiresAt: Date) =>
    prisma.passkeyChallenge
      .create({ data: { idHash: randomUUID().replaceAll('-', '').padEnd(64, '0'), purpose: 'sign_in', challengeHash: 'c'.repeat(64), userVerification: true, allowCredentials: [], expiresAt } })
      .then((c) => c.idHash);
  const challenges = { live: await challenge(ahead(60_000)), expired: await challenge(ago(1000)) };
  // A provider sign-in nobody finished is dead once it expires, whatever its stage.
  const flow = (expiresAt: Date) =>
    prisma.providerFlow
      .create({ data: { stateHash: randomUUID().replaceAll('-', '').padEnd(64, '0'), provider: 'corp', purpose: 'sign_in', sealed: 'x', returnTo: 'https://app.example.com/', expiresAt } })
      .then((f) => f.stateHash);
  const flows = { live: await flow(ahead(60_000)), expired: await flow(ago(1000)) };
  return { sessions, codes, events, devices, counters, challenges, flows };
}

type Seeded = Awaited<ReturnType<typeof seedRows>>;

/** Which of the seeded rows are still there. */
async function remaining(prisma: PrismaClient, seeded: Seeded) {
  const has = async <T>(ids: Record<string, string>, find: (id: string) => Promise<T | null>) =>
    Object.fromEntries(await Promise.all(Object.entries(ids).map(async ([name, id]) => [name, (await find(id)) !== null] as const)));
  return {
    sessions: await has(seeded.sessions, (id) => prisma.session.findUnique({ where: { id } })),
    codes: await has(seeded.codes, (userId) => prisma.oneTimeCode.findFirst({ where: { userId } })),
    events: await has(seeded.events, (id) => prisma.securityEvent.findUnique({ where: { id } })),
    devices: await has(seeded.devices, (id) => prisma.device.findUnique({ where: { id } })),
    counters: await has(seeded.counters, (key) => prisma.rateLimit.findUnique({ where: { key } })),
    challenges: await has(seeded.challenges, (idHash) => prisma.passkeyChallenge.findUnique({ where: { idHash } })),
    flows: await has(seeded.flows, (stateHash) => prisma.providerFlow.findUnique({ where: { stateHash } })),
  };
}

const AFTER_PURGE = {
  sessions: { live: true, revokedBeforeCap: true, idleBeforeCap: true, pastCap: false, revokedPastCap: false },
  codes: { live: true, expired: false, usedUp: false },
  events: { recent: true, old: false },
  devices: { recent: true, forgotten: false },
  counters: { live: true, forever: true, stale: false },
  challenges: { live: true, expired: false },
  flows: { live: true, expired: false },
};

const deletedIn = (result: PurgeResult) => (result.skipped ? undefined : result.deleted);

describe('the purge', () => {
  let t: TestApp;
  beforeAll(async () => {
    // No timer here: these tests run the purge themselves.
    t = await startTestApp({ env: { PURGE_INTERVAL_SECONDS: '0' } });
  });
  afterAll(() => t.close());

  it('deletes dead sessions, one-time codes, security events past retention, forgotten devices, expired passkey challenges and provider flows, and rate-limit counters, keeps live ones, and a second run finds nothing', async () => {
    const prisma = t.app.services.prisma;
    // Rows left by other tests of this file would make the counts below theirs too.
    await t.app.services.purger.run();
    const seeded = await seedRows(prisma);
    const result = await t.app.services.purger.run();
    expect(deletedIn(result)).toEqual({
      sessions: 2,
      'one-time codes': 2,
      'security events': 1,
      devices: 1,
      'passkey challenges': 1,
      'provider flows': 1,
      'rate-limit counters': 1,
    });
    expect(await remaining(prisma, seeded)).toEqual(AFTER_PURGE);
    expect(deletedIn(await t.app.services.purger.run())).toEqual({
      sessions: 0,
      'one-time codes': 0,
      'security events': 0,
      devices: 0,
      'passkey challenges': 0,
      'provider flows': 0,
      'rate-limit counters': 0,
    });
  });

  it('leaves a signed-in user signed in', async () => {
    const { client } = await signUpNewUser(t, { username: 'Stays' });
    await t.app.services.purger.run();
    await seedRows(t.app.services.prisma);
    expect(deletedIn(await t.app.services.purger.run())?.sessions).toBe(2);
    expect((await client.graphql(DASHBOARD)).data?.dashboard.message).toBe('Welcome, Stays!');
  });

  it('does the work once when several instances purge at the same moment', async () => {
    const other = await startSecondInstance(t, { PURGE_INTERVAL_SECONDS: '0' });
    onTestFinished(() => other.close());
    await t.app.services.purger.run();
    const seeded = await seedRows(t.app.services.prisma);
    const results = await Promise.all([t, other, t, other].map((app) => app.app.services.purger.run()));
    // Whether a purge found the lock taken or the rows gone, together they deleted each dead row once.
    const total = (name: string) => results.reduce((sum, r) => sum + (deletedIn(r)?.[name] ?? 0), 0);
    expect([total('sessions'), total('one-time codes'), total('security events'), total('devices'), total('passkey challenges'), total('provider flows'), total('rate-limit counters')]).toEqual([
      2, 2, 1, 1, 1, 1, 1,
    ]);
    expect(results.some((r) => !r.skipped)).toBe(true);
    expect(await remaining(t.app.services.prisma, seeded)).toEqual(AFTER_PURGE);
  });

  // Holding the lock from another connection needs a database server: registered in the postgres
  // project only, as PGlite has one connection.
  if (usingPostgres) it('skips, deleting nothing, while another purge holds the lock', async () => {
    await t.app.services.purger.run();
    const seeded = await seedRows(t.app.services.prisma);
    const holder = new pg.Client({ connectionString: t.database.url });
    await holder.connect();
    onTestFinished(() => holder.end());
    await holder.query('BEGIN');
    await holder.query('SELECT pg_advisory_xact_lock(4711000001)');
    expect(await t.app.services.purger.run()).toEqual({ skipped: true });
    expect((await remaining(t.app.services.prisma, seeded)).sessions.pastCap).toBe(true);
    await holder.query('COMMIT');
    expect(deletedIn(await t.app.services.purger.run())?.sessions).toBe(2);
  });
});

describe('the purge timer', () => {
  it('purges on its own every PURGE_INTERVAL_SECONDS, and stops when the server closes', async () => {
    const t = await startTestApp({ env: { PURGE_INTERVAL_SECONDS: '1' } });
    let closed = false;
    onTestFinished(async () => {
      if (!closed) await t.close();
    });
    const seeded = await seedRows(t.app.services.prisma);
    // Waits for the event (the rows gone), however long a loaded machine takes to get there.
    await expect.poll(() => remaining(t.app.services.prisma, seeded), { timeout: 45_000, interval: 200 }).toEqual(AFTER_PURGE);

    // Counts the purges the timer starts from here on (it calls the service's run at each tick).
    const purger = t.app.services.purger;
    const run = purger.run.bind(purger);
    let runs = 0;
    purger.run = (now) => {
      runs += 1;
      return run(now);
    };
    await expect.poll(() => runs, { timeout: 45_000, interval: 100 }).toBeGreaterThan(0);
    await t.close();
    closed = true;
    const afterClose = runs;
    // Longer than two of the longest jittered intervals (1.2 s): a timer still going would have run.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(runs).toBe(afterClose);
    expect(t.logger.lines.filter((line) => line.includes('[purge] failed'))).toEqual([]);
  });

  it('never keeps the process alive: a process with only the timer left exits by itself', async () => {
    const script = `
      import { schedulePurge } from './src/services/purge/schedule.ts';
      schedulePurge({ purger: { run: async () => ({ skipped: true }) }, intervalSeconds: 3600, logger: console });
      console.log('scheduled');`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: repo,
      env: { PATH: [join(repo, 'node_modules', '.bin'), process.env.PATH ?? ''].join(delimiter) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onTestFinished(() => void child.kill('SIGKILL'));
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // An hour's timer that kept the process alive would hold it until the test's timeout.
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(output).toContain('scheduled');
    expect(code).toBe(0);
  });
});

describe('npm run purge', () => {
  it('purges the database npm start would use, with the same configuration, and says what it deleted', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'auth-api-purge-'));
    const database = usingPostgres ? await createTestDatabase() : undefined;
    onTestFinished(async () => {
      await database?.drop();
      await rm(dataDir, { recursive: true, force: true });
    });
    // The same choice npm start makes: DATABASE_URL when set, else PGlite under DATA_DIR.
    const env = { DATA_DIR: dataDir, ...(database ? { DATABASE_URL: database.url! } : {}) };
    const db = await openDatabase(database ? { url: database.url! } : { dataDir: join(dataDir, 'pglite') });
    const seeded = await seedRows(db.prisma);
    await db.close();

    const { code, output } = await runScript('purge', env);
    expect(output).toContain('Purged 2 sessions, 2 one-time codes, 1 security events, 1 devices, 1 passkey challenges, 1 provider flows, 1 rate-limit counters.');
    expect(code).toBe(0);

    const after = await openDatabase(database ? { url: database.url! } : { dataDir: join(dataDir, 'pglite') });
    try {
      expect(await remaining(after.prisma, seeded)).toEqual(AFTER_PURGE);
    } finally {
      await after.close();
    }
  });

  it('refuses a bad configuration and says why', async () => {
    const { code, output } = await runScript('purge', { DATABASE_URL: 'mysql://localhost/db', DATA_DIR: tmpdir() });
    expect(code).not.toBe(0);
    expect(output).toMatch(/DATABASE_URL: must be a postgresql:\/\/ connection string/);
  });
});

/** Runs an npm script's command (without npm around it) with only PATH and `env`. */
async function runScript(name: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const { readFile } = await import('node:fs/promises');
  const scripts = (JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const [command, ...args] = scripts[name]!.split(/\s+/) as [string, ...string[]];
  const child = spawn(command, args, {
    cwd: repo,
    env: { PATH: [join(repo, 'node_modules', '.bin'), process.env.PATH ?? ''].join(delimiter), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, output };
}
