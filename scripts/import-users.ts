// `npm run import-users -- <file.jsonl | -> [--dry-run] [--report <file>]`: brings users from another
// system into the database `npm start` uses (same environment). With embedded PGlite (DATA_DIR) run
// it while the server is stopped, since one process owns the data directory; with DATABASE_URL beside
// running servers. The rules are the operator API's importUsers' (src/services/operators/user-import.ts).
//
// The file is JSON Lines, one user per line, at most 16 KiB a line. It is read twice, a line at a
// time (never whole: files of 100,000 lines are expected): first to find every email and id that is
// on several lines, then to check and write the lines in transactions of 500. `-` reads standard
// input, spooled first to a temporary file (mode 0600, deleted at the end) so it can be read twice.
//
// The report (`<file>.report.jsonl`, or --report, which `-` needs) gets one JSON line per non-blank
// input line; it must not exist yet, and is made with mode 0600. Standard output ends with
//   Read 1000 lines: 950 created, 30 skipped (already exist), 20 rejected (see users.jsonl.report.jsonl).
// and with --dry-run, which checks everything (the database too) and writes nothing, with
//   Dry run: nothing was written.
//   Read 1000 lines: 950 valid, 30 skipped (already exist), 20 rejected (see users.jsonl.report.jsonl).
// "lines" there are the non-blank ones (blank lines count in line numbers only). Standard error gets
// one `[audit]` JSON line (counts, dryRun and outcome, nothing from the file). Neither holds a hash.
// Exit codes: 0 nothing rejected, 2 some line rejected, 1 the run failed (usage, unreadable file,
// a report that exists, database down).
import { createReadStream, createWriteStream } from 'node:fs';
import { type FileHandle, mkdtemp, open, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../src/config.ts';
import { configuredDatabase, type Database, openDatabase } from '../src/db/open-database.ts';
import { createPinoLogger } from '../src/observability/pino-logger.ts';
import { createSecurityEvents } from '../src/services/security/security-events.ts';
import {
  createImportKeys,
  createUserImport,
  IMPORT_BATCH_SIZE,
  IMPORT_LINE_MAX_BYTES,
  type ImportLine,
  type ImportLineResult,
} from '../src/services/operators/user-import.ts';

const USAGE = 'usage: npm run import-users -- <file.jsonl | -> [--dry-run] [--report <file>]';

class RunError extends Error {}

interface Options {
  input: string;
  dryRun: boolean;
  report: string;
}

function parseOptions(argv: string[]): Options {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { 'dry-run': { type: 'boolean' }, report: { type: 'string' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new RunError(error instanceof Error ? error.message : String(error));
  }
  const [input, ...extra] = parsed.positionals;
  if (input === undefined) throw new RunError('a file (or - for standard input) is required');
  if (extra.length > 0) throw new RunError(`unexpected argument ${extra[0]}`);
  const report = parsed.values.report ?? (input === '-' ? undefined : `${input}.report.jsonl`);
  if (report === undefined) throw new RunError('--report <file> is required when reading standard input');
  return { input, dryRun: parsed.values['dry-run'] === true, report };
}

/** A line of the file: blank, or what the import reads (JSON, or why it is not). */
type FileLine = { index: number; blank: true } | (ImportLine & { blank?: false });

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The file's lines, numbered from 1, read in chunks: a line is kept only up to the limit, so one
 * enormous line (a whole JSON array, say) costs no more memory than a short one.
 */
async function* readLines(path: string): AsyncGenerator<FileLine> {
  let index = 0;
  let parts: Buffer[] = [];
  let length = 0;
  let tooLong = false;
  const take = (part: Buffer) => {
    if (tooLong || part.length === 0) return;
    // One byte over the limit for a CR before the LF.
    if (length + part.length > IMPORT_LINE_MAX_BYTES + 1) {
      tooLong = true;
      parts = [];
      return;
    }
    parts.push(part);
    length += part.length;
  };
  const finish = (): FileLine => {
    index += 1;
    let bytes = Buffer.concat(parts, length);
    const overLimit = tooLong;
    parts = [];
    length = 0;
    tooLong = false;
    if (bytes.at(-1) === 0x0d) bytes = bytes.subarray(0, -1);
    if (overLimit || bytes.length > IMPORT_LINE_MAX_BYTES) return { index, malformed: `longer than ${IMPORT_LINE_MAX_BYTES / 1024} KiB` };
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      return { index, malformed: 'not valid UTF-8' };
    }
    // A byte order mark some editors put at the start of a file is not part of the JSON.
    if (index === 1 && text.startsWith('\uFEFF')) text = text.slice(1);
    if (text.trim() === '') return { index, blank: true };
    try {
      return { index, value: JSON.parse(text) as unknown };
    } catch {
      return { index, malformed: 'not valid JSON' };
    }
  };
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let end = chunk.indexOf(0x0a, start); end !== -1; end = chunk.indexOf(0x0a, start)) {
      take(chunk.subarray(start, end));
      yield finish();
      start = end + 1;
    }
    take(chunk.subarray(start));
  }
  if (length > 0 || tooLong) yield finish();
}

/** The report's line for one result: `line` for `index`, and only the fields that say something. */
function reportLine(result: ImportLineResult): string {
  const { index, email, status, code, field, message, id } = result;
  const row: Record<string, string | number> = { line: index };
  if (email !== null) row.email = email;
  row.status = status;
  if (code !== null) row.code = code;
  if (field !== null) row.field = field;
  if (message !== null) row.message = message;
  if (id !== null) row.id = id;
  return `${JSON.stringify(row)}\n`;
}

/** Standard input into a private temporary file, which can be read twice. */
async function spoolStandardInput(): Promise<{ path: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'import-users-'));
  const path = join(dir, 'input.jsonl');
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    await pipeline(process.stdin, createWriteStream(path, { mode: 0o600, flags: 'wx' }));
  } catch (error) {
    await remove();
    throw error;
  }
  return { path, remove };
}

/** An error's text with anything shaped like a hash blanked: a database error may quote a row. */
function scrub(text: string): string {
  return text.replace(/\S*\$\S*/g, '[redacted]').replace(/[0-9a-fA-F]{32,}/g, '[redacted]');
}

let options: Options;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof RunError)) throw error;
  process.stderr.write(`import-users: ${error.message}\n${USAGE}\n`);
  process.exit(1);
}

const config = loadConfigOrExit();
// Always JSON on standard error, whatever LOG_FORMAT and LOG_LEVEL say: the audit line is the record.
const audit = createPinoLogger({ level: 'info', format: 'json', destination: process.stderr });
const totals = { lines: 0, created: 0, valid: 0, skipped: 0, rejected: 0 };
let spooled: { path: string; remove: () => Promise<void> } | undefined;
let report: FileHandle | undefined;
let reportRows = 0;
let db: Database | undefined;
let started = false;
let failed = false;
// Set on process.exitCode only after the database is closed: closing PGlite resets it to 0.
let exitCode = 0;
try {
  // Everything that can be refused without the database comes first: a refused run touches nothing.
  if (options.input === '-') spooled = await spoolStandardInput();
  const input = spooled?.path ?? options.input;
  try {
    if (!(await stat(input)).isFile()) throw new RunError(`${options.input} is not a regular file (use - for standard input)`);
    await (await open(input, 'r')).close();
  } catch (error) {
    if (error instanceof RunError) throw error;
    throw new RunError(`cannot read ${options.input}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    report = await open(options.report, 'wx', 0o600);
  } catch (error) {
    const exists = (error as NodeJS.ErrnoException).code === 'EEXIST';
    throw new RunError(exists ? `the report ${options.report} already exists: move it away or name another with --report` : `cannot create the report ${options.report}: ${(error as Error).message}`);
  }
  // The mode asked for at creation is narrowed by the umask only; this makes it exact.
  await report.chmod(0o600);

  // First pass: where every email and id is, across the whole file.
  const keys = createImportKeys();
  for await (const line of readLines(input)) if (!line.blank) keys.add(line);

  db = await openDatabase(configuredDatabase(config));
  const events = createSecurityEvents({ prisma: db.prisma, retentionDays: config.securityEvents.retentionDays });
  const userImport = createUserImport({ prisma: db.prisma, events });
  started = true;
  const flush = async (batch: ImportLine[]) => {
    const result = await userImport.run(batch, { dryRun: options.dryRun, operatorKeyId: null, keys });
    await report!.write(result.results.map(reportLine).join(''));
    reportRows += result.results.length;
    totals.lines += result.results.length;
    totals.created += result.created;
    totals.valid += result.valid;
    totals.skipped += result.skipped;
    totals.rejected += result.rejected;
  };
  // Second pass: check and write, a transaction per batch.
  let batch: ImportLine[] = [];
  for await (const line of readLines(input)) {
    if (line.blank) continue;
    batch.push(line);
    if (batch.length === IMPORT_BATCH_SIZE) {
      await flush(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await flush(batch);
  await report.close();
  report = undefined;

  if (options.dryRun) console.log('Dry run: nothing was written.');
  const done = options.dryRun ? `${totals.valid} valid` : `${totals.created} created`;
  console.log(`Read ${totals.lines} lines: ${done}, ${totals.skipped} skipped (already exist), ${totals.rejected} rejected (see ${options.report}).`);
  exitCode = totals.rejected > 0 ? 2 : 0;
} catch (error) {
  failed = true;
  exitCode = 1;
  if (error instanceof RunError) process.stderr.write(`import-users: ${error.message}\n`);
  else process.stderr.write(`import-users failed: ${scrub(error instanceof Error ? error.message : String(error))}\n`);
  if (report) {
    await report.close().catch(() => {});
    // An empty report would only refuse the retry; a partial one records what was written.
    if (reportRows === 0) await unlink(options.report).catch(() => {});
    else process.stderr.write(`import-users: ${options.report} lists the ${reportRows} lines done before the failure (${totals.created} created).\n`);
  }
} finally {
  if (started) {
    audit.info('[audit] import-users', {
      audit: { action: 'import-users', dryRun: options.dryRun, outcome: failed ? 'INTERNAL_SERVER_ERROR' : 'OK', ...totals },
    });
  }
  await db?.close();
  await spooled?.remove();
  process.exitCode = exitCode;
}
