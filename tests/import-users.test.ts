// `npm run import-users` as an operator runs it (a real process, against the database `npm start`
// would use: PGlite under DATA_DIR, or PostgreSQL), and the import service under it for what a
// process cannot show: a signUp racing the import, and signing in with an imported hash.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import bcrypt from 'bcrypt';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db/open-database.ts';
import { createUserImport, type ImportLine } from '../src/services/operators/user-import.ts';
import { errorCode, signIn } from './support/accounts.ts';
import { SIGN_UP, uniqueEmail } from './support/operations.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';
import { createTestDatabase, type TestDatabase, usingPostgres } from './support/test-database.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
// The commands here open a database each: on a busy two-core machine a run may take a while.
const SLOW = { timeout: 300_000 };
const PASSWORD = 'imported-lantern-orbit-77';

/** A line of the report, as the command writes it. */
type ReportRow = { line: number; email?: string; status: string; code?: string; field?: string; message?: string; id?: string };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('npm run import-users', () => {
  let dataDir: string;
  let files: string;
  let testDatabase: TestDatabase | undefined;
  let env: Record<string, string>;
  let bcryptHash: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'auth-api-import-'));
    files = join(dataDir, 'files');
    await mkdir(files);
    testDatabase = usingPostgres ? await createTestDatabase() : undefined;
    // The same choice npm start makes: DATABASE_URL when set, else PGlite under DATA_DIR.
    env = { DATA_DIR: dataDir, ...(testDatabase ? { DATABASE_URL: testDatabase.url! } : {}) };
    // Made (and migrated) once here, so every run below opens a database that exists.
    await (await open()).close();
    bcryptHash = await bcrypt.hash(PASSWORD, 4);
  });

  afterAll(async () => {
    await testDatabase?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** The command's database; with PGlite only while no command runs (one process owns the directory). */
  const open = (): Promise<Database> => openDatabase(testDatabase ? { url: testDatabase.url! } : { dataDir: join(dataDir, 'pglite') });

  async function withDatabase<T>(work: (db: Database) => Promise<T>): Promise<T> {
    const db = await open();
    try {
      return await work(db);
    } finally {
      await db.close();
    }
  }

  /** Runs the npm script's command (without npm around it) with only PATH and the database's environment. */
  async function importUsers(args: string[], stdin?: string): Promise<Run> {
    const scripts = (JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const [command, ...scriptArgs] = scripts['import-users']!.split(/\s+/) as [string, ...string[]];
    const child = spawn(command, [...scriptArgs, ...args], {
      cwd: repo,
      env: { PATH: [join(repo, 'node_modules', '.bin'), process.env.PATH ?? ''].join(delimiter), ...env },
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (stdin !== undefined) child.stdin!.end(stdin);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    return { code, stdout, stderr };
  }

  async function writeLines(name: string, lines: (string | Buffer)[]): Promise<string> {
    const path = join(files, name);
    await writeFile(path, Buffer.concat(lines.map((line) => Buffer.concat([Buffer.isBuffer(line) ? line : Buffer.from(line), Buffer.from('\n')]))));
    return path;
  }

  const readReport = async (path: string): Promise<ReportRow[]> =>
    (await readFile(path, 'utf8'))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as ReportRow);

  const auditLines = (stderr: string) => stderr.split('\n').filter((line) => line.includes('[audit]'));

  it('reports every kind of bad line by its number and code, imports the good ones, and exits 2', SLOW, async () => {
    const tag = randomUUID().slice(0, 8);
    const at = (name: string) => `${name}.${tag}@example.com`;
    const takenId = randomUUID();
    const keptId = randomUUID();
    const sharedId = randomUUID();
    const existing = await withDatabase(async (db) => {
      const exists = await db.prisma.user.create({ data: { username: 'Signed up', email: at('exists'), passwordHash: 'argon2id of the real password' } });
      await db.prisma.user.create({ data: { id: takenId, username: 'Other', email: at('owner'), passwordHash: null } });
      return exists;
    });
    const body = bcryptHash.slice(7);
    const hashes = {
      good: bcryptHash,
      x: `$2x$10$${body}`,
      argon2d: '$argon2d$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$KpyhQZt0mxL2S0mjnEz0kmRMJbs1TlA0JbU2OHbRdNQ',
      malformed: '$2b$10$tooShortToBeBcrypt',
      costly: `$2b$16$${body}`,
    };
    const createdAt = '2019-03-04T05:06:07.891Z';
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const json = (value: unknown) => JSON.stringify(value);
    // Exactly 16 KiB (spaces are JSON too), and one byte more.
    const padded = (email: string, bytes: number) => {
      const line = json({ email });
      return `${line.slice(0, -1)}${' '.repeat(bytes - Buffer.byteLength(line))}}`;
    };
    const lines: (string | Buffer)[] = [
      /* 1 */ `{"email": "${at('broken')}"`,
      /* 2 */ '',
      /* 3 */ json([{ email: at('array') }]),
      /* 4 */ padded(at('long'), 16 * 1024 + 1),
      /* 5 */ json({ email: at('totp'), passwordHash: hashes.good, totpSecret: 'JBSWY3DPEHPK3PXP' }),
      /* 6 */ json({ email: at('verified'), emailVerified: 'yes' }),
      /* 7 */ json({ email: 42 }),
      /* 8 */ json({ username: 'No Address' }),
      /* 9 */ json({ email: 'not-an-address' }),
      /* 10 */ json({ email: `zero\u200bwidth.${tag}@example.com` }),
      /* 11 */ json({ email: at('blankname'), username: '   ' }),
      /* 12 */ json({ email: at('badid'), id: '12345' }),
      /* 13 */ json({ email: at('future'), createdAt: future }),
      /* 14 */ json({ email: at('feb30'), createdAt: '2021-02-30T10:00:00Z' }),
      /* 15 */ json({ email: at('bcrypt2x'), passwordHash: hashes.x }),
      /* 16 */ json({ email: at('argon2d'), passwordHash: hashes.argon2d }),
      /* 17 */ json({ email: at('malformed'), passwordHash: hashes.malformed }),
      /* 18 */ json({ email: at('costly'), passwordHash: hashes.costly }),
      /* 19 */ json({ email: `Ana.${tag}@Example.com`, passwordHash: hashes.good }),
      /* 20 */ json({ email: ` ana.${tag}@example.com`, passwordHash: hashes.good }),
      /* 21 */ json({ email: at('same-id-1'), id: sharedId }),
      /* 22 */ json({ email: at('same-id-2'), id: sharedId.toUpperCase() }),
      /* 23 */ json({ email: at('takes-id'), id: takenId }),
      /* 24 */ json({ email: at('EXISTS').toUpperCase(), passwordHash: hashes.good }),
      /* 25 */ json({ id: keptId, email: at('kept'), username: 'Kept Name', passwordHash: hashes.good, emailVerified: true, createdAt }),
      /* 26 */ padded(at('exactly16k'), 16 * 1024),
      /* 27 */ Buffer.concat([Buffer.from('{"email":"'), Buffer.from([0xff, 0xfe]), Buffer.from(`.${tag}@example.com"}`)]),
      /* 28 */ '   ',
    ];
    const file = await writeLines('mixed.jsonl', lines);
    const run = await importUsers([file]);

    const report = `${file}.report.jsonl`;
    const rows = await readReport(report);
    const created = rows.filter((row) => row.status === 'CREATED');
    expect(rows).toEqual([
      { line: 1, status: 'REJECTED', code: 'MALFORMED_LINE', message: 'not valid JSON' },
      { line: 3, status: 'REJECTED', code: 'MALFORMED_LINE', message: 'not a JSON object' },
      { line: 4, status: 'REJECTED', code: 'MALFORMED_LINE', message: 'longer than 16 KiB' },
      {
        line: 5, email: at('totp'), status: 'REJECTED', code: 'UNKNOWN_FIELD', field: 'totpSecret',
        message: 'totpSecret: not an import field (email, username, passwordHash, emailVerified, createdAt, id); remove it on purpose',
      },
      { line: 6, email: at('verified'), status: 'REJECTED', code: 'MALFORMED_LINE', field: 'emailVerified', message: 'emailVerified: must be true or false' },
      { line: 7, status: 'REJECTED', code: 'MALFORMED_LINE', field: 'email', message: 'email: must be a string' },
      { line: 8, status: 'REJECTED', code: 'MISSING_EMAIL', field: 'email', message: 'email: is required' },
      // signUp's rules, and its messages.
      { line: 9, status: 'REJECTED', code: 'INVALID_EMAIL', field: 'email', message: 'email: is not a valid email address' },
      { line: 10, status: 'REJECTED', code: 'INVALID_EMAIL', field: 'email', message: 'email: must not contain invisible or control characters' },
      { line: 11, email: at('blankname'), status: 'REJECTED', code: 'INVALID_USERNAME', field: 'username', message: 'username: must not be empty' },
      { line: 12, email: at('badid'), status: 'REJECTED', code: 'INVALID_ID', field: 'id', message: 'id: must be a UUID' },
      { line: 13, email: at('future'), status: 'REJECTED', code: 'INVALID_CREATED_AT', field: 'createdAt', message: 'createdAt: must not be in the future' },
      {
        line: 14, email: at('feb30'), status: 'REJECTED', code: 'INVALID_CREATED_AT', field: 'createdAt',
        message: 'createdAt: must be an RFC 3339 date-time, like 2024-05-01T12:00:00Z',
      },
      // The checker's own wording follows the field's name.
      { line: 15, email: at('bcrypt2x'), status: 'REJECTED', code: 'UNKNOWN_HASH_FORMAT', field: 'passwordHash', message: expect.stringMatching(/^passwordHash: /) },
      { line: 16, email: at('argon2d'), status: 'REJECTED', code: 'UNKNOWN_HASH_FORMAT', field: 'passwordHash', message: expect.stringMatching(/^passwordHash: /) },
      { line: 17, email: at('malformed'), status: 'REJECTED', code: 'MALFORMED_HASH', field: 'passwordHash', message: expect.stringMatching(/^passwordHash: /) },
      { line: 18, email: at('costly'), status: 'REJECTED', code: 'HASH_PARAMETERS_OUT_OF_BOUNDS', field: 'passwordHash', message: expect.stringMatching(/^passwordHash: /) },
      // Every line sharing a normalised email or an id, naming the others.
      { line: 19, email: at('ana'), status: 'REJECTED', code: 'DUPLICATE_EMAIL', field: 'email', message: 'email: also on line 20' },
      { line: 20, email: at('ana'), status: 'REJECTED', code: 'DUPLICATE_EMAIL', field: 'email', message: 'email: also on line 19' },
      { line: 21, email: at('same-id-1'), status: 'REJECTED', code: 'DUPLICATE_ID', field: 'id', message: 'id: also on line 22' },
      { line: 22, email: at('same-id-2'), status: 'REJECTED', code: 'DUPLICATE_ID', field: 'id', message: 'id: also on line 21' },
      { line: 23, email: at('takes-id'), status: 'REJECTED', code: 'ID_TAKEN', field: 'id', message: 'id: belongs to an account with another email' },
      { line: 24, email: at('exists'), status: 'SKIPPED', code: 'EXISTS', field: 'email', message: 'an account with this email already exists', id: existing.id },
      { line: 25, email: at('kept'), status: 'CREATED', id: keptId },
      { line: 26, email: at('exactly16k'), status: 'CREATED', id: expect.any(String) },
      { line: 27, status: 'REJECTED', code: 'MALFORMED_LINE', message: 'not valid UTF-8' },
    ]);
    expect(run.stdout.trim().split('\n').at(-1)).toBe(`Read 26 lines: 2 created, 1 skipped (already exist), 23 rejected (see ${report}).`);
    expect(run.code).toBe(2);

    // Neither the report nor anything printed holds a hash, or a piece of one.
    const printed = `${await readFile(report, 'utf8')}\n${run.stdout}\n${run.stderr}`;
    for (const hash of Object.values(hashes)) expect(printed).not.toContain(hash.slice(-20));
    expect(printed).not.toContain('JBSWY3DPEHPK3PXP');
    // One audit line: counts and dryRun, nothing from the file.
    const [audit, ...more] = auditLines(run.stderr);
    expect(more).toEqual([]);
    expect(JSON.parse(audit!)).toMatchObject({ msg: '[audit] import-users', audit: { action: 'import-users', dryRun: false, lines: 26, created: 2, skipped: 1, rejected: 23 } });
    expect(audit).not.toContain(tag);

    await withDatabase(async (db) => {
      const kept = await db.prisma.user.findUniqueOrThrow({ where: { email: at('kept') } });
      // The old system's id and date, the hash as it was (sign-in converts it), verified as given.
      expect(kept).toMatchObject({ id: keptId, username: 'Kept Name', passwordHash: hashes.good, emailVerified: true, createdAt: new Date(createdAt) });
      const padded16k = await db.prisma.user.findUniqueOrThrow({ where: { email: at('exactly16k') } });
      expect(padded16k).toMatchObject({ id: created[1]!.id, username: `exactly16k.${tag}`, passwordHash: null, emailVerified: false });
      // The user sees who did it: an operator (no address or agent); the command has no key.
      const events = await db.prisma.securityEvent.findMany({ where: { userId: { in: [keptId, padded16k.id] } } });
      expect(events).toHaveLength(2);
      for (const event of events) expect(event).toMatchObject({ kind: 'ACCOUNT_IMPORTED', byOperator: true, operatorKeyId: null, ipAddress: null, userAgent: null });
      // An account that has the email is never changed.
      expect(await db.prisma.user.findUniqueOrThrow({ where: { id: existing.id } })).toEqual(existing);
      expect(await db.prisma.user.findUniqueOrThrow({ where: { id: takenId } })).toMatchObject({ email: at('owner'), passwordHash: null });
      // Nothing else from the file went in.
      const imported = await db.prisma.user.count({ where: { email: { contains: tag } } });
      expect(imported).toBe(4);
    });
  });

  it('imports a clean file (exit 0, report mode 0600), and running it again creates nothing', SLOW, async () => {
    const tag = randomUUID().slice(0, 8);
    const longLocal = `a${'b'.repeat(69)}.${tag}`;
    const people = [
      { email: `plain.${tag}@example.com` },
      { email: `php.${tag}@example.com`, passwordHash: bcryptHash.replace(/^\$2b\$/, '$2y$'), createdAt: '2015-06-01T12:00:00+02:00' },
      { email: `${longLocal}@example.com`, passwordHash: null, emailVerified: false },
    ];
    const file = await writeLines('clean.jsonl', ['', ...people.map((person) => JSON.stringify(person))]);
    const first = await importUsers([file]);
    expect(first.stdout).toContain(`Read 3 lines: 3 created, 0 skipped (already exist), 0 rejected (see ${file}.report.jsonl).`);
    expect(first.code).toBe(0);
    const report = await readReport(`${file}.report.jsonl`);
    // Line numbers count the blank first line.
    expect(report.map((row) => [row.line, row.email, row.status])).toEqual(people.map((person, i) => [i + 2, person.email, 'CREATED']));
    expect((await stat(`${file}.report.jsonl`)).mode & 0o777).toBe(0o600);

    await withDatabase(async (db) => {
      const users = await db.prisma.user.findMany({ where: { email: { in: people.map((person) => person.email) } }, orderBy: { email: 'asc' } });
      const byEmail = new Map(users.map((user) => [user.email, user]));
      // The username defaults to the part before @, cut to 64 characters.
      expect(byEmail.get(`plain.${tag}@example.com`)).toMatchObject({ username: `plain.${tag}`, passwordHash: null });
      expect(byEmail.get(`${longLocal}@example.com`)!.username).toBe(longLocal.slice(0, 64));
      // PHP's $2y$ is kept as written; the offset is honoured.
      expect(byEmail.get(`php.${tag}@example.com`)).toMatchObject({ passwordHash: people[1]!.passwordHash, createdAt: new Date('2015-06-01T10:00:00Z') });
      expect(report.map((row) => row.id)).toEqual(people.map((person) => byEmail.get(person.email)!.id));
    });

    const again = await importUsers([file, '--report', join(files, 'clean-again.jsonl')]);
    expect(again.stdout).toContain(`Read 3 lines: 0 created, 3 skipped (already exist), 0 rejected (see ${join(files, 'clean-again.jsonl')}).`);
    expect(again.code).toBe(0);
    expect(await readReport(join(files, 'clean-again.jsonl'))).toEqual(
      report.map((row) => ({ line: row.line, email: row.email, status: 'SKIPPED', code: 'EXISTS', field: 'email', message: 'an account with this email already exists', id: row.id })),
    );
  });

  it('finds duplicates across the whole file, not only within a transaction of 500', SLOW, async () => {
    const tag = randomUUID().slice(0, 8);
    const id = randomUUID();
    const people: Record<string, unknown>[] = Array.from({ length: 1_100 }, (_, i) => ({ email: `many${i}.${tag}@example.com` }));
    people[1099] = { email: `MANY1.${tag}@example.com` };
    people[2] = { ...people[2], id };
    people[699] = { ...people[699], id };
    const file = await writeLines('many.jsonl', people.map((person) => JSON.stringify(person)));
    const run = await importUsers([file]);
    expect(run.stdout).toContain(`Read 1100 lines: 1096 created, 0 skipped (already exist), 4 rejected (see ${file}.report.jsonl).`);
    expect(run.code).toBe(2);
    const rejected = (await readReport(`${file}.report.jsonl`)).filter((row) => row.status !== 'CREATED');
    expect(rejected.map((row) => [row.line, row.code, row.message])).toEqual([
      [2, 'DUPLICATE_EMAIL', 'email: also on line 1100'],
      [3, 'DUPLICATE_ID', 'id: also on line 700'],
      [700, 'DUPLICATE_ID', 'id: also on line 3'],
      [1100, 'DUPLICATE_EMAIL', 'email: also on line 2'],
    ]);
    expect(await withDatabase((db) => db.prisma.user.count({ where: { email: { contains: tag } } }))).toBe(1096);
  });

  it('with --dry-run checks everything, the database too, says VALID and writes nothing', SLOW, async () => {
    const tag = randomUUID().slice(0, 8);
    const id = randomUUID();
    const present = await withDatabase((db) => db.prisma.user.create({ data: { username: 'Here', email: `here.${tag}@example.com` } }));
    const file = await writeLines('dry.jsonl', [
      JSON.stringify({ email: `new.${tag}@example.com`, id, passwordHash: bcryptHash }),
      JSON.stringify({ email: `here.${tag}@example.com` }),
      JSON.stringify({ email: `other.${tag}@example.com`, id: present.id }),
    ]);
    const run = await importUsers([file, '--dry-run']);
    expect(await readReport(`${file}.report.jsonl`)).toEqual([
      { line: 1, email: `new.${tag}@example.com`, status: 'VALID', id },
      { line: 2, email: `here.${tag}@example.com`, status: 'SKIPPED', code: 'EXISTS', field: 'email', message: 'an account with this email already exists', id: present.id },
      { line: 3, email: `other.${tag}@example.com`, status: 'REJECTED', code: 'ID_TAKEN', field: 'id', message: 'id: belongs to an account with another email' },
    ]);
    const out = run.stdout.trim().split('\n');
    expect(out.slice(-2)).toEqual(['Dry run: nothing was written.', `Read 3 lines: 1 valid, 1 skipped (already exist), 1 rejected (see ${file}.report.jsonl).`]);
    expect(run.code).toBe(2);
    expect(JSON.parse(auditLines(run.stderr)[0]!)).toMatchObject({ audit: { dryRun: true, valid: 1, created: 0, skipped: 1, rejected: 1 } });
    expect(await withDatabase((db) => db.prisma.user.count({ where: { email: { contains: tag } } }))).toBe(1);
  });

  it('reads standard input with - and --report; without --report it refuses', SLOW, async () => {
    const email = uniqueEmail('stdin');
    const input = `${JSON.stringify({ email, passwordHash: bcryptHash })}\n`;
    const refused = await importUsers(['-'], input);
    expect(refused.stderr).toContain('--report <file> is required when reading standard input');
    expect(refused.code).toBe(1);

    const report = join(files, 'stdin.report.jsonl');
    const run = await importUsers(['-', '--report', report], input);
    expect(run.stdout).toContain(`Read 1 lines: 1 created, 0 skipped (already exist), 0 rejected (see ${report}).`);
    expect(run.code).toBe(0);
    const [row] = await readReport(report);
    expect(row).toEqual({ line: 1, email, status: 'CREATED', id: expect.any(String) });
    expect(`${run.stdout}${run.stderr}${await readFile(report, 'utf8')}`).not.toContain(bcryptHash.slice(-20));
    expect(await withDatabase((db) => db.prisma.user.findUnique({ where: { email } }))).toMatchObject({ id: row!.id, passwordHash: bcryptHash });
  });

  it('refuses a report that exists and a file it cannot read (exit 1), and imports nothing', SLOW, async () => {
    const email = uniqueEmail('refused');
    const file = await writeLines('refused.jsonl', [JSON.stringify({ email })]);
    await writeFile(`${file}.report.jsonl`, 'an earlier report\n');
    const exists = await importUsers([file]);
    expect(exists.stderr).toContain(`the report ${file}.report.jsonl already exists`);
    expect(exists.code).toBe(1);
    expect(await readFile(`${file}.report.jsonl`, 'utf8')).toBe('an earlier report\n');

    const missing = join(files, 'no-such-file.jsonl');
    const unreadable = await importUsers([missing]);
    expect(unreadable.stderr).toContain(`cannot read ${missing}`);
    expect(unreadable.code).toBe(1);
    await expect(stat(`${missing}.report.jsonl`)).rejects.toThrow(/ENOENT/);

    expect(await withDatabase((db) => db.prisma.user.count({ where: { email } }))).toBe(0);
  });
});

describe('the import service', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  const userImport = () => createUserImport({ prisma: t.app.services.prisma, events: t.app.services.securityEvents });
  const line = (index: number, value: Record<string, unknown>): ImportLine => ({ index, value });

  it('an imported bcrypt user signs in with the old password, and the hash becomes argon2id', async () => {
    const hash = await bcrypt.hash(PASSWORD, 4);
    const emails = [uniqueEmail('bcrypt'), uniqueEmail('php')];
    const report = await userImport().run(
      [line(1, { email: emails[0], passwordHash: hash }), line(2, { email: emails[1], passwordHash: hash.replace(/^\$2b\$/, '$2y$') })],
      { dryRun: false, operatorKeyId: null },
    );
    expect(report).toMatchObject({ dryRun: false, created: 2, valid: 0, skipped: 0, rejected: 0 });
    for (const email of emails) {
      expect(errorCode(await t.client().graphql(`mutation { signIn(input: { email: "${email}", password: "wrong-password-123" }) { message } }`))).toBe(
        'INVALID_CREDENTIALS',
      );
      await signIn(t.client(), email, PASSWORD);
      const user = await t.app.services.prisma.user.findUniqueOrThrow({ where: { email } });
      expect(user.passwordHash).toMatch(/^\$argon2id\$/);
      // And again with the new hash.
      await signIn(t.client(), email, PASSWORD);
    }
  });

  it('duplicates within one call are all rejected; a later call finds the account EXISTS', async () => {
    const email = uniqueEmail('twice');
    const first = await userImport().run([line(1, { email }), line(2, { email: email.toUpperCase() }), line(3, { email: ` ${email}` })], {
      dryRun: false,
      operatorKeyId: null,
    });
    expect(first.results.map((r) => [r.code, r.message])).toEqual([
      ['DUPLICATE_EMAIL', 'email: also on lines 2, 3'],
      ['DUPLICATE_EMAIL', 'email: also on lines 1, 3'],
      ['DUPLICATE_EMAIL', 'email: also on lines 1, 2'],
    ]);
    const created = await userImport().run([line(1, { email })], { dryRun: false, operatorKeyId: null });
    const later = await userImport().run([line(1, { email: email.toUpperCase() })], { dryRun: false, operatorKeyId: null });
    expect(later.results).toEqual([
      { index: 1, email, status: 'SKIPPED', code: 'EXISTS', field: 'email', message: 'an account with this email already exists', id: created.results[0]!.id },
    ]);
  });

  it('a signUp racing the import leaves exactly one account, reported as it is', async () => {
    const emails = Array.from({ length: 12 }, () => uniqueEmail('race'));
    const outcomes = await Promise.all(
      emails.map(async (email, i) => {
        const client = t.client();
        const signUp = client.graphql(SIGN_UP, { input: { username: 'Racer', email, password: 'racing-lantern-orbit-91' } });
        // Staggered, so some imports run before the sign-up's insert and some after.
        await new Promise((resolve) => setTimeout(resolve, i * 15));
        const imported = userImport().run([line(1, { email, passwordHash: bcryptHashFor(i) })], { dryRun: false, operatorKeyId: null });
        return { email, signUp: await signUp, imported: (await imported).results[0]! };
      }),
    );
    for (const { email, signUp, imported } of outcomes) {
      const users = await t.app.services.prisma.user.findMany({ where: { email } });
      expect(users).toHaveLength(1);
      if (imported.status === 'CREATED') {
        expect(errorCode(signUp)).toBe('EMAIL_TAKEN');
        expect(users[0]!.id).toBe(imported.id);
      } else {
        // The sign-up won: its account, untouched, is the one the report names.
        expect(imported).toMatchObject({ status: 'SKIPPED', code: 'EXISTS', id: signUp.data!.signUp.user.id });
        expect(users[0]!.passwordHash).toMatch(/^\$argon2id\$/);
      }
    }

    if (usingPostgres) {
      // The narrowest interleaving, forced: the import's check finds no account, then its insert
      // meets one that a sign-up on another connection committed meanwhile.
      const email = uniqueEmail('held');
      const other = new pg.Client({ connectionString: t.database.url! });
      await other.connect();
      try {
        await other.query('BEGIN');
        const [signedUp] = (
          await other.query<{ id: string }>(
            `INSERT INTO users (id, username, email, password_hash, updated_at) VALUES (gen_random_uuid(), 'Signed up', $1, 'argon2id', now()) RETURNING id::text AS id`,
            [email],
          )
        ).rows;
        const importing = userImport().run([line(1, { email, passwordHash: bcryptHashFor(0) })], { dryRun: false, operatorKeyId: null });
        // The import's insert waits on the unique index for the other transaction.
        await expect
          .poll(async () => (await other.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`)).rows[0].n, {
            timeout: 30_000,
          })
          .toBe(1);
        await other.query('COMMIT');
        expect((await importing).results[0]).toMatchObject({ status: 'SKIPPED', code: 'EXISTS', id: signedUp!.id });
        expect(await t.app.services.prisma.user.findMany({ where: { email } })).toEqual([expect.objectContaining({ id: signedUp!.id, passwordHash: 'argon2id' })]);
      } finally {
        await other.end();
      }
    }
  });
});

const racingHashes: string[] = [];
/** A valid bcrypt hash (cost 4), made once per slot. */
function bcryptHashFor(i: number): string {
  racingHashes[i] ??= bcrypt.hashSync(`racing-${i}`, 4);
  return racingHashes[i]!;
}
