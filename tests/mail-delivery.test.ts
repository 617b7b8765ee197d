// "Delivery: no mail is lost": the outbox against a real SMTP server on loopback that the tests
// stop, bring back on the same port, and make answer 451 or 550; a server process killed with
// SIGKILL right after its answer; two instances on one database; what the table holds at rest.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { reencryptSecrets } from '../src/services/security/reencrypt-secrets.ts';
import { createSecretBox } from '../src/services/security/secret-box.ts';
import { signUpNewUser } from './support/accounts.ts';
import { CHANGE_EMAIL, CHANGE_PASSWORD, CONFIRM_EMAIL_CHANGE, GOOD_PASSWORD, RESET_PASSWORD, SEND_MAIL, SIGN_IN, SIGN_UP, uniqueEmail } from './support/operations.ts';
import { scrape, valueOf } from './support/prometheus.ts';
import { killLeftoverServers, startServer } from './support/server-process.ts';
import { codeIn, MAIL, resetCodeIn, type SmtpSink, type SmtpSinkOptions, startSmtpSink, unreachableSmtpUrl } from './support/smtp-sink.ts';
import {
  startAppWithMailbox,
  startSecondInstance,
  startTestApp,
  TEST_ENCRYPTION_KEY,
  TEST_SECRET,
  type TestApp,
  type TestAppWithMailbox,
} from './support/test-app.ts';
import { TestClient } from './support/test-client.ts';
import { createTestDatabase, usingPostgres } from './support/test-database.ts';

const NEW_PASSWORD = 'amber-lantern-orbit-77';
// Retries a fraction of a second apart: a mail server that comes back is seen at once.
const FAST_RETRIES = { MAIL_RETRY_BASE_SECONDS: '0.2' };

/** A mail server that is down now, and a way to bring it back on the same port. */
async function mailServerDown(): Promise<{ url: string; comeBack(options?: SmtpSinkOptions): Promise<SmtpSink> }> {
  const url = await unreachableSmtpUrl();
  const sinks: SmtpSink[] = [];
  onTestFinished(() => Promise.all(sinks.map((s) => s.close())).then(() => undefined));
  return {
    url,
    async comeBack(options = {}) {
      const sink = await startSmtpSink({ ...options, port: Number(new URL(url).port) });
      sinks.push(sink);
      return sink;
    },
  };
}

async function app(env: Record<string, string>): Promise<TestApp> {
  const t = await startTestApp({ env: { ...FAST_RETRIES, ...env } });
  onTestFinished(() => t.close());
  return t;
}

/** The app with a working mail server of its own (`sink`), both closed when the test ends. */
async function appWithMailbox(sinkOptions: SmtpSinkOptions = {}): Promise<TestAppWithMailbox> {
  const t = await startAppWithMailbox(FAST_RETRIES, sinkOptions);
  onTestFinished(() => t.close());
  return t;
}

/** Resolves once the outbox is empty: everything sent, given up or dropped. */
async function outboxEmpty(t: TestApp): Promise<void> {
  await expect.poll(async () => (await t.app.services.mailSender.backlog()).pending, { timeout: 30_000, interval: 50 }).toBe(0);
  await t.app.services.background.drain();
}

const linesMatching = (t: TestApp, pattern: RegExp) => t.logger.lines.filter((line) => pattern.test(line));
const OUTAGE_STARTED = /^warn \[mail\] the mail server cannot take mail for now/;
const OUTAGE_ENDED = /^warn \[mail\] the mail server takes mail again/;

describe('with the mail server down', () => {
  it('answers signUp, changePassword and sendMail as usual; once it is back every mail arrives once, and the reset code works', async () => {
    const down = await mailServerDown();
    const t = await app({ SMTP_URL: down.url });
    const { client, email } = await signUpNewUser(t);
    const changed = await client.graphql(CHANGE_PASSWORD, { input: { currentPassword: GOOD_PASSWORD, newPassword: NEW_PASSWORD } });
    expect(changed.errors).toBeUndefined();
    expect(changed.data?.changePassword.message).toBe('password changed!');
    const sent = await t.client().graphql(SEND_MAIL, { input: { email } });
    expect(sent.data?.sendMail.message).toBe('If an account exists for that email, a reset code has been sent.');

    // Every mail fails twice or more meanwhile, and the outage is one log line, not one per try.
    await expect.poll(async () => (await t.app.database.prisma.outboxMail.aggregate({ _min: { attempts: true } }))._min.attempts, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    expect(await t.app.services.mailSender.backlog()).toMatchObject({ pending: 3 });
    expect(linesMatching(t, OUTAGE_STARTED)).toHaveLength(1);
    // The API itself works: a load balancer keeps sending traffic.
    expect((await fetch(new URL('/ready', t.url))).status).toBe(200);

    const sink = await down.comeBack();
    const resetMail = await sink.waitForMail(email, 1, MAIL.resetCode);
    await sink.waitForMail(email, 1, MAIL.verificationCode);
    await sink.waitForMail(email, 1, MAIL.passwordChanged);
    await outboxEmpty(t);
    expect(sink.mailsTo(email)).toHaveLength(3);
    expect(linesMatching(t, OUTAGE_STARTED)).toHaveLength(1);
    expect(linesMatching(t, OUTAGE_ENDED)).toHaveLength(1);

    const reset = await t.client().graphql(RESET_PASSWORD, { input: { email, code: resetCodeIn(resetMail), newPassword: 'quiet-meadow-falcon-19' } });
    expect(reset.data?.resetPassword.message).toBe('password reset successful!');
    expect((await t.client().graphql(SIGN_IN, { input: { email, password: 'quiet-meadow-falcon-19' } })).data?.signIn.message).toBe('login successful!');
  });

  it('drops a reset mail whose code expired before it could go, and sends the rest', async () => {
    const down = await mailServerDown();
    const t = await app({ SMTP_URL: down.url, RESET_CODE_TTL_SECONDS: '1' });
    const { email } = await signUpNewUser(t);
    await t.client().graphql(SEND_MAIL, { input: { email } });
    // The request has become a mail with its code (the sender composes it even while the server is down).
    await expect.poll(() => t.app.database.prisma.outboxMail.count({ where: { codePurpose: 'password_reset' } })).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_200));

    const sink = await down.comeBack();
    await sink.waitForMail(email, 1, MAIL.verificationCode);
    await outboxEmpty(t);
    expect(sink.mailsTo(email, MAIL.resetCode)).toHaveLength(0);
    expect(t.logger.lines.join('\n')).toMatch(/^warn \[mail\] dropped: its code expired.*"kind":"password_reset"/m);
  });

  it('sends only the newest of two reset codes asked for while it was down, and that code works', async () => {
    const down = await mailServerDown();
    const t = await app({ SMTP_URL: down.url });
    const { email } = await signUpNewUser(t);
    for (let i = 0; i < 2; i += 1) await t.client().graphql(SEND_MAIL, { input: { email } });
    await expect.poll(() => t.app.database.prisma.outboxMail.count({ where: { codePurpose: 'password_reset' } })).toBe(1);
    await expect.poll(() => t.app.database.prisma.outboxMail.count()).toBe(2);

    const sink = await down.comeBack();
    await outboxEmpty(t);
    const [only, ...more] = sink.mailsTo(email, MAIL.resetCode);
    expect(more).toHaveLength(0);
    const reset = await t.client().graphql(RESET_PASSWORD, { input: { email, code: resetCodeIn(only!), newPassword: NEW_PASSWORD } });
    expect(reset.data?.resetPassword.message).toBe('password reset successful!');
  });

  it('holds no code, address or mail text in clear in the outbox table', async () => {
    const down = await mailServerDown();
    const t = await app({ SMTP_URL: down.url });
    const { email } = await signUpNewUser(t);
    await t.client().graphql(SEND_MAIL, { input: { email } });
    await expect.poll(() => t.app.database.prisma.outboxMail.count({ where: { codePurpose: 'password_reset' } })).toBe(1);
    const table = JSON.stringify(await t.app.database.prisma.$queryRawUnsafe('SELECT * FROM mail_outbox'));

    const sink = await down.comeBack();
    const codes = [codeIn(await sink.waitForMail(email, 1, MAIL.resetCode)), codeIn(await sink.waitForMail(email, 1, MAIL.verificationCode))];
    for (const secret of [...codes, email, email.split('@')[0]!, 'reset code', 'verify']) expect(table).not.toContain(secret);
    expect(table).toContain('password_reset');
  });
});

describe('an ENCRYPTION_KEY rotation', () => {
  it('re-seals queued mail with npm run reencrypt-secrets, so it still goes out once the previous key is dropped', async () => {
    const down = await mailServerDown();
    const before = await app({ SMTP_URL: down.url });
    const { email } = await signUpNewUser(before);
    await expect.poll(() => before.app.database.prisma.outboxMail.count()).toBe(1);
    // The old instance sends no more: the one with only the new key takes over.
    before.app.services.mailSender.stop();
    await before.app.services.background.drain();

    const NEW_KEY = 'a11ce'.padEnd(64, '0');
    const rotation = createSecretBox({ key: Buffer.from(NEW_KEY, 'hex'), previousKey: Buffer.from(TEST_ENCRYPTION_KEY, 'hex') });
    expect(await reencryptSecrets(before.app.database.prisma, rotation)).toMatchObject({ mailsReencrypted: 1 });

    const sink = await down.comeBack();
    const after = await startSecondInstance(before, { SMTP_URL: sink.url, ENCRYPTION_KEY: NEW_KEY });
    onTestFinished(() => after.close());
    expect(codeIn(await sink.waitForMail(email, 1, MAIL.verificationCode))).toMatch(/^\d{6}$/);
  });
});

describe('when the mail server refuses', () => {
  it('retries a 451 with the same Message-ID and delivers the mail once', async () => {
    const t = await appWithMailbox({ tempFailures: 2 });
    const { sink } = t;
    const { email } = await signUpNewUser(t);
    const mail = await sink.waitForMail(email, 1, MAIL.verificationCode);
    await outboxEmpty(t);
    expect(sink.mailsTo(email)).toHaveLength(1);
    expect(sink.tempFailed).toEqual([mail.messageId, mail.messageId]);
    expect(mail.messageId).toMatch(/^<[0-9a-f-]{36}@localhost>$/);
  });

  it('gives up a 550 for one recipient after one attempt, and the other mails go out', async () => {
    const refusedEmail = uniqueEmail('no-such-mailbox');
    const t = await appWithMailbox({ refuseRecipients: [refusedEmail] });
    const { sink } = t;
    await signUpNewUser(t, { email: refusedEmail });
    const { email } = await signUpNewUser(t);
    await sink.waitForMail(email, 1, MAIL.verificationCode);
    await outboxEmpty(t);
    // Several retry intervals later, still the one attempt.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(sink.refused).toEqual([refusedEmail.toLowerCase()]);
    expect(sink.mailsTo(refusedEmail)).toHaveLength(0);
    expect(t.logger.lines.join('\n')).toMatch(/^warn \[mail\] refused by the mail server: given up.*"kind":"verification".*550/m);
    expect(linesMatching(t, OUTAGE_STARTED)).toHaveLength(0);
  });

  it('gives a mail up once MAIL_RETRY_HOURS have passed since it was queued', async () => {
    const down = await mailServerDown();
    // 0.001 hours: 3.6 seconds of retries.
    const t = await app({ SMTP_URL: down.url, MAIL_RETRY_HOURS: '0.001' });
    await signUpNewUser(t);
    await outboxEmpty(t);
    expect(t.logger.lines.join('\n')).toMatch(/^warn \[mail\] not sent within MAIL_RETRY_HOURS \(0.001\): given up.*"kind":"verification".*ECONNREFUSED/m);
  });
});

describe('metrics', () => {
  it('show the outbox backlog, and mails sent, retried, failed and dropped', async () => {
    const down = await mailServerDown();
    const t = await app({ SMTP_URL: down.url, METRICS_PORT: '0', RESET_CODE_TTL_SECONDS: '1' });
    const metricsUrl = t.app.metricsUrl()!;
    const kept = await signUpNewUser(t);
    const refused = await signUpNewUser(t, { email: uniqueEmail('refused') });
    await t.client().graphql(SEND_MAIL, { input: { email: kept.email } });
    await expect.poll(() => t.app.database.prisma.outboxMail.count({ where: { codePurpose: 'password_reset' }, })).toBe(1);
    await expect.poll(async () => valueOf((await scrape(metricsUrl)).samples, 'auth_mails_total', { kind: 'verification', result: 'retried' })).toBeGreaterThanOrEqual(2);

    const during = (await scrape(metricsUrl)).samples;
    expect(valueOf(during, 'auth_mail_outbox_pending')).toBe(3);
    expect(valueOf(during, 'auth_mail_outbox_oldest_seconds')).toBeGreaterThan(0);
    expect(valueOf(during, 'auth_mails_total', { kind: 'verification', result: 'sent' })).toBe(0);

    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const sink = await down.comeBack({ refuseRecipients: [refused.email] });
    await sink.waitForMail(kept.email, 1, MAIL.verificationCode);
    await outboxEmpty(t);
    const after = (await scrape(metricsUrl)).samples;
    expect(valueOf(after, 'auth_mail_outbox_pending')).toBe(0);
    expect(valueOf(after, 'auth_mail_outbox_oldest_seconds')).toBe(0);
    expect(valueOf(after, 'auth_mails_total', { kind: 'verification', result: 'sent' })).toBe(1);
    expect(valueOf(after, 'auth_mails_total', { kind: 'verification', result: 'failed' })).toBe(1);
    expect(valueOf(after, 'auth_mails_total', { kind: 'password_reset', result: 'dropped' })).toBe(1);
    expect(valueOf(after, 'auth_mails_total', { kind: 'password_reset', result: 'sent' })).toBe(0);
  });
});

describe('a change and its mail commit together', () => {
  it('sends nothing from a transaction that fails after queueing its mail', async () => {
    const t = await appWithMailbox();
    const { sink } = t;
    const message = (to: string) => ({ kind: 'other' as const, to, subject: 'outbox test', text: 'text', html: '<p>html</p>' });
    const lost = uniqueEmail('rolled-back');
    await expect(
      t.app.services.outbox.transaction(async (_tx, mail) => {
        await mail.add(message(lost));
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const kept = uniqueEmail('committed');
    await t.app.services.outbox.transaction((_tx, mail) => mail.add(message(kept)));
    await sink.waitForMail(kept);
    await outboxEmpty(t);
    expect(sink.mailsTo(lost)).toHaveLength(0);
  });

  it('tells the old address nothing when confirmEmailChange loses the race for the new address', async () => {
    const t = await appWithMailbox();
    const { sink } = t;
    const wanted = uniqueEmail('wanted');
    const [first, second] = [await signUpNewUser(t), await signUpNewUser(t)];
    for (const user of [first, second]) {
      const asked = await user.client.graphql(CHANGE_EMAIL, { input: { newEmail: wanted, password: GOOD_PASSWORD } });
      expect(asked.errors).toBeUndefined();
    }
    const [firstCode, secondCode] = [codeIn(await sink.waitForMail(wanted, 1, MAIL.emailChangeCode)), codeIn(await sink.waitForMail(wanted, 2, MAIL.emailChangeCode))];
    // The codes went to one mailbox in the order asked.
    expect((await first.client.graphql(CONFIRM_EMAIL_CHANGE, { input: { code: firstCode } })).errors).toBeUndefined();
    const lost = await second.client.graphql(CONFIRM_EMAIL_CHANGE, { input: { code: secondCode } });
    expect(lost.errors?.[0]?.extensions?.code).toBe('EMAIL_TAKEN');
    await sink.waitForMail(first.email, 2, MAIL.emailChangeNotice);
    await outboxEmpty(t);
    // The loser's old address heard of the request only, not of a change that did not happen.
    expect(sink.mailsTo(second.email, MAIL.emailChangeNotice).map((m) => m.subject)).toEqual([expect.stringMatching(/requested/)]);
  });
});

describe('several senders', () => {
  it('two instances on one database deliver 30 mails queued during an outage exactly once each, with distinct Message-IDs', async () => {
    const down = await mailServerDown();
    const first = await app({ SMTP_URL: down.url });
    const second = await startSecondInstance(first, { SMTP_URL: down.url, ...FAST_RETRIES });
    onTestFinished(() => second.close());
    const emails = Array.from({ length: 30 }, (_, i) => uniqueEmail(`instance${i % 2}`));
    await Promise.all(emails.map((email, i) => signUpNewUser(i % 2 ? second : first, { email })));

    const sink = await down.comeBack();
    for (const email of emails) await sink.waitForMail(email, 1, MAIL.verificationCode);
    await outboxEmpty(first);
    await second.app.services.background.drain();
    // A while longer: a second delivery by the other instance would have come by now.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(sink.mails).toHaveLength(30);
    expect(new Set(sink.mails.map((m) => m.messageId)).size).toBe(30);
    expect(new Set(sink.mails.flatMap((m) => m.to)).size).toBe(30);
  });
});

describe('shutdown', () => {
  it('lets the send in flight finish, claims nothing more, and leaves the rest to the next process', async () => {
    const shared = await createTestDatabase();
    const db = await shared.open();
    onTestFinished(async () => {
      await db.close();
      await shared.drop();
    });
    const sink = await startSmtpSink({ hold: true });
    onTestFinished(() => sink.close());
    // One sender, and the database kept open for the next instance.
    const first = await startTestApp({ env: { SMTP_URL: sink.url, MAIL_SEND_CONCURRENCY: '1' }, database: { shared, db: { ...db, close: async () => {} } } });
    const emails = [uniqueEmail('in-flight'), uniqueEmail('left-1'), uniqueEmail('left-2')];
    for (const email of emails) await signUpNewUser(first, { email });
    await sink.waitForHeld(1);

    const closed = first.app.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    sink.release();
    expect(await closed).toBe(true);
    expect(sink.mails).toHaveLength(1);
    expect(await db.prisma.outboxMail.count()).toBe(2);

    const next = await startTestApp({ env: { SMTP_URL: sink.url }, database: { shared, db: { ...db, close: async () => {} } } });
    onTestFinished(() => next.close());
    for (const email of emails) await sink.waitForMail(email, 1, MAIL.verificationCode);
    await outboxEmpty(next);
    expect(sink.mails).toHaveLength(3);
  });
});

describe('a process killed right after its answer', () => {
  const dataDirs: string[] = [];
  afterEach(killLeftoverServers);
  afterAll(() => Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it(`leaves its mail to the next process on the same ${usingPostgres ? 'PostgreSQL' : 'PGlite'} database`, async () => {
    const database = usingPostgres ? await createTestDatabase() : undefined;
    onTestFinished(() => database?.drop());
    const dataDir = await mkdtemp(join(tmpdir(), 'auth-api-kill-'));
    dataDirs.push(dataDir);
    const down = await mailServerDown();
    const env = {
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      JWT_SECRET: TEST_SECRET,
      ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      RATE_LIMITS: 'off',
      SMTP_URL: down.url,
      ...FAST_RETRIES,
      ...(database ? { DATABASE_URL: database.url! } : {}),
    };
    const email = uniqueEmail('killed');
    const server = await startServer(env);
    const client = new TestClient(new URL('/graphql', server.url));
    expect((await client.graphql(SIGN_UP, { input: { username: 'Killed', email, password: GOOD_PASSWORD } })).data?.signUp.message).toBe('user created!');
    expect((await client.graphql(SEND_MAIL, { input: { email } })).data?.sendMail.message).toMatch(/reset code has been sent/);
    expect(await server.stop('SIGKILL')).toBeNull();

    const sink = await down.comeBack();
    const restarted = await startServer(env);
    onTestFinished(() => restarted.stop().then(() => undefined));
    // A claim the killed process held on a mail lapses within 60 s (CLAIM_SECONDS), and then it goes.
    const code = resetCodeIn(await sink.waitForMail(email, 1, MAIL.resetCode, 90_000));
    await sink.waitForMail(email, 1, MAIL.verificationCode, 90_000);
    const again = new TestClient(new URL('/graphql', restarted.url));
    expect((await again.graphql(RESET_PASSWORD, { input: { email, code, newPassword: NEW_PASSWORD } })).data?.resetPassword.message).toBe('password reset successful!');
  });
});
