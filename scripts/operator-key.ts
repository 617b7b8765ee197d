// `npm run operator-key -- create|list|rotate|revoke`: the only way operator API keys are made,
// listed, rotated and revoked (never through the API: a stolen key cannot mint another). Same
// environment as `npm start`: with embedded PGlite (DATA_DIR) run it while the server is stopped, since
// one process owns the data directory; with DATABASE_URL beside running servers. A key is printed
// once, at create or rotate; only its SHA-256 is kept. Every command that reaches the database writes
// one `[audit]` JSON line to standard error, naming the key id and name, never the secret or its hash.
// Exit codes: 0 done, 1 unknown key id or failure, 2 usage error.
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../src/config.ts';
import { configuredDatabase, type Database, openDatabase } from '../src/db/open-database.ts';
import { createPinoLogger } from '../src/observability/pino-logger.ts';
import {
  checkKeyName,
  createOperatorKeys,
  DEFAULT_ROTATION_GRACE_HOURS,
  isOperatorScope,
  MAX_EXPIRES_IN_DAYS,
  MAX_GRACE_HOURS,
  OPERATOR_KEY_ID_LENGTH,
  OperatorKeyInputError,
  type OperatorKeys,
  type OperatorKeyView,
  type OperatorScope,
} from '../src/services/operators/operator-keys.ts';

const USAGE = `usage:
  npm run operator-key -- create --name <name> --scope read|write [--expires-in-days <n>]
  npm run operator-key -- list
  npm run operator-key -- rotate <keyId> [--grace-hours <n>]   (the old key works for n more hours [${DEFAULT_ROTATION_GRACE_HOURS}])
  npm run operator-key -- revoke <keyId>`;

type Command =
  | { action: 'create'; name: string; scope: OperatorScope; expiresInDays: number | undefined }
  | { action: 'list' }
  | { action: 'rotate'; keyId: string; graceHours: number }
  | { action: 'revoke'; keyId: string };

class UsageError extends Error {}

/** What the command line asks for, checked before the database is opened; throws UsageError. */
function parseCommand(argv: string[]): Command {
  const [subcommand, ...rest] = argv;
  const parse = <O extends Record<string, { type: 'string' }>>(options: O, positionals: number) => {
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    if (parsed.positionals.length !== positionals) {
      throw new UsageError(positionals === 0 ? `${subcommand}: unexpected argument ${parsed.positionals[0]}` : `${subcommand}: expects one key id`);
    }
    return { values: parsed.values as Partial<Record<keyof O, string>>, positionals: parsed.positionals };
  };
  const wholeNumber = (flag: string, raw: string, min: number, max: number) => {
    const value = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
    if (!(value >= min && value <= max)) throw new UsageError(`${flag}: must be a whole number from ${min} to ${max}`);
    return value;
  };
  switch (subcommand) {
    case 'create': {
      const { values } = parse({ name: { type: 'string' }, scope: { type: 'string' }, 'expires-in-days': { type: 'string' } }, 0);
      if (values.name === undefined) throw new UsageError('create: --name is required');
      if (values.scope === undefined || !isOperatorScope(values.scope)) throw new UsageError('create: --scope must be read or write');
      let name: string;
      try {
        name = checkKeyName(values.name);
      } catch (error) {
        throw error instanceof OperatorKeyInputError ? new UsageError(`--${error.message}`) : error;
      }
      const days = values['expires-in-days'];
      return { action: 'create', name, scope: values.scope, expiresInDays: days === undefined ? undefined : wholeNumber('--expires-in-days', days, 1, MAX_EXPIRES_IN_DAYS) };
    }
    case 'list':
      parse({}, 0);
      return { action: 'list' };
    case 'rotate': {
      const { values, positionals } = parse({ 'grace-hours': { type: 'string' } }, 1);
      const grace = values['grace-hours'];
      return { action: 'rotate', keyId: keyIdArgument(positionals[0]!), graceHours: grace === undefined ? DEFAULT_ROTATION_GRACE_HOURS : wholeNumber('--grace-hours', grace, 0, MAX_GRACE_HOURS) };
    }
    case 'revoke':
      return { action: 'revoke', keyId: keyIdArgument(parse({}, 1).positionals[0]!) };
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      process.exit(0);
    case undefined:
      throw new UsageError('a subcommand is required');
    default:
      throw new UsageError(`unknown subcommand ${subcommand}`);
  }
}

/** The key id as list shows it. Not echoed when it is not one: it may be a whole key pasted by mistake. */
function keyIdArgument(raw: string): string {
  if (!/^[a-z0-9]{10}$/.test(raw)) throw new UsageError(`the key id is the ${OPERATOR_KEY_ID_LENGTH} characters [a-z0-9] after opk_, as list shows it`);
  return raw;
}

/** What the audit line and the exit code say. */
interface Outcome {
  outcome: 'OK' | 'NOT_FOUND';
  key: OperatorKeyView | null;
  keyId: string | null;
  details?: Record<string, unknown>;
}

const iso = (date: Date | null) => (date ? date.toISOString() : '-');

function printToken(token: string): void {
  console.log(token);
  console.log('Copy it now: it will not be shown again (only its SHA-256 hash is stored).');
}

async function run(command: Command, keys: OperatorKeys): Promise<Outcome> {
  switch (command.action) {
    case 'create': {
      const { token, key } = await keys.create({ name: command.name, scope: command.scope, expiresInDays: command.expiresInDays });
      console.log(`Created operator key ${key.keyId} (name "${key.name}", scope ${key.scope}, expires ${key.expiresAt ? key.expiresAt.toISOString() : 'never'}):`);
      printToken(token);
      return { outcome: 'OK', key, keyId: key.keyId, details: { expiresAt: key.expiresAt } };
    }
    case 'list': {
      const list = await keys.list();
      if (list.length === 0) console.log('No operator keys: create one with npm run operator-key -- create');
      else printTable(list);
      return { outcome: 'OK', key: null, keyId: null, details: { keyCount: list.length } };
    }
    case 'rotate': {
      const rotated = await keys.rotate(command.keyId, command.graceHours);
      if (!rotated) {
        console.error(`No live operator key with id ${command.keyId} (unknown or revoked): see npm run operator-key -- list`);
        return { outcome: 'NOT_FOUND', key: null, keyId: command.keyId };
      }
      const { token, key, old } = rotated;
      console.log(`Created operator key ${key.keyId} (name "${key.name}", scope ${key.scope}, expires ${key.expiresAt ? key.expiresAt.toISOString() : 'never'}) to replace ${old.keyId}:`);
      printToken(token);
      console.log(`The old key ${old.keyId} works until ${iso(old.expiresAt)}; revoke it sooner with npm run operator-key -- revoke ${old.keyId}`);
      return { outcome: 'OK', key: old, keyId: old.keyId, details: { newOperatorKey: key.keyId, graceHours: command.graceHours, oldExpiresAt: old.expiresAt } };
    }
    case 'revoke': {
      const key = await keys.revoke(command.keyId);
      if (!key) {
        console.error(`No operator key with id ${command.keyId}: see npm run operator-key -- list`);
        return { outcome: 'NOT_FOUND', key: null, keyId: command.keyId };
      }
      console.log(`Operator key ${key.keyId} ("${key.name}") revoked at ${iso(key.revokedAt)}: refused from the next request on.`);
      return { outcome: 'OK', key, keyId: key.keyId, details: { revokedAt: key.revokedAt } };
    }
  }
}

function printTable(list: OperatorKeyView[]): void {
  const header = ['KEY ID', 'NAME', 'SCOPE', 'CREATED', 'EXPIRES', 'LAST USED', 'REVOKED'];
  const rows = list.map((k) => [k.keyId, k.name, k.scope, iso(k.createdAt), iso(k.expiresAt), iso(k.lastUsedAt), iso(k.revokedAt)]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => [...row[i]!].length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell + ' '.repeat(widths[i]! - [...cell].length)).join('  ').trimEnd();
  console.log([header, ...rows].map(line).join('\n'));
}

/** An error's text with anything shaped like a key or a hash blanked: a database error may quote the row. */
function scrub(text: string): string {
  return text.replace(/opk_[A-Za-z0-9_-]+/g, 'opk_[redacted]').replace(/[0-9a-fA-F]{64}/g, '[redacted]');
}

let command: Command;
try {
  command = parseCommand(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`operator-key: ${scrub(error.message)}\n${USAGE}\n`);
  process.exit(2);
}

const config = loadConfigOrExit();
// Always JSON on standard error, whatever LOG_FORMAT and LOG_LEVEL say: the audit line is the record.
const audit = createPinoLogger({ level: 'info', format: 'json', destination: process.stderr });
let db: Database | undefined;
let result: Outcome | undefined;
let exitCode = 0;
try {
  db = await openDatabase(configuredDatabase(config));
  result = await run(command, createOperatorKeys({ prisma: db.prisma }));
  if (result.outcome !== 'OK') exitCode = 1;
} catch (error) {
  process.stderr.write(`operator-key ${command.action} failed: ${scrub(error instanceof Error ? error.message : String(error))}\n`);
  exitCode = 1;
} finally {
  const named = 'keyId' in command ? command.keyId : null;
  audit.info(`[audit] operator-key ${command.action}`, {
    audit: {
      action: `operator-key ${command.action}`,
      operatorKey: result?.keyId ?? named,
      operatorKeyName: result?.key?.name ?? (command.action === 'create' ? command.name : null),
      scope: result?.key?.scope ?? (command.action === 'create' ? command.scope : null),
      outcome: result?.outcome ?? 'INTERNAL_SERVER_ERROR',
      ...result?.details,
    },
  });
  await db?.close();
  // Set after closing: PGlite's close resets process.exitCode to 0.
  process.exitCode = exitCode;
}
