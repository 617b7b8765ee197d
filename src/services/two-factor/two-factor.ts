// Two-factor sign-in with an authenticator app (contract: "Sign-in protection"): setting it up,
// turning it on and off, recovery codes, and the second step of signIn. Every code presented counts
// against the account (secondFactorAccount) whatever the client; a code once accepted is refused
// when presented again (the last accepted time step is stored).
import QRCode from 'qrcode';
import { Prisma, type PrismaClient, type TwoFactorCredential, type User } from '../../generated/prisma/client.ts';
import type { Caller } from '../caller.ts';
import { AppError } from '../errors.ts';
import type { MailOutbox, MailQueue } from '../mail/mail-outbox.ts';
import { normalizePassword, type PasswordPolicy } from '../passwords/password-policy.ts';
import type { Reauthentication } from '../passwords/reauthentication.ts';
import type { Viewer } from '../viewer.ts';
import type { RateLimits } from '../security/rate-limits.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { EventSubject, SecurityEventKind, SecurityEvents } from '../security/security-events.ts';
import { generateRecoveryCodes, hashNewRecoveryCode, hashRecoveryCode } from './recovery-codes.ts';
import { parseSecondFactorCode, type SecondFactorCode } from './second-factor-code.ts';
import type { Totp } from './totp.ts';
import { type TwoFactorChange, twoFactorNoticeMail } from './two-factor-mail.ts';

const EVENT_OF = {
  enabled: 'TWO_FACTOR_ENABLED',
  disabled: 'TWO_FACTOR_DISABLED',
  'recovery-codes-replaced': 'RECOVERY_CODES_REGENERATED',
  'recovery-code-used': 'RECOVERY_CODE_USED',
} as const satisfies Record<TwoFactorChange['kind'], SecurityEventKind>;

export interface TwoFactorSetup {
  secret: string;
  otpauthUrl: string;
  qrCodeSvg: string;
}

export interface TwoFactorProof {
  /** Absent only for an account without a password (a fresh session proves it instead). */
  password?: string | null;
  code: string;
}

export interface TwoFactorService {
  /** A new pending secret (replacing a pending one); sign-in is unchanged until `enable`. */
  startSetup(viewer: Viewer, password: string | null | undefined): Promise<TwoFactorSetup>;
  /** Turns two-factor on with a code of the pending secret; ends every session but `keepSessionId`. Returns the first recovery codes. */
  enable(user: User, code: string, keepSessionId: string, caller: Caller): Promise<string[]>;
  disable(viewer: Viewer, proof: TwoFactorProof, caller: Caller): Promise<void>;
  /** A new set of recovery codes; the old ones stop working. */
  regenerateRecoveryCodes(viewer: Viewer, proof: TwoFactorProof, caller: Caller): Promise<string[]>;
  /**
   * signIn's second step, once the password was right: nothing when two-factor is off (the code is
   * ignored); SECOND_FACTOR_REQUIRED without a code; INVALID_CODE for a wrong or reused one.
   */
  checkSignIn(user: User, code: string | null | undefined, caller: Caller, about?: EventSubject): Promise<void>;
}

/**
 * Forgets the account's authenticator secret and recovery codes, in `tx`: the user's disableTwoFactor
 * and an operator's disableUserTwoFactor. False when two-factor was off (a pending setup is left).
 */
export async function turnOffTwoFactor(tx: Prisma.TransactionClient, userId: string): Promise<boolean> {
  const { count } = await tx.twoFactorCredential.deleteMany({ where: { userId, enabledAt: { not: null } } });
  if (count === 0) return false;
  await tx.recoveryCode.deleteMany({ where: { userId } });
  return true;
}

export function createTwoFactorService(deps: {
  prisma: PrismaClient;
  reauthentication: Reauthentication;
  policy: PasswordPolicy;
  limits: RateLimits;
  totp: Totp;
  box: SecretBox;
  events: SecurityEvents;
  outbox: MailOutbox;
  appName: string;
}): TwoFactorService {
  const { prisma, reauthentication, policy, limits, totp, box, events, outbox, appName } = deps;

  /** The change's event and its notice mail, in the change's transaction. */
  async function recordChange(tx: Prisma.TransactionClient, mail: MailQueue, user: User, caller: Caller, change: TwoFactorChange): Promise<void> {
    await events.record(user.id, EVENT_OF[change.kind], caller, tx);
    await mail.add(twoFactorNoticeMail(user.email, appName, change));
  }

  /** The password (or a fresh session), counted per account before it is checked. */
  async function checkPassword(viewer: Viewer, password: string | null | undefined): Promise<void> {
    if (password != null) normalizePassword(password, { ...policy, minLength: 0 });
    await limits.consume('twoFactorPasswordAccount', viewer.user.id);
    await reauthentication.prove(viewer.user, viewer.session, password);
  }

  const enabledCredential = (userId: string) => prisma.twoFactorCredential.findFirst({ where: { userId, enabledAt: { not: null } } });

  function openSecret(credential: TwoFactorCredential): { plain: string; stale: boolean } {
    const opened = box.open(credential.secretEncrypted, credential.userId);
    // Only a lost or wrong ENCRYPTION_KEY gets here: an operator's problem, logged as a server error.
    if (!opened) throw new Error('a stored two-factor secret does not decrypt: ENCRYPTION_KEY changed without ENCRYPTION_KEY_PREVIOUS?');
    return opened;
  }

  /** Re-sealed under the current key when it was opened with the previous one (a rotation). */
  const resealed = (userId: string, opened: { plain: string; stale: boolean }) =>
    opened.stale ? { secretEncrypted: box.seal(opened.plain, userId) } : {};

  /**
   * Spends an authenticator code (its step becomes the last used) or a recovery code, atomically, so
   * two requests with one code cannot both pass. Counted before it is compared. A recovery code used
   * to sign in (`signingIn`) mails the owner how many are left.
   */
  async function proveSecondFactor(
    user: User,
    credential: TwoFactorCredential,
    code: SecondFactorCode,
    caller: Caller,
    signingIn = false,
    about: EventSubject = {},
  ): Promise<'authenticator' | 'recovery'> {
    const { userId } = credential;
    await limits.consume('secondFactorAccount', userId);
    const opened = openSecret(credential);
    let accepted = false;
    if (code.kind === 'authenticator') {
      const step = totp.verify(opened.plain, code.code, credential.lastUsedStep);
      if (step !== null) {
        const { count } = await prisma.twoFactorCredential.updateMany({
          where: { userId, enabledAt: { not: null }, OR: [{ lastUsedStep: null }, { lastUsedStep: { lt: step } }] },
          data: { lastUsedStep: step, ...resealed(userId, opened) },
        });
        accepted = count === 1;
      }
    } else if (code.kind === 'recovery') {
      accepted = await outbox.transaction(async (tx, mail) => {
        const { count } = await tx.recoveryCode.deleteMany({ where: { userId, codeHash: hashRecoveryCode(opened.plain, code.code) } });
        if (count !== 1) return false;
        if (opened.stale) await tx.twoFactorCredential.updateMany({ where: { userId }, data: resealed(userId, opened) });
        if (signingIn) await recordChange(tx, mail, user, caller, { kind: 'recovery-code-used', left: await tx.recoveryCode.count({ where: { userId } }) });
        else await events.record(userId, 'RECOVERY_CODE_USED', caller, tx);
        return true;
      });
    }
    if (!accepted || code.kind === 'malformed') {
      await events.record(userId, 'SECOND_FACTOR_FAILED', caller, undefined, about);
      throw new AppError('INVALID_CODE');
    }
    await limits.reset('secondFactorAccount', userId);
    return code.kind;
  }

  /** Replaces the account's recovery codes inside `tx`; returns the new ones, formatted. */
  async function replaceRecoveryCodes(tx: Prisma.TransactionClient, userId: string, secret: string): Promise<string[]> {
    const codes = generateRecoveryCodes();
    await tx.recoveryCode.deleteMany({ where: { userId } });
    await tx.recoveryCode.createMany({ data: codes.map((code) => ({ userId, codeHash: hashNewRecoveryCode(secret, code) })) });
    return codes;
  }

  return {
    async startSetup(viewer, password) {
      const { user } = viewer;
      await checkPassword(viewer, password);
      if (await enabledCredential(user.id)) throw new AppError('CONFLICT', 'two-factor is already on');
      const secret = totp.newSecret();
      const data = { secretEncrypted: box.seal(secret, user.id), enabledAt: null, lastUsedStep: null, createdAt: new Date() };
      // Only a pending row is replaced: a concurrent enable wins, and this answers CONFLICT.
      const { count } = await prisma.twoFactorCredential.updateMany({ where: { userId: user.id, enabledAt: null }, data });
      if (count === 0) {
        try {
          await prisma.twoFactorCredential.create({ data: { userId: user.id, ...data } });
        } catch (error) {
          if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw new AppError('CONFLICT', 'two-factor is already on');
          throw error;
        }
      }
      const otpauthUrl = totp.otpauthUrl(secret, appName, user.email);
      const qrCodeSvg = await QRCode.toString(otpauthUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      return { secret, otpauthUrl, qrCodeSvg };
    },

    async enable(user, rawCode, keepSessionId, caller) {
      const code = parseSecondFactorCode(rawCode);
      const pending = await prisma.twoFactorCredential.findFirst({ where: { userId: user.id, enabledAt: null } });
      if (!pending) throw new AppError('INVALID_CODE');
      await limits.consume('secondFactorAccount', user.id);
      const opened = openSecret(pending);
      const step = code.kind === 'authenticator' ? totp.verify(opened.plain, code.code, null) : null;
      if (step === null) throw new AppError('INVALID_CODE');

      const recoveryCodes = await outbox.transaction(async (tx, mail) => {
        // Only the very secret the code was checked against: a setup started meanwhile replaced it.
        const { count } = await tx.twoFactorCredential.updateMany({
          where: { userId: user.id, enabledAt: null, secretEncrypted: pending.secretEncrypted },
          data: { enabledAt: new Date(), lastUsedStep: step, ...resealed(user.id, opened) },
        });
        if (count === 0) return null;
        await tx.session.updateMany({ where: { userId: user.id, revokedAt: null, id: { not: keepSessionId } }, data: { revokedAt: new Date() } });
        const codes = await replaceRecoveryCodes(tx, user.id, opened.plain);
        await recordChange(tx, mail, user, caller, { kind: 'enabled' });
        return codes;
      });
      if (!recoveryCodes) throw new AppError('INVALID_CODE');
      await limits.reset('secondFactorAccount', user.id);
      return recoveryCodes;
    },

    async disable(viewer, proof, caller) {
      const { user } = viewer;
      const code = parseSecondFactorCode(proof.code);
      await checkPassword(viewer, proof.password);
      const credential = await enabledCredential(user.id);
      if (!credential) throw new AppError('CONFLICT', 'two-factor is off');
      await proveSecondFactor(user, credential, code, caller);
      await outbox.transaction(async (tx, mail) => {
        // Turned off by a concurrent request already: one notice, one event.
        if (!(await turnOffTwoFactor(tx, user.id))) return;
        await recordChange(tx, mail, user, caller, { kind: 'disabled' });
      });
    },

    async regenerateRecoveryCodes(viewer, proof, caller) {
      const { user } = viewer;
      const code = parseSecondFactorCode(proof.code);
      await checkPassword(viewer, proof.password);
      const credential = await enabledCredential(user.id);
      if (!credential) throw new AppError('CONFLICT', 'two-factor is off');
      await proveSecondFactor(user, credential, code, caller);
      const secret = openSecret(credential).plain;
      const recoveryCodes = await outbox.transaction(async (tx, mail) => {
        // Disabled meanwhile: no codes for an account without two-factor.
        if (!(await tx.twoFactorCredential.findFirst({ where: { userId: user.id, enabledAt: { not: null } } }))) return null;
        const codes = await replaceRecoveryCodes(tx, user.id, secret);
        await recordChange(tx, mail, user, caller, { kind: 'recovery-codes-replaced' });
        return codes;
      });
      if (!recoveryCodes) throw new AppError('CONFLICT', 'two-factor is off');
      return recoveryCodes;
    },

    async checkSignIn(user, rawCode, caller, about) {
      const credential = await enabledCredential(user.id);
      if (!credential) return;
      if (rawCode == null || rawCode.trim() === '') throw new AppError('SECOND_FACTOR_REQUIRED');
      await proveSecondFactor(user, credential, parseSecondFactorCode(rawCode), caller, true, about);
    },
  };
}
