// Operator API keys as an operator handles them: `npm run operator-key` in a child process against
// the database `npm start` would use (PGlite under DATA_DIR, or DATABASE_URL), and the check the
// admin listener makes on every request (the service, on the same database).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open-database.ts';
import type { PrismaClient } from '../src/generated/prisma/client.ts';
import { createOperatorKeys, type OperatorKeys } from '../src/services/operators/operator-keys.ts';
import { createTestDatabase, type TestDatabase, usingPostgres } from './support/test-database.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const TOKEN = /opk_([a-z0-9]{10})_([A-Za-z0-9_-]{43})/g;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The npm script's command (without npm around it), as package.json spells it, with only PATH and `env`. */
async function operatorKey(args: string[], env: Record<string, string>): Promise<Run> {
  const scripts = (JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const [command, ...scriptArgs] = scripts['operator-key']!.split(/\s+/) as [string, ...string[]];
  const child = spawn(command, [...scriptArgs, ...args], {
    cwd: repo,
    env: { PATH: [join(repo, 'node_modules', '.bin'), process.env.PATH ?? ''].join(delimiter), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, stdout, stderr };
}

/** The one key a create or rotate printed (there must be exactly one), split into id and secret. */
function printedKey(run: Run): { token: string; keyId: string; secret: string } {
  const found = [...run.stdout.matchAll(TOKEN)];
  expect(found, run.stdout + run.stderr).toHaveLength(1);
  const [token, keyId, secret] = found[0]! as unknown as [string, string, string];
  expect(run.stdout).toMatch(/will not be shown again/);
  return { token, keyId, secret };
}

/** The command's single `[audit]` line, parsed; it must carry none of `secrets`, and stderr no key at all. */
function auditOf(run: Run, secrets: string[]): Record<string, unknown> {
  const lines = run.stderr.split('\n').filter((line) => line.includes('[audit]'));
  expect(lines, run.stderr).toHaveLength(1);
  for (const secret of secrets) expect(run.stderr).not.toContain(secret);
  expect(run.stderr).not.toMatch(/opk_[a-z0-9]{10}_/);
  const line = JSON.parse(lines[0]!) as { level: string; msg: string; audit: Record<string, unknown> };
  expect(line).toMatchObject({ level: 'info', msg: `[audit] ${String(line.audit.action)}` });
  return line.audit;
}

describe('npm run operator-key and the key check', () => {
  let dataDir: string;
  let database: TestDatabase | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'auth-api-operator-keys-'));
    if (usingPostgres) database = await createTestDatabase();
    // The same choice npm start makes: DATABASE_URL when set, else PGlite under DATA_DIR.
    env = { DATA_DIR: dataDir, ...(database ? { DATABASE_URL: database.url! } : {}) };
  });
  afterAll(async () => {
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Opens the command's database in this process (for PGlite only while no command runs), then closes it. */
  async function withDatabase<T>(use: (prisma: PrismaClient, keys: OperatorKeys) => Promise<T>): Promise<T> {
    const db = await openDatabase(database ? { url: database.url! } : { dataDir: join(dataDir, 'pglite') });
    try {
      return await use(db.prisma, createOperatorKeys({ prisma: db.prisma }));
    } finally {
      await db.close();
    }
  }

  it('create prints the key once and keeps only its SHA-256; the key passes the check, nothing else does; list never shows it', async () => {
    const before = Date.now();
    const created = await operatorKey(['create', '--name', '  CI deploy  ', '--scope', 'write', '--expires-in-days', '30'], env);
    const after = Date.now();
    expect(created.code, created.stderr).toBe(0);
    const { token, keyId, secret } = printedKey(created);
    expect(auditOf(created, [secret, sha256(secret)])).toMatchObject({ action: 'operator-key create', operatorKey: keyId, operatorKeyName: 'CI deploy', scope: 'write', outcome: 'OK' });

    const lastUsed = await withDatabase(async (prisma, keys) => {
      const row = (await prisma.operatorKey.findUnique({ where: { keyId } }))!;
      expect(row).toMatchObject({ name: 'CI deploy', scope: 'write', secretHash: sha256(secret), revokedAt: null, lastUsedAt: null });
      expect(row.expiresAt!.getTime()).toBeGreaterThanOrEqual(before + 30 * DAY);
      expect(row.expiresAt!.getTime()).toBeLessThanOrEqual(after + 30 * DAY);
      // Nowhere in the table, in any column: only the hash.
      const table = JSON.stringify(await prisma.$queryRaw`SELECT * FROM operator_api_keys`);
      expect(table).not.toContain(secret);

      const accepted = await keys.authenticate(token);
      expect(accepted).toMatchObject({ ok: true, key: { keyId, name: 'CI deploy', scope: 'write', revokedAt: null } });
      expect(await keys.liveCount()).toBeGreaterThanOrEqual(1);

      const otherSecret = randomBytes(32).toString('base64url');
      expect(await keys.authenticate(`opk_${keyId}_${otherSecret}`)).toEqual({ ok: false, keyId });
      expect(await keys.authenticate(`opk_${keyId}_${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`)).toEqual({ ok: false, keyId });
      expect(await keys.authenticate(`opk_zzzzzzzzz0_${secret}`)).toEqual({ ok: false, keyId: 'zzzzzzzzz0' });
      const jwt = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzaWQiOiIxMjMiLCJpYXQiOjE3MDAwMDAwMDB9.c2lnbmF0dXJlLXRoYXQtbG9va3MtcmVhbA';
      for (const garbage of ['', 'opk_', jwt, `Bearer ${token}`, `${token}\n`, `${token}x`, token.toUpperCase(), `opk_${keyId}_`, secret, sha256(secret)]) {
        expect(await keys.authenticate(garbage), JSON.stringify(garbage)).toEqual({ ok: false, keyId: null });
      }

      // last_used_at: written by the first check, not by the next ones within the minute.
      const first = (await prisma.operatorKey.findUnique({ where: { keyId } }))!.lastUsedAt!;
      expect(first.getTime()).toBeGreaterThanOrEqual(before);
      await sleep(5);
      expect((await keys.authenticate(token)).ok).toBe(true);
      expect((await prisma.operatorKey.findUnique({ where: { keyId } }))!.lastUsedAt).toEqual(first);
      const thirtySecondsAgo = new Date(Date.now() - 30_000);
      await prisma.operatorKey.update({ where: { keyId }, data: { lastUsedAt: thirtySecondsAgo } });
      expect((await keys.authenticate(token)).ok).toBe(true);
      expect((await prisma.operatorKey.findUnique({ where: { keyId } }))!.lastUsedAt).toEqual(thirtySecondsAgo);
      // Over a minute old: the next check moves it.
      await prisma.operatorKey.update({ where: { keyId }, data: { lastUsedAt: new Date(Date.now() - 61_000) } });
      const checkedAt = Date.now();
      const moved = await keys.authenticate(token);
      const row2 = (await prisma.operatorKey.findUnique({ where: { keyId } }))!;
      expect(row2.lastUsedAt!.getTime()).toBeGreaterThanOrEqual(checkedAt);
      expect(moved).toMatchObject({ ok: true, key: { lastUsedAt: row2.lastUsedAt } });
      return row2.lastUsedAt!;
    });

    const listed = await operatorKey(['list'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/KEY ID\s+NAME\s+SCOPE\s+CREATED\s+EXPIRES\s+LAST USED\s+REVOKED/);
    const line = listed.stdout.split('\n').find((l) => l.startsWith(keyId))!;
    expect(line).toMatch(/CI deploy\s+write\s/);
    expect(line).toContain(lastUsed.toISOString());
    for (const output of [listed.stdout, listed.stderr]) {
      expect(output).not.toContain(secret);
      expect(output).not.toContain(sha256(secret));
      expect(output).not.toContain('opk_');
    }
    expect(auditOf(listed, [secret, sha256(secret)])).toMatchObject({ action: 'operator-key list', outcome: 'OK' });
  });

  it('revoke: refused at the very next check; revoking again keeps the first time; unknown and revoked ids exit 1', async () => {
    const { token, key } = await withDatabase((_, keys) => keys.create({ name: 'Support desk', scope: 'read' }));
    const secret = token.slice('opk_0123456789_'.length);

    const revoked = await operatorKey(['revoke', key.keyId], env);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`${key.keyId}.*revoked`));
    expect(auditOf(revoked, [secret, sha256(secret)])).toMatchObject({ action: 'operator-key revoke', operatorKey: key.keyId, operatorKeyName: 'Support desk', scope: 'read', outcome: 'OK' });

    await withDatabase(async (prisma, keys) => {
      expect(await keys.authenticate(token)).toEqual({ ok: false, keyId: key.keyId });
      const { revokedAt } = (await prisma.operatorKey.findUnique({ where: { keyId: key.keyId } }))!;
      expect(revokedAt).not.toBeNull();
      await sleep(5);
      expect((await keys.revoke(key.keyId))!.revokedAt).toEqual(revokedAt);
      expect(await keys.revoke('zzzzzzzzz0')).toBeNull();
      // A revoked key cannot be rotated back to life.
      expect(await keys.rotate(key.keyId)).toBeNull();
      const live = await keys.liveCount();
      await keys.create({ name: 'Another', scope: 'read' });
      expect(await keys.liveCount()).toBe(live + 1);
    });

    const unknown = await operatorKey(['revoke', 'zzzzzzzzz0'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No operator key with id zzzzzzzzz0/);
    expect(auditOf(unknown, [])).toMatchObject({ action: 'operator-key revoke', operatorKey: 'zzzzzzzzz0', outcome: 'NOT_FOUND' });

    const rotateRevoked = await operatorKey(['rotate', key.keyId], env);
    expect(rotateRevoked.code).toBe(1);
    expect(rotateRevoked.stdout).not.toMatch(TOKEN);
    expect(rotateRevoked.stderr).toMatch(new RegExp(`No live operator key with id ${key.keyId}`));
    expect(auditOf(rotateRevoked, [secret])).toMatchObject({ action: 'operator-key rotate', operatorKey: key.keyId, outcome: 'NOT_FOUND' });
  });

  it('an expired key is refused and no longer counts as live', async () => {
    await withDatabase(async (prisma, keys) => {
      const { token, key } = await keys.create({ name: 'Short-lived', scope: 'write', expiresInDays: 1 });
      expect(key.expiresAt!.getTime() - key.createdAt.getTime()).toBe(DAY);
      expect((await keys.authenticate(token)).ok).toBe(true);
      const live = await keys.liveCount();
      await prisma.operatorKey.update({ where: { keyId: key.keyId }, data: { expiresAt: new Date(Date.now() - 1000) } });
      expect(await keys.authenticate(token)).toEqual({ ok: false, keyId: key.keyId });
      expect(await keys.liveCount()).toBe(live - 1);
      await expect(keys.create({ name: '\u0000bad', scope: 'read' })).rejects.toThrow(/name: must not contain control/);
      await expect(keys.create({ name: 'x', scope: 'read', expiresInDays: 0 })).rejects.toThrow(/expiresInDays/);
    });
  });

  it('rotate: a new key with the same name and scope; the old one works for the grace (24 h by default), or stops at once with 0', async () => {
    const [nightly, reporting] = await withDatabase(async (_, keys) => [
      await keys.create({ name: 'Nightly export', scope: 'read' }),
      await keys.create({ name: 'Reporting', scope: 'write', expiresInDays: 90 }),
    ]);
    const secrets = [nightly, reporting].flatMap(({ token }) => [token.slice('opk_0123456789_'.length), sha256(token.slice('opk_0123456789_'.length))]);

    const before = Date.now();
    const rotated = await operatorKey(['rotate', nightly.key.keyId], env);
    const after = Date.now();
    expect(rotated.code, rotated.stderr).toBe(0);
    const next = printedKey(rotated);
    expect(next.keyId).not.toBe(nightly.key.keyId);
    expect(auditOf(rotated, [...secrets, next.secret, sha256(next.secret)])).toMatchObject({
      action: 'operator-key rotate',
      operatorKey: nightly.key.keyId,
      operatorKeyName: 'Nightly export',
      scope: 'read',
      newOperatorKey: next.keyId,
      outcome: 'OK',
    });

    const rotatedNow = await operatorKey(['rotate', reporting.key.keyId, '--grace-hours', '0'], env);
    expect(rotatedNow.code, rotatedNow.stderr).toBe(0);
    const replacement = printedKey(rotatedNow);
    auditOf(rotatedNow, [...secrets, replacement.secret, sha256(replacement.secret)]);

    await withDatabase(async (prisma, keys) => {
      expect(await keys.authenticate(next.token)).toMatchObject({ ok: true, key: { keyId: next.keyId, name: 'Nightly export', scope: 'read', expiresAt: null } });
      // The old key still works, until 24 hours from the rotation.
      const old = await keys.authenticate(nightly.token);
      expect(old).toMatchObject({ ok: true, key: { keyId: nightly.key.keyId } });
      const graceEnd = (await prisma.operatorKey.findUnique({ where: { keyId: nightly.key.keyId } }))!.expiresAt!;
      expect(graceEnd.getTime()).toBeGreaterThanOrEqual(before + 24 * HOUR);
      expect(graceEnd.getTime()).toBeLessThanOrEqual(after + 24 * HOUR);
      // A later rotation never lengthens the old key's life.
      const again = (await keys.rotate(nightly.key.keyId, 48))!;
      expect(again.old.expiresAt).toEqual(graceEnd);
      expect((await prisma.operatorKey.findUnique({ where: { keyId: nightly.key.keyId } }))!.expiresAt).toEqual(graceEnd);

      // Grace 0: the old key is refused at once; the new one keeps name, scope and the 90-day lifetime.
      expect(await keys.authenticate(reporting.token)).toEqual({ ok: false, keyId: reporting.key.keyId });
      const fresh = await keys.authenticate(replacement.token);
      expect(fresh).toMatchObject({ ok: true, key: { name: 'Reporting', scope: 'write' } });
      const freshKey = fresh.ok ? fresh.key : undefined;
      expect(freshKey!.expiresAt!.getTime() - freshKey!.createdAt.getTime()).toBe(90 * DAY);
    });
  });

  it('usage errors: the usage on stderr and exit code 2, before the database is touched', async () => {
    const emptyDataDir = await mkdtemp(join(tmpdir(), 'auth-api-operator-keys-usage-'));
    try {
      const usageEnv = { DATA_DIR: emptyDataDir };
      // A whole key pasted where the key id goes is refused without being echoed.
      const pastedSecret = randomBytes(32).toString('base64url');
      // Each with what its message must say.
      const cases: [string[], string][] = [
        [[], 'a subcommand is required'],
        [['bogus'], 'unknown subcommand bogus'],
        [['create', '--scope', 'write'], '--name is required'],
        [['create', '--name', 'x', '--scope', 'admin'], '--scope must be read or write'],
        [['create', '--name', 'bell\u0007', '--scope', 'read'], '--name: must not contain control'],
        [['create', '--name', 'x'.repeat(101), '--scope', 'read'], '--name: must be at most 100 characters'],
        [['create', '--name', 'x', '--scope', 'read', '--expires-in-days', 'soon'], '--expires-in-days: must be a whole number from 1 to 3650'],
        [['rotate', 'abcdefghij', '--grace-hours=-1'], '--grace-hours: must be a whole number from 0'],
        [['list', '--all'], "Unknown option '--all'"],
        [['revoke'], 'revoke: expects one key id'],
        [['revoke', `opk_abcdefghij_${pastedSecret}`], 'the key id is the 10 characters [a-z0-9] after opk_'],
      ];
      const runs = await Promise.all(cases.map(([args]) => operatorKey(args, usageEnv)));
      runs.forEach((run, i) => {
        const [args, says] = cases[i]!;
        expect(run.code, JSON.stringify(args)).toBe(2);
        expect(run.stderr).toMatch(/^operator-key: [^]+\nusage:\n {2}npm run operator-key -- create --name <name> --scope read\|write/);
        expect(run.stderr).toContain(says);
        expect(run.stderr).not.toContain('[audit]');
        expect(run.stderr).not.toContain(pastedSecret);
      });
      expect(existsSync(join(emptyDataDir, 'pglite'))).toBe(false);
    } finally {
      await rm(emptyDataDir, { recursive: true, force: true });
    }
  });
});
