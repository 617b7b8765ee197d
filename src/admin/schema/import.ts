// importUsers: the import command's validator and writer over GraphQL, 500 users a call.
import { badInput } from '../../services/errors.ts';
import type { ImportLineResult, ImportReport, ImportStatus } from '../../services/operators/user-import.ts';
import { adminBuilder } from './builder.ts';

export const MAX_IMPORT_PER_CALL = 500;

const ImportStatusEnum = adminBuilder.enumType('ImportStatus', {
  description: 'What happened to one line.',
  values: {
    CREATED: { description: 'The account was created.' },
    VALID: { description: 'Dry run: the line would create an account.' },
    SKIPPED: { description: 'An account has the email (code EXISTS); nothing changed.' },
    REJECTED: { description: 'The line is wrong (see code, field, message); nothing written for it.' },
  } as const,
});

const ImportLineResultType = adminBuilder.objectRef<ImportLineResult>('ImportLineResult').implement({
  description: 'The outcome of one entry of `users`. Never a hash.',
  fields: (t) => ({
    index: t.exposeInt('index', { description: '1-based position in `users`.' }),
    email: t.exposeString('email', { nullable: true, description: 'Normalised, when it was readable.' }),
    status: t.field({ type: ImportStatusEnum, description: 'What happened.', resolve: (r) => r.status satisfies ImportStatus }),
    code: t.exposeString('code', { nullable: true, description: 'For SKIPPED and REJECTED: EXISTS, UNKNOWN_HASH_FORMAT, DUPLICATE_EMAIL, …' }),
    field: t.exposeString('field', { nullable: true, description: 'The field at fault.' }),
    message: t.exposeString('message', { nullable: true, description: 'Why, in words.' }),
    id: t.exposeID('id', { nullable: true, description: 'The new account (CREATED) or the existing one (SKIPPED).' }),
  }),
});

const ImportReportType = adminBuilder.objectRef<ImportReport>('ImportReport').implement({
  description: 'One line per entry, and the totals.',
  fields: (t) => ({
    dryRun: t.exposeBoolean('dryRun', { description: 'Nothing was written.' }),
    created: t.exposeInt('created', { description: 'Accounts created.' }),
    valid: t.exposeInt('valid', { description: 'Dry run: lines that would create an account.' }),
    skipped: t.exposeInt('skipped', { description: 'Emails that already had an account.' }),
    rejected: t.exposeInt('rejected', { description: 'Lines refused.' }),
    results: t.field({ type: [ImportLineResultType], description: 'In the order of `users`.', resolve: (r) => r.results }),
  }),
});

const ImportUserInput = adminBuilder.inputType('ImportUserInput', {
  description: 'One account to import: the fields of a line of the import file.',
  fields: (t) => ({
    id: t.id({ description: "Keep the old system's id (a UUID); default a new one." }),
    email: t.string({ required: true, description: "With signUp's rules." }),
    username: t.string({ description: "Default the email's part before @, cut to 64." }),
    passwordHash: t.string({ description: 'bcrypt, argon2, Firebase scrypt or Django PBKDF2; absent: no password.' }),
    emailVerified: t.boolean({ defaultValue: false, description: 'No verification mail is sent at import.' }),
    createdAt: t.field({ type: 'DateTime', description: 'Not in the future; default now.' }),
  }),
});

const ImportUsersInput = adminBuilder.inputType('ImportUsersInput', {
  description: 'At most 500 users a call.',
  fields: (t) => ({
    users: t.field({ type: [ImportUserInput], required: true, description: 'The accounts, in order.' }),
    dryRun: t.boolean({ defaultValue: false, description: 'Check everything, write nothing.' }),
  }),
});

adminBuilder.mutationField('importUsers', (t) =>
  t.field({
    type: ImportReportType,
    description: 'Imports accounts: idempotent by email, existing accounts never touched. One ACCOUNT_IMPORTED event per account created.',
    args: { input: t.arg({ type: ImportUsersInput, required: true }) },
    resolve: async (_root, { input }, { services, key, operator, audit }) => {
      const dryRun = input.dryRun ?? false;
      // Plain values, as a line of the file would hold them: the one validator reads both.
      const lines = input.users.map((user, i) => ({
        index: i + 1,
        value: Object.fromEntries(
          Object.entries(user)
            .filter(([, v]) => v !== undefined)
            .map(([name, v]) => [name, v instanceof Date ? v.toISOString() : v]),
        ),
      }));
      return audit.record('importUsers', key, { dryRun }, async () => {
        if (lines.length > MAX_IMPORT_PER_CALL) throw badInput('users', `at most ${MAX_IMPORT_PER_CALL} per call`);
        return services.userImport.run(lines, { dryRun, ...operator });
      }, (report) => ({
        counts: { created: report.created, valid: report.valid, skipped: report.skipped, rejected: report.rejected },
      }));
    },
  }),
);
