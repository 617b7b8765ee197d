// Importing users from another system (contract: "Importing users"): the one validator and writer
// behind `npm run import-users` and the operator API's importUsers, so a line means the same in both.
// Existing accounts are never changed: an account that signed up meanwhile must not get the old
// system's password hash. Writes are `INSERT … ON CONFLICT DO NOTHING` in transactions of 500, so a
// signUp racing the import leaves one account, reported EXISTS.
import { randomUUID } from 'node:crypto';
import { Prisma, type PrismaClient } from '../../generated/prisma/client.ts';
import { AppError, ERROR_CODES } from '../errors.ts';
import { defaultUsername, isUuid, normalizeEmail, normalizeUsername } from '../input.ts';
import { checkImportedHash } from '../passwords/legacy-hashes.ts';
import type { SecurityEvents } from '../security/security-events.ts';

export type ImportStatus = 'CREATED' | 'VALID' | 'SKIPPED' | 'REJECTED';

export interface ImportLineResult {
  index: number;
  email: string | null;
  status: ImportStatus;
  code: string | null;
  field: string | null;
  message: string | null;
  id: string | null;
}

export interface ImportReport {
  dryRun: boolean;
  created: number;
  valid: number;
  skipped: number;
  rejected: number;
  results: ImportLineResult[];
}

/**
 * One input line: a parsed JSON value (the command) or a typed mutation input converted to plain
 * values (absent and null mean the default); `malformed` for a line the
 * command could not read (not JSON, over 16 KiB), with the reason.
 */
export type ImportLine = { index: number; value: unknown } | { index: number; malformed: string };

/**
 * Where each normalised email and id occurs in the whole input, for DUPLICATE_EMAIL and DUPLICATE_ID.
 * The command fills it in a first pass over the file and hands it to every batch; `run` builds it
 * from its own lines when given none (the mutation: one call is the whole input).
 */
export interface ImportKeys {
  add(line: ImportLine): void;
  /** The other lines that carry this normalised email or id, in order. */
  otherLines(kind: 'email' | 'id', key: string, index: number): number[];
}

export interface ImportOptions {
  dryRun: boolean;
  /** The operator key that runs the import (its security events name it); null for the command. */
  operatorKeyId: string | null;
  /** The whole input's keys when `lines` is only part of it (the command's batches). */
  keys?: ImportKeys;
}

export interface UserImport {
  /** Checks every line, the database ones included, and writes the good ones unless `dryRun`; results in input order. */
  run(lines: ImportLine[], options: ImportOptions): Promise<ImportReport>;
}

/** Lines per transaction (and the most the mutation takes per call). */
export const IMPORT_BATCH_SIZE = 500;
/** The longest line the command reads, in bytes without its line break. */
export const IMPORT_LINE_MAX_BYTES = 16 * 1024;

const FIELDS = new Set(['email', 'username', 'passwordHash', 'emailVerified', 'createdAt', 'id']);
const DUPLICATES_NAMED = 10;

type Rejection = { code: string; field: string | null; message: string };
type Read<T> = { ok: true; value: T } | ({ ok: false } & Rejection);

/** A line that passed every check that needs no database. */
interface Candidate {
  index: number;
  email: string;
  username: string;
  passwordHash: string | null;
  emailVerified: boolean;
  createdAt: Date;
  /** As given, lower-cased; null when the line had none (a new one is made at the insert). */
  id: string | null;
}

type Checked = { ok: true; candidate: Candidate } | { ok: false; result: ImportLineResult };

export function createImportKeys(): ImportKeys {
  const lines = { email: new Map<string, number[]>(), id: new Map<string, number[]>() };
  const note = (kind: 'email' | 'id', key: string, index: number) => {
    const known = lines[kind].get(key);
    if (known) known.push(index);
    else lines[kind].set(key, [index]);
  };
  return {
    add(line) {
      const record = recordOf(line);
      if (!record.ok) return;
      // Every line whose email (or id) is readable counts, whatever else is wrong with it: which of
      // two lines for one address is right is not ours to guess.
      const email = readEmail(record.value.email);
      if (email.ok) note('email', email.value, line.index);
      const id = readId(record.value.id);
      if (id.ok && id.value !== null) note('id', id.value, line.index);
    },
    otherLines: (kind, key, index) => (lines[kind].get(key) ?? []).filter((other) => other !== index),
  };
}

export function createUserImport(deps: { prisma: PrismaClient; events: SecurityEvents }): UserImport {
  const { prisma, events } = deps;

  /** The accounts that hold any of these emails or ids. */
  async function accountsFor(candidates: Candidate[], db: Prisma.TransactionClient | PrismaClient = prisma) {
    const emails = candidates.map((c) => c.email);
    const ids = candidates.flatMap((c) => (c.id === null ? [] : [c.id]));
    const rows = await db.user.findMany({ where: { OR: [{ email: { in: emails } }, { id: { in: ids } }] }, select: { id: true, email: true } });
    return { byEmail: new Map(rows.map((row) => [row.email, row.id])), byId: new Map(rows.map((row) => [row.id.toLowerCase(), row.email])) };
  }

  /** ID_TAKEN or EXISTS against the accounts found, or null when the line may be written. */
  function conflict(candidate: Candidate, accounts: Awaited<ReturnType<typeof accountsFor>>): ImportLineResult | null {
    const { index, email, id } = candidate;
    const idOwner = id === null ? undefined : accounts.byId.get(id);
    if (idOwner !== undefined && idOwner !== email) {
      return rejected(index, email, { code: 'ID_TAKEN', field: 'id', message: 'id: belongs to an account with another email' });
    }
    const existing = accounts.byEmail.get(email);
    if (existing !== undefined) {
      return { index, email, status: 'SKIPPED', code: 'EXISTS', field: 'email', message: ERROR_CODES.EMAIL_TAKEN, id: existing };
    }
    return null;
  }

  /** One transaction: the inserts that win, their events, and what the ones that lost a race met. */
  async function write(candidates: Candidate[], operatorKeyId: string | null, now: Date): Promise<ImportLineResult[]> {
    const rows = candidates.map((c) => ({ ...c, id: c.id ?? randomUUID() }));
    return prisma.$transaction(
      async (tx) => {
        const inserted = await tx.$queryRaw<{ id: string; email: string }[]>(Prisma.sql`
          INSERT INTO users (id, username, email, password_hash, email_verified, created_at, updated_at)
          VALUES ${Prisma.join(
            rows.map(
              (row) => Prisma.sql`(${row.id}::uuid, ${row.username}::varchar, ${row.email}::varchar, ${row.passwordHash}::text,
                                   ${row.emailVerified}::boolean, ${row.createdAt.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz)`,
            ),
          )}
          ON CONFLICT DO NOTHING
          RETURNING id::text AS id, email`);
        const created = new Map(inserted.map((row) => [row.email, row.id]));
        await events.recordMany([...created.values()], 'ACCOUNT_IMPORTED', { operatorKeyId }, tx);
        // A row that did not go in met an account written since the check (a racing signUp, or
        // another import): read now, in this transaction, it is committed and visible.
        const lost = candidates.filter((c) => !created.has(c.email));
        const accounts = lost.length > 0 ? await accountsFor(lost, tx) : undefined;
        return candidates.map((candidate): ImportLineResult => {
          const id = created.get(candidate.email);
          if (id !== undefined) return { index: candidate.index, email: candidate.email, status: 'CREATED', code: null, field: null, message: null, id };
          // No account found: the one it met was deleted again before this read. Nothing was written.
          return (
            conflict(candidate, accounts!) ?? {
              index: candidate.index, email: candidate.email, status: 'SKIPPED', code: 'EXISTS', field: 'email', message: ERROR_CODES.EMAIL_TAKEN, id: null,
            }
          );
        });
      },
      // Up to 500 rows and their events; the default 5 s is short for a busy database.
      { timeout: 120_000, maxWait: 10_000 },
    );
  }

  async function runBatch(lines: ImportLine[], options: ImportOptions & { keys: ImportKeys }, now: Date): Promise<ImportLineResult[]> {
    const results = new Map<number, ImportLineResult>();
    const candidates: Candidate[] = [];
    for (const line of lines) {
      const checked = checkLine(line, options.keys, now);
      if (checked.ok) candidates.push(checked.candidate);
      else results.set(line.index, checked.result);
    }
    if (candidates.length > 0) {
      // Checked before writing, so a dry run answers what a real run would (bar races).
      const accounts = await accountsFor(candidates);
      const writable: Candidate[] = [];
      for (const candidate of candidates) {
        const found = conflict(candidate, accounts);
        if (found) results.set(candidate.index, found);
        else if (options.dryRun) {
          results.set(candidate.index, { index: candidate.index, email: candidate.email, status: 'VALID', code: null, field: null, message: null, id: candidate.id });
        } else writable.push(candidate);
      }
      if (writable.length > 0) for (const result of await write(writable, options.operatorKeyId, now)) results.set(result.index, result);
    }
    return lines.map((line) => results.get(line.index)!);
  }

  return {
    async run(lines, options) {
      let keys = options.keys;
      if (!keys) {
        keys = createImportKeys();
        for (const line of lines) keys.add(line);
      }
      const now = new Date();
      const results: ImportLineResult[] = [];
      for (let start = 0; start < lines.length; start += IMPORT_BATCH_SIZE) {
        results.push(...(await runBatch(lines.slice(start, start + IMPORT_BATCH_SIZE), { ...options, keys }, now)));
      }
      const count = (status: ImportStatus) => results.filter((result) => result.status === status).length;
      return { dryRun: options.dryRun, created: count('CREATED'), valid: count('VALID'), skipped: count('SKIPPED'), rejected: count('REJECTED'), results };
    },
  };
}


/**
 * Every check that needs no database, one code per line. The order: the line's shape, unknown
 * fields, each field's type, then the keys (email, id) with their duplicates, so every line
 * sharing an email says so whenever its own email is fine, then the other fields.
 */
function checkLine(line: ImportLine, keys: ImportKeys, now: Date): Checked {
  const { index } = line;
  const record = recordOf(line);
  if (!record.ok) return { ok: false, result: rejected(index, null, record) };
  const value = record.value;
  const email = readEmail(value.email);
  const readable = email.ok ? email.value : null;
  const reject = (rejection: Rejection): Checked => ({ ok: false, result: rejected(index, readable, rejection) });

  const unknown = Object.keys(value).find((key) => !FIELDS.has(key));
  if (unknown !== undefined) {
    return reject({ code: 'UNKNOWN_FIELD', field: unknown, message: `${unknown}: not an import field (${[...FIELDS].join(', ')}); remove it on purpose` });
  }
  const wrongType =
    typeMismatch(value, 'email', 'string') ??
    typeMismatch(value, 'username', 'string') ??
    typeMismatch(value, 'passwordHash', 'string') ??
    typeMismatch(value, 'emailVerified', 'boolean') ??
    typeMismatch(value, 'createdAt', 'string') ??
    typeMismatch(value, 'id', 'string');
  if (wrongType) return reject(wrongType);

  if (!email.ok) return reject(email);
  const sameEmail = keys.otherLines('email', email.value, index);
  if (sameEmail.length > 0) return reject({ code: 'DUPLICATE_EMAIL', field: 'email', message: `email: also on ${lineList(sameEmail)}` });

  const id = readId(value.id);
  if (!id.ok) return reject(id);
  if (id.value !== null) {
    const sameId = keys.otherLines('id', id.value, index);
    if (sameId.length > 0) return reject({ code: 'DUPLICATE_ID', field: 'id', message: `id: also on ${lineList(sameId)}` });
  }

  const username = readUsername(value.username, email.value);
  if (!username.ok) return reject(username);

  const createdAt = readCreatedAt(value.createdAt, now);
  if (!createdAt.ok) return reject(createdAt);

  let passwordHash: string | null = null;
  if (value.passwordHash != null) {
    passwordHash = value.passwordHash as string;
    const hash = checkImportedHash(passwordHash);
    // The checker's messages never hold the hash.
    if (!hash.ok) return reject({ code: hash.code, field: 'passwordHash', message: `passwordHash: ${hash.message}` });
  }

  return {
    ok: true,
    candidate: {
      index,
      email: email.value,
      username: username.value,
      passwordHash,
      emailVerified: value.emailVerified === true,
      createdAt: createdAt.value,
      id: id.value,
    },
  };
}

/** The line as an object, or MALFORMED_LINE. */
function recordOf(line: ImportLine): Read<Record<string, unknown>> {
  if ('malformed' in line) return { ok: false, code: 'MALFORMED_LINE', field: null, message: line.malformed };
  const { value } = line;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, code: 'MALFORMED_LINE', field: null, message: 'not a JSON object' };
  // JSON.parse makes plain objects, graphql-js input objects have no prototype; nothing else is data.
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return { ok: false, code: 'MALFORMED_LINE', field: null, message: 'not a JSON object' };
  return { ok: true, value: value as Record<string, unknown> };
}

function typeMismatch(value: Record<string, unknown>, field: string, type: 'string' | 'boolean'): Rejection | undefined {
  const given = value[field];
  if (given === undefined || given === null) return undefined;
  if (typeof given === type) return undefined;
  return { code: 'MALFORMED_LINE', field, message: `${field}: must be ${type === 'boolean' ? 'true or false' : 'a string'}` };
}

/** signUp's rules (normalizeEmail), its messages too. */
function readEmail(raw: unknown): Read<string> {
  if (raw === undefined || raw === null) return { ok: false, code: 'MISSING_EMAIL', field: 'email', message: 'email: is required' };
  if (typeof raw !== 'string') return { ok: false, code: 'MALFORMED_LINE', field: 'email', message: 'email: must be a string' };
  try {
    return { ok: true, value: normalizeEmail(raw) };
  } catch (error) {
    return { ok: false, code: raw.trim() === '' ? 'MISSING_EMAIL' : 'INVALID_EMAIL', field: 'email', message: ruleMessage(error) };
  }
}

/**
 * signUp's rules (normalizeUsername). The default is the email's part before `@`, cut to 64: the
 * email's rules (no spaces, no invisible or control characters, valid Unicode) are stricter than the
 * username's, so it always passes them; it goes through the same check all the same.
 */
function readUsername(raw: unknown, email: string): Read<string> {
  const given = typeof raw === 'string' ? raw : defaultUsername(email);
  try {
    return { ok: true, value: normalizeUsername(given) };
  } catch (error) {
    return { ok: false, code: 'INVALID_USERNAME', field: 'username', message: ruleMessage(error) };
  }
}

/** A UUID as the database makes them (isUuid), lower-cased so `A…` and `a…` are one id; null when absent. */
function readId(raw: unknown): Read<string | null> {
  if (raw === undefined || raw === null) return { ok: true, value: null };
  if (typeof raw !== 'string' || !isUuid(raw)) return { ok: false, code: 'INVALID_ID', field: 'id', message: 'id: must be a UUID' };
  return { ok: true, value: raw.toLowerCase() };
}

// RFC 3339's date-time (its note allows a space for the T). Fractions beyond milliseconds are cut,
// as the column keeps milliseconds.
const RFC_3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;

/** RFC 3339, a real calendar date, not after `now`; `now` when absent. */
function readCreatedAt(raw: unknown, now: Date): Read<Date> {
  if (raw === undefined || raw === null) return { ok: true, value: now };
  const invalid = (why: string): Read<Date> => ({ ok: false, code: 'INVALID_CREATED_AT', field: 'createdAt', message: `createdAt: ${why}` });
  const match = RFC_3339.exec(raw as string);
  if (!match) return invalid('must be an RFC 3339 date-time, like 2024-05-01T12:00:00Z');
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const [offsetHours, offsetMinutes] = [Number(match[9] ?? 0), Number(match[10] ?? 0)];
  // Date.parse would roll February 30th over into March.
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) {
    return invalid('must be an RFC 3339 date-time, like 2024-05-01T12:00:00Z');
  }
  const date = new Date(`${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}${(match[7] ?? '').slice(0, 4)}${match[8]!.toUpperCase()}`);
  if (Number.isNaN(date.getTime())) return invalid('must be an RFC 3339 date-time, like 2024-05-01T12:00:00Z');
  if (date.getTime() > now.getTime()) return invalid('must not be in the future');
  // No account predates the Unix epoch; PostgreSQL has no year 0 at all.
  if (date.getTime() < 0) return invalid('must not be before 1970');
  return { ok: true, value: date };
}

function ruleMessage(error: unknown): string {
  if (error instanceof AppError) return error.message;
  throw error;
}

function rejected(index: number, email: string | null, rejection: Rejection): ImportLineResult {
  return { index, email, status: 'REJECTED', code: rejection.code, field: rejection.field, message: rejection.message, id: null };
}

/** "line 7", "lines 7, 9", "lines 7, 9, …, 31 and 12 more" (ten named): a file with one address on 10,000 lines keeps a small report. */
function lineList(lines: number[]): string {
  if (lines.length === 1) return `line ${lines[0]}`;
  const shown = lines.slice(0, DUPLICATES_NAMED).join(', ');
  return lines.length > DUPLICATES_NAMED ? `lines ${shown} and ${lines.length - DUPLICATES_NAMED} more` : `lines ${shown}`;
}
