// What an operator does to users' accounts (src/services/operators/user-admin.ts), called on the
// running app's services as the operator API does, and what the user then sees over the public
// HTTP API and in a real mailbox: events by an operator with no address, the mails, tokens refused
// at once, the invitation accepted with resetPassword, and the contract's error codes.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecurityEvent } from '../src/generated/prisma/client.ts';
import type { UserAdmin } from '../src/services/operators/user-admin.ts';
import type { OperatorActor } from '../src/services/security/security-events.ts';
import { errorCode, signIn, signUpNewUser } from './support/accounts.ts';
import {
  DASHBOARD,
  GOOD_PASSWORD,
  ME,
  RESET_PASSWORD,
  SEND_MAIL,
  SIGN_IN,
  SIGN_UP,
  TWO_FACTOR_STATUS,
  uniqueEmail,
} from './support/operations.ts';
import { codeIn, MAIL, type ReceivedMail, resetCodeIn, type SmtpSink } from './support/smtp-sink.ts';
import { startAppWithMailbox, type TestApp, type TestAppWithMailbox } from './support/test-app.ts';
import type { TestClient } from './support/test-client.ts';
import { turnOnTwoFactor } from './support/two-factor.ts';
import { OPERATOR_MAIL } from './support/operator-api.ts';

const NEW_PASSWORD = 'amber-lantern-walrus-77';
const SENT = 'If an account exists for that email, a reset code has been sent.';


/** What a sign-in answers: its message, or its error code. */
async function signInOutcome(t: TestApp, email: string, password: string): Promise<string | undefined> {
  const res = await t.client().graphql(SIGN_IN, { input: { email, password } });
  return res.data?.signIn?.message ?? errorCode(res);
}

/** Resolves once the outbox is empty: every queued mail sent (or dropped), every sendMail request handled. */
async function outboxEmpty(t: TestApp): Promise<void> {
  await expect.poll(async () => (await t.app.services.mailSender.backlog()).pending, { timeout: 30_000, interval: 50 }).toBe(0);
  await t.app.services.background.drain();
}

/** The AppError a call is refused with: its code and message. */
async function refusal(call: Promise<unknown>): Promise<{ code: unknown; message: string; field?: unknown }> {
  const error = await call.then(
    () => {
      throw new Error('expected the operation to be refused');
    },
    (e: unknown) => e as { message: string; extensions: Record<string, unknown> },
  );
  return { code: error.extensions.code, message: error.message, ...(error.extensions.field ? { field: error.extensions.field } : {}) };
}

const NOT_FOUND = { code: 'NOT_FOUND', message: 'not found' };
const conflict = (message: string) => ({ code: 'CONFLICT', message });

/** A mail's text and HTML parts. */
const partsOf = (mail: ReceivedMail) => [mail.text, mail.html];

describe('user administration', () => {
  let t: TestAppWithMailbox;
  let sink: SmtpSink;
  let admin: UserAdmin;
  /** An operator key as the operator API passes it: the key must exist for events to name it. */
  let op: OperatorActor;

  beforeAll(async () => {
    t = await startAppWithMailbox();
    sink = t.sink;
    admin = t.app.services.userAdmin;
    const keyId = randomBytes(8).toString('hex').slice(0, 10);
    await t.app.services.prisma.operatorKey.create({ data: { keyId, name: 'support desk', scope: 'write', secretHash: '0'.repeat(64) } });
    op = { operatorKeyId: keyId };
  });
  afterAll(() => t.close());

  const prisma = () => t.app.services.prisma;
  const eventsOf = (userId: string, kind?: string): Promise<SecurityEvent[]> =>
    prisma().securityEvent.findMany({ where: { userId, ...(kind ? { kind } : {}) }, orderBy: { createdAt: 'asc' } });

  /** Exactly one event of `kind`, by the operator, with no address or agent. */
  async function expectOperatorEvent(userId: string, kind: string, operator: OperatorActor = op): Promise<void> {
    expect(await eventsOf(userId, kind)).toEqual([
      expect.objectContaining({ kind, byOperator: true, ipAddress: null, userAgent: null, operatorKeyId: operator.operatorKeyId }),
    ]);
  }

  const liveSessions = (userId: string) =>
    prisma().session.count({ where: { userId, revokedAt: null, expiresAt: { gt: new Date() }, absoluteExpiresAt: { gt: new Date() } } });

  const signedIn = async (client: TestClient) => errorCode(await client.graphql(DASHBOARD)) === undefined;

  describe('createUser and invitations', () => {
    it('makes an account without a password whose invitation, accepted with resetPassword over HTTP, sets the first password and verifies the address', async () => {
      const email = uniqueEmail('invited');
      const user = await admin.createUser({ email: `  ${email.toUpperCase()} `, emailVerified: false, sendInvitation: true }, op);
      expect(user).toMatchObject({ email, username: email.split('@')[0], emailVerified: false, passwordHash: null, disabledAt: null });
      await expectOperatorEvent(user.id, 'ACCOUNT_CREATED');
      expect(await eventsOf(user.id)).toHaveLength(1);

      const mail = await sink.waitForMail(email, 1, OPERATOR_MAIL.invitation);
      expect(mail.subject).not.toMatch(/two-factor/i);
      const code = codeIn(mail);
      for (const part of partsOf(mail)) expect(part).toContain('expires in 7 days');
      // Says how to accept in the user's words: where the app asks for a reset code, not an API name.
      expect(mail.text).toContain('where the app asks for a reset code');
      expect(mail.text).not.toContain('resetPassword');
      // Only the invitation: no verification code was mailed.
      await outboxEmpty(t);
      expect(sink.mailsTo(email)).toHaveLength(1);
      // The operator learns no credential: not in the answer, not in a log line.
      expect(JSON.stringify(user)).not.toContain(code);
      expect(t.logger.lines.filter((line) => line.includes(code))).toEqual([]);

      // Without a password nothing signs in, as for an unknown email.
      expect(await signInOutcome(t, email, GOOD_PASSWORD)).toBe('INVALID_CREDENTIALS');

      const accepted = await t.client().graphql(RESET_PASSWORD, { input: { email, code, newPassword: NEW_PASSWORD } });
      expect(accepted.errors).toBeUndefined();
      expect(accepted.data?.resetPassword.message).toBe('password reset successful!');
      // Signs nothing in.
      expect(accepted.setCookie).toBeUndefined();
      expect(await liveSessions(user.id)).toBe(0);

      const client = t.client();
      await signIn(client, email, NEW_PASSWORD);
      expect((await client.graphql(ME)).data?.me).toMatchObject({ email, emailVerified: true });
      // The code works once.
      const again = await t.client().graphql(RESET_PASSWORD, { input: { email, code, newPassword: 'other-lantern-walrus-78' } });
      expect(errorCode(again)).toBe('INVALID_CODE');
    });

    it('takes the username given, or cuts the default to 64 characters; honours emailVerified; mails nothing without sendInvitation', async () => {
      const named = await admin.createUser({ email: uniqueEmail(), username: '  Ana Lima ', emailVerified: true, sendInvitation: false }, op);
      expect(named).toMatchObject({ username: 'Ana Lima', emailVerified: true });

      const longLocal = `${'x'.repeat(70)}${Date.now()}`;
      const email = `${longLocal}@example.com`;
      const cut = await admin.createUser({ email, username: null, emailVerified: false, sendInvitation: false }, { operatorKeyId: null });
      expect(cut.username).toBe(longLocal.slice(0, 64));
      // A command's change: by an operator, with no key.
      await expectOperatorEvent(cut.id, 'ACCOUNT_CREATED', { operatorKeyId: null });

      await outboxEmpty(t);
      expect(sink.mailsTo(email)).toEqual([]);
      expect(sink.mailsTo(named.email)).toEqual([]);
      expect(await prisma().oneTimeCode.count({ where: { userId: cut.id } })).toBe(0);
    });

    it('refuses an email that has an account (EMAIL_TAKEN) and bad input with signUp’s rules, and creates nothing', async () => {
      const { email } = await signUpNewUser(t);
      expect(await refusal(admin.createUser({ email: email.toUpperCase(), emailVerified: false, sendInvitation: true }, op))).toEqual({
        code: 'EMAIL_TAKEN',
        message: 'an account with this email already exists',
      });
      expect(await refusal(admin.createUser({ email: 'not an email', emailVerified: false, sendInvitation: true }, op))).toEqual({
        code: 'BAD_USER_INPUT',
        message: 'email: is not a valid email address',
        field: 'email',
      });
      const fresh = uniqueEmail();
      expect(await refusal(admin.createUser({ email: fresh, username: '   ', emailVerified: false, sendInvitation: true }, op))).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'username',
      });
      expect(await refusal(admin.createUser({ email: fresh, username: 'u'.repeat(65), emailVerified: false, sendInvitation: true }, op))).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'username',
      });
      expect(await prisma().user.count({ where: { email: { in: [fresh, email] } } })).toBe(1);
    });

    it('sendInvitation mails a new code that replaces the earlier one; sendMail works for an invited user too', async () => {
      const email = uniqueEmail('reinvited');
      const { id } = await admin.createUser({ email, emailVerified: false, sendInvitation: true }, op);
      const first = codeIn(await sink.waitForMail(email, 1, OPERATOR_MAIL.invitation));

      const user = await admin.sendInvitation(id, op);
      expect(user.id).toBe(id);
      await expectOperatorEvent(id, 'PASSWORD_RESET_REQUESTED');
      const second = codeIn(await sink.waitForMail(email, 2, OPERATOR_MAIL.invitation));
      expect(errorCode(await t.client().graphql(RESET_PASSWORD, { input: { email, code: first, newPassword: NEW_PASSWORD } }))).toBe('INVALID_CODE');

      // "Forgot password" replaces the invitation with an ordinary reset code, which works as well.
      expect((await t.client().graphql(SEND_MAIL, { input: { email } })).data?.sendMail.message).toBe(SENT);
      const reset = resetCodeIn(await sink.waitForMail(email, 1, MAIL.resetCode));
      expect(errorCode(await t.client().graphql(RESET_PASSWORD, { input: { email, code: second, newPassword: NEW_PASSWORD } }))).toBe('INVALID_CODE');
      const res = await t.client().graphql(RESET_PASSWORD, { input: { email, code: reset, newPassword: NEW_PASSWORD } });
      expect(res.data?.resetPassword.message).toBe('password reset successful!');
      expect(await signInOutcome(t, email, NEW_PASSWORD)).toBe('login successful!');

      // Now it has a password: no more invitations.
      expect(await refusal(admin.sendInvitation(id, op))).toEqual(conflict('user already has a password'));
    });

    it('sendInvitation: CONFLICT for a user with a password or a disabled one, NOT_FOUND for unknown or malformed ids', async () => {
      const { userId } = await signUpNewUser(t);
      expect(await refusal(admin.sendInvitation(userId, op))).toEqual(conflict('user already has a password'));

      const invited = await admin.createUser({ email: uniqueEmail(), emailVerified: false, sendInvitation: false }, op);
      await admin.disable({ id: invited.id, reason: 'fraud review', notify: false }, op);
      expect(await refusal(admin.sendInvitation(invited.id, op))).toEqual(conflict('user is disabled'));
      expect(await prisma().oneTimeCode.count({ where: { userId: invited.id } })).toBe(0);

      expect(await refusal(admin.sendInvitation('8d4c1b5e-0000-4000-8000-000000000000', op))).toEqual(NOT_FOUND);
      expect(await refusal(admin.sendInvitation('not-a-uuid', op))).toEqual(NOT_FOUND);
    });
  });

  describe('disableUser and enableUser', () => {
    it('refuses every token of the user at once, ends its sessions and codes, mails a notice without the reason, and sendMail then mails nothing', async () => {
      const { client, email, userId } = await signUpNewUser(t);
      const bearer = t.client();
      await signIn(bearer, email);
      const token = await bearer.token();
      await outboxEmpty(t);
      expect(await prisma().oneTimeCode.count({ where: { userId } })).toBe(1);
      expect(await liveSessions(userId)).toBe(2);

      const reason = 'chargeback investigation #4471';
      const user = await admin.disable({ id: userId, reason: `  ${reason}  `, notify: true }, op);
      expect(user).toMatchObject({ disabledReason: reason, disabledUntil: null });
      expect(user.disabledAt).toBeInstanceOf(Date);

      expect((await client.graphql(ME)).data?.me).toBeNull();
      expect(errorCode(await client.graphql(DASHBOARD))).toBe('UNAUTHENTICATED');
      expect(errorCode(await t.client().graphql(DASHBOARD, undefined, { authorization: `Bearer ${token}` }))).toBe('UNAUTHENTICATED');
      expect(await liveSessions(userId)).toBe(0);
      expect(await prisma().oneTimeCode.count({ where: { userId } })).toBe(0);
      await expectOperatorEvent(userId, 'ACCOUNT_DISABLED');

      const notice = await sink.waitForMail(email, 1, OPERATOR_MAIL.disabled);
      expect(notice.subject).not.toMatch(/two-factor/i);
      for (const part of partsOf(notice)) expect(part).not.toContain('chargeback');

      // The right password tells the state, and signs nothing in.
      const refused = await t.client().graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } });
      expect(refused.errors?.[0]).toMatchObject({ message: 'this account is disabled: contact support', extensions: { code: 'ACCOUNT_DISABLED' } });
      expect(refused.setCookie).toBeUndefined();
      expect(await liveSessions(userId)).toBe(0);

      // "Forgot password" answers as always, and mails nothing.
      expect((await t.client().graphql(SEND_MAIL, { input: { email } })).data?.sendMail.message).toBe(SENT);
      await outboxEmpty(t);
      expect(sink.mailsTo(email, MAIL.resetCode)).toEqual([]);
      expect(await prisma().oneTimeCode.count({ where: { userId } })).toBe(0);
    });

    it('on a disabled user keeps disabledAt and replaces reason and end; enable clears all three, sessions stay revoked, and the user signs in again', async () => {
      const { client, email, userId } = await signUpNewUser(t);
      const first = await admin.disable({ id: userId, reason: 'first', notify: false }, op);
      const until = new Date(Date.now() + 86_400_000);
      const second = await admin.disable({ id: userId, reason: 'second', until, notify: false }, op);
      expect(second.disabledAt).toEqual(first.disabledAt);
      expect(second).toMatchObject({ disabledReason: 'second', disabledUntil: until });
      expect(await eventsOf(userId, 'ACCOUNT_DISABLED')).toHaveLength(2);
      const refused = await t.client().graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } });
      expect(refused.errors?.[0]?.extensions).toEqual({ code: 'ACCOUNT_DISABLED', disabledUntil: until.toISOString() });

      const enabled = await admin.enable({ id: userId, notify: true }, op);
      expect(enabled).toMatchObject({ disabledAt: null, disabledUntil: null, disabledReason: null });
      await expectOperatorEvent(userId, 'ACCOUNT_ENABLED');
      const notice = await sink.waitForMail(email, 1, OPERATOR_MAIL.enabled);
      expect(notice.subject).not.toMatch(/two-factor/i);

      // The old session stays ended; a new sign-in works.
      expect(errorCode(await client.graphql(DASHBOARD))).toBe('UNAUTHENTICATED');
      expect(await signInOutcome(t, email, GOOD_PASSWORD)).toBe('login successful!');
      expect(await refusal(admin.enable({ id: userId, notify: true }, op))).toEqual(conflict('user is not disabled'));
      await outboxEmpty(t);
      expect(sink.mailsTo(email, OPERATOR_MAIL.disabled)).toEqual([]);
      expect(sink.mailsTo(email, OPERATOR_MAIL.enabled)).toHaveLength(1);
    });

    it('a disable whose end has passed is no disable: the user signs in, enable answers CONFLICT, a new disable starts anew', async () => {
      const { email, userId } = await signUpNewUser(t);
      const until = new Date(Date.now() + 1_500);
      const disabled = await admin.disable({ id: userId, reason: 'cool-off', until, notify: false }, op);
      expect(await signInOutcome(t, email, GOOD_PASSWORD)).toBe('ACCOUNT_DISABLED');
      await sleep(until.getTime() - Date.now() + 100);

      expect(await signInOutcome(t, email, GOOD_PASSWORD)).toBe('login successful!');
      expect(await refusal(admin.enable({ id: userId, notify: false }, op))).toEqual(conflict('user is not disabled'));
      const again = await admin.disable({ id: userId, reason: 'again', notify: false }, op);
      expect(again.disabledAt!.getTime()).toBeGreaterThan(disabled.disabledAt!.getTime());
      expect(again.disabledUntil).toBeNull();
      expect(await signInOutcome(t, email, GOOD_PASSWORD)).toBe('ACCOUNT_DISABLED');
    });

    it('checks reason and until, and answers NOT_FOUND for unknown or malformed ids', async () => {
      const { userId } = await signUpNewUser(t);
      const disable = (reason: string, until?: Date) => admin.disable({ id: userId, reason, until: until ?? null, notify: false }, op);
      expect(await refusal(disable('   '))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
      expect(await refusal(disable('r'.repeat(501)))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason', message: 'reason: must be at most 500 characters' });
      expect(await refusal(disable('ok', new Date(Date.now() - 1_000)))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'until' });
      expect(await refusal(disable('ok', new Date(Date.now() + 11 * 366 * 86_400_000)))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'until' });
      expect((await prisma().user.findUniqueOrThrow({ where: { id: userId } })).disabledAt).toBeNull();

      // 500 characters after trimming, and ten years ahead, are allowed.
      const nineYears = new Date(Date.now() + 9 * 365 * 86_400_000);
      const user = await disable(` ${'r'.repeat(500)} `, nineYears);
      expect(user.disabledReason).toHaveLength(500);

      expect(await refusal(admin.disable({ id: '8d4c1b5e-0000-4000-8000-000000000000', reason: 'x', notify: true }, op))).toEqual(NOT_FOUND);
      expect(await refusal(admin.disable({ id: 'nope', reason: 'x', notify: true }, op))).toEqual(NOT_FOUND);
      expect(await refusal(admin.enable({ id: 'nope', notify: true }, op))).toEqual(NOT_FOUND);
    });
  });

  describe('sessions', () => {
    it('revokeUserSessions ends every live session with one event, and none when nothing was live; devices stay known', async () => {
      const { client, email, userId } = await signUpNewUser(t);
      const other = t.client();
      await signIn(other, email);
      const devices = await prisma().device.count({ where: { userId } });

      const user = await admin.revokeSessions(userId, op);
      expect(user.id).toBe(userId);
      expect(await signedIn(client)).toBe(false);
      expect(await signedIn(other)).toBe(false);
      await expectOperatorEvent(userId, 'SESSION_REVOKED');

      await admin.revokeSessions(userId, op);
      expect(await eventsOf(userId, 'SESSION_REVOKED')).toHaveLength(1);
      expect(await prisma().device.count({ where: { userId } })).toBe(devices);
      expect(await refusal(admin.revokeSessions('8d4c1b5e-0000-4000-8000-000000000000', op))).toEqual(NOT_FOUND);
    });

    it('revokeUserSession ends that one live session and answers NOT_FOUND for anything else', async () => {
      const { client, email, userId } = await signUpNewUser(t);
      const other = t.client();
      const sessionId = await signIn(other, email);

      const user = await admin.revokeSession(sessionId, op);
      expect(user.id).toBe(userId);
      expect(await signedIn(other)).toBe(false);
      expect(await signedIn(client)).toBe(true);
      await expectOperatorEvent(userId, 'SESSION_REVOKED');

      expect(await refusal(admin.revokeSession(sessionId, op))).toEqual(NOT_FOUND);
      expect(await refusal(admin.revokeSession('8d4c1b5e-0000-4000-8000-000000000000', op))).toEqual(NOT_FOUND);
      expect(await refusal(admin.revokeSession('1; DROP TABLE sessions', op))).toEqual(NOT_FOUND);
      expect(await eventsOf(userId, 'SESSION_REVOKED')).toHaveLength(1);
    });
  });

  describe('forcePasswordReset', () => {
    it('mails the user a reset code "requested by support" and changes nothing else until it is used', async () => {
      const { client, email, userId } = await signUpNewUser(t);
      const user = await admin.forcePasswordReset({ id: userId, invalidateCurrentPassword: false }, op);
      expect(user.passwordHash).not.toBeNull();
      await expectOperatorEvent(userId, 'PASSWORD_RESET_REQUESTED');
      expect(await eventsOf(userId, 'PASSWORD_INVALIDATED')).toEqual([]);

      const mail = await sink.waitForMail(email, 1, MAIL.resetCode);
      for (const part of partsOf(mail)) {
        expect(part).toMatch(/support/i);
        expect(part).toContain('expires in 10 minutes');
      }
      const code = resetCodeIn(mail);
      expect(t.logger.lines.filter((line) => line.includes(code))).toEqual([]);
      expect(await signedIn(client)).toBe(true);
      expect(await signInOutcome(t, email, GOOD_PASSWORD)).toBe('login successful!');

      const res = await t.client().graphql(RESET_PASSWORD, { input: { email, code, newPassword: NEW_PASSWORD } });
      expect(res.data?.resetPassword.message).toBe('password reset successful!');
      expect(await signInOutcome(t, email, NEW_PASSWORD)).toBe('login successful!');
    });

    it('with invalidateCurrentPassword, the old password is refused at once and every session ends; the mailed code sets a new one', async () => {
      const { client, email, userId } = await signUpNewUser(t);
      const bearer = t.client();
      await signIn(bearer, email);

      const user = await admin.forcePasswordReset({ id: userId, invalidateCurrentPassword: true }, op);
      expect(user.passwordHash).toBeNull();
      expect(await signInOutcome(t, email, GOOD_PASSWORD)).toBe('INVALID_CREDENTIALS');
      expect(await signedIn(client)).toBe(false);
      expect(await signedIn(bearer)).toBe(false);
      expect(await liveSessions(userId)).toBe(0);
      await expectOperatorEvent(userId, 'PASSWORD_RESET_REQUESTED');
      await expectOperatorEvent(userId, 'PASSWORD_INVALIDATED');

      const mail = await sink.waitForMail(email, 1, MAIL.resetCode);
      expect(mail.text).toMatch(/no longer works/);
      const res = await t.client().graphql(RESET_PASSWORD, { input: { email, code: resetCodeIn(mail), newPassword: NEW_PASSWORD } });
      expect(res.data?.resetPassword.message).toBe('password reset successful!');
      expect(await signInOutcome(t, email, NEW_PASSWORD)).toBe('login successful!');
      expect(await signInOutcome(t, email, GOOD_PASSWORD)).toBe('INVALID_CREDENTIALS');
    });

    it('answers CONFLICT for a disabled user and NOT_FOUND for an unknown one, and mails nothing', async () => {
      const { email, userId } = await signUpNewUser(t);
      await admin.disable({ id: userId, reason: 'locked', notify: false }, op);
      expect(await refusal(admin.forcePasswordReset({ id: userId, invalidateCurrentPassword: true }, op))).toEqual(conflict('user is disabled'));
      expect((await prisma().user.findUniqueOrThrow({ where: { id: userId } })).passwordHash).not.toBeNull();
      expect(await refusal(admin.forcePasswordReset({ id: 'x', invalidateCurrentPassword: false }, op))).toEqual(NOT_FOUND);
      await outboxEmpty(t);
      expect(sink.mailsTo(email, MAIL.resetCode)).toEqual([]);
    });
  });

  describe('markEmailVerified and disableUserTwoFactor', () => {
    it('markEmailVerified verifies the address, kills the pending verification code, and the user sees the event as by an operator', async () => {
      const { client, userId } = await signUpNewUser(t);
      expect(await prisma().oneTimeCode.count({ where: { userId, purpose: 'email_verification' } })).toBe(1);

      const user = await admin.markEmailVerified(userId, op);
      expect(user.emailVerified).toBe(true);
      expect((await client.graphql(ME)).data?.me?.emailVerified).toBe(true);
      expect(await prisma().oneTimeCode.count({ where: { userId, purpose: 'email_verification' } })).toBe(0);
      await expectOperatorEvent(userId, 'EMAIL_VERIFIED');

      const seen = await client.graphql('query { securityEvents { kind byOperator ipAddress userAgent } }');
      expect(seen.errors).toBeUndefined();
      expect(seen.data?.securityEvents[0]).toEqual({ kind: 'EMAIL_VERIFIED', byOperator: true, ipAddress: null, userAgent: null });
      expect(seen.data?.securityEvents.find((e: { kind: string }) => e.kind === 'SIGN_UP')).toMatchObject({ byOperator: false });

      expect(await refusal(admin.markEmailVerified(userId, op))).toEqual(conflict('email already verified'));
      expect(await refusal(admin.markEmailVerified('00000000-0000-4000-8000-000000000000', op))).toEqual(NOT_FOUND);
    });

    it('disableUserTwoFactor forgets the secret and recovery codes, keeps sessions, and sends the two-factor notice "turned off by support"', async () => {
      const { client, email, userId } = await signUpNewUser(t);
      await turnOnTwoFactor(client);
      expect(await signInOutcome(t, email, GOOD_PASSWORD)).toBe('SECOND_FACTOR_REQUIRED');

      expect(await refusal(admin.disableTwoFactor({ id: userId, reason: '  ' }, op))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
      await admin.disableTwoFactor({ id: userId, reason: 'lost phone and recovery codes, identity checked' }, op);
      expect((await client.graphql(TWO_FACTOR_STATUS)).data?.me).toMatchObject({ twoFactorEnabled: false, recoveryCodesLeft: 0 });
      expect(await prisma().recoveryCode.count({ where: { userId } })).toBe(0);
      expect(await prisma().twoFactorCredential.count({ where: { userId } })).toBe(0);
      expect(await signInOutcome(t, email, GOOD_PASSWORD)).toBe('login successful!');
      await expectOperatorEvent(userId, 'TWO_FACTOR_DISABLED');

      const notices = await sink.waitForMail(email, 2, MAIL.twoFactorNotice);
      expect(notices.subject).toMatch(/turned off by support/);
      expect(notices.text).not.toContain('identity checked');

      expect(await refusal(admin.disableTwoFactor({ id: userId, reason: 'again' }, op))).toEqual(conflict('two-factor is off'));
      expect(await refusal(admin.disableTwoFactor({ id: 'nope', reason: 'again' }, op))).toEqual(NOT_FOUND);
    });
  });

  describe('removeUser', () => {
    it('deletes the account and all it owns: its tokens are refused, the email is free for signUp, the notice reaches the former address', async () => {
      const { client, email, userId } = await signUpNewUser(t);
      const token = await client.token();
      await admin.remove({ id: userId, reason: 'GDPR erasure request', notify: true }, op);

      expect(await prisma().user.count({ where: { id: userId } })).toBe(0);
      expect(await prisma().session.count({ where: { userId } })).toBe(0);
      expect(await prisma().securityEvent.count({ where: { userId } })).toBe(0);
      expect(errorCode(await client.graphql(DASHBOARD))).toBe('UNAUTHENTICATED');
      expect(errorCode(await t.client().graphql(DASHBOARD, undefined, { authorization: `Bearer ${token}` }))).toBe('UNAUTHENTICATED');

      const notice = await sink.waitForMail(email, 1, OPERATOR_MAIL.deleted);
      expect(notice.subject).not.toMatch(/two-factor/i);
      expect(notice.text).not.toContain('GDPR');

      const again = await t.client().graphql(SIGN_UP, { input: { username: 'Back', email, password: GOOD_PASSWORD } });
      expect(again.data?.signUp.message).toBe('user created!');
      expect(await refusal(admin.remove({ id: userId, reason: 'again', notify: true }, op))).toEqual(NOT_FOUND);
    });

    it('without notify mails nothing; checks the reason before anything goes', async () => {
      const { email, userId } = await signUpNewUser(t);
      expect(await refusal(admin.remove({ id: userId, reason: '', notify: true }, op))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
      expect(await prisma().user.count({ where: { id: userId } })).toBe(1);
      await admin.remove({ id: userId, reason: 'duplicate account', notify: false }, op);
      expect(await prisma().user.count({ where: { id: userId } })).toBe(0);
      await outboxEmpty(t);
      expect(sink.mailsTo(email, OPERATOR_MAIL.deleted)).toEqual([]);
      expect(await refusal(admin.remove({ id: 'nope', reason: 'x', notify: false }, op))).toEqual(NOT_FOUND);
    });
  });
});

describe('the operator mail limit', () => {
  let t: TestAppWithMailbox;
  beforeAll(async () => {
    t = await startAppWithMailbox({ RATE_LIMITS: 'on', RATE_LIMIT_ADMIN_MAIL_ACCOUNT: '2/3600' });
  });
  afterAll(() => t.close());

  it('counts createUser with an invitation, sendInvitation and forcePasswordReset per target account; refused calls cost nothing', async () => {
    const admin = t.app.services.userAdmin;
    const op = { operatorKeyId: null };
    const email = uniqueEmail('limited');
    const { id } = await admin.createUser({ email, emailVerified: false, sendInvitation: true }, op);
    await admin.sendInvitation(id, op);
    const refused = await refusal(admin.forcePasswordReset({ id, invalidateCurrentPassword: false }, op));
    expect(refused).toMatchObject({ code: 'RATE_LIMITED' });
    const error = await admin.sendInvitation(id, op).catch((e: { extensions: { retryAfter: number } }) => e);
    expect((error as { extensions: { retryAfter: number } }).extensions.retryAfter).toBeGreaterThan(3500);
    // The second invitation replaced the first (whose mail is dropped if it had not gone yet); nothing else went.
    await outboxEmpty(t);
    expect(t.sink.mailsTo(email, OPERATOR_MAIL.invitation).length).toBeGreaterThanOrEqual(1);
    expect(t.sink.mailsTo(email, MAIL.resetCode)).toEqual([]);

    // Another account has a limit of its own; a CONFLICT is not counted.
    const { userId } = await signUpNewUser(t);
    for (let i = 0; i < 3; i += 1) expect((await refusal(admin.sendInvitation(userId, op))).code).toBe('CONFLICT');
    await admin.forcePasswordReset({ id: userId, invalidateCurrentPassword: false }, op);
    await admin.forcePasswordReset({ id: userId, invalidateCurrentPassword: false }, op);
    expect((await refusal(admin.forcePasswordReset({ id: userId, invalidateCurrentPassword: false }, op))).code).toBe('RATE_LIMITED');
    // Operations that mail nothing have no such limit.
    await admin.markEmailVerified(userId, op);
  });
});
