// Where every sign-in ends, whatever proved the user: the password, a passkey or an identity
// provider. It refuses a disabled account, asks the second factor unless the proof already was
// one, then starts the session, records the sign-in (mailing the owner when the browser and
// address are new), notes when it happened and remembers the device.
import type { PrismaClient, User } from '../../generated/prisma/client.ts';
import { isDisabled } from '../account-disabled.ts';
import type { Caller } from '../caller.ts';
import { AppError } from '../errors.ts';
import type { Devices } from '../security/devices.ts';
import type { SignInNotice } from '../security/sign-in-notice.ts';
import type { TwoFactorService } from '../two-factor/two-factor.ts';
import type { IssuedSession, SessionService } from './sessions.ts';

export interface SignedIn extends IssuedSession {
  user: User;
  /** The device token the browser keeps from now on (src/services/security/devices.ts). */
  deviceToken: string;
}

/** What stands for the second factor: the code the client sent (checked when two-factor is on), or a proof that already was one. */
export type SecondFactor = { code: string | null | undefined } | 'satisfied';

/** The passkey or provider identity that proved the user: the session remembers it (removing it ends the session) and the event names it. */
export interface SignedInWith {
  passkey?: { id: string; name: string };
  identity?: { id: string; provider: string };
}

export interface SessionStart {
  /**
   * After a first factor: SECOND_FACTOR_REQUIRED (with `extensions.passkey: true` when the account
   * has a passkey to use instead of a code) or INVALID_CODE when two-factor is on and
   * `secondFactor` does not satisfy it.
   */
  signIn(user: User, caller: Caller, secondFactor: SecondFactor, via?: SignedInWith): Promise<SignedIn>;
  /** signIn's second-factor step alone, for a sign-in that must write something between it and the session (a link by email). */
  checkSecondFactor(user: User, caller: Caller, secondFactor: SecondFactor, provider?: string): Promise<void>;
  /** The first session of a new account: nothing to ask, nothing to notice. */
  signUp(user: User, caller: Caller, via?: SignedInWith): Promise<SignedIn>;
}

export function createSessionStart(deps: {
  prisma: PrismaClient;
  sessions: SessionService;
  twoFactor: TwoFactorService;
  signInNotice: SignInNotice;
  devices: Devices;
  hasPasskey: (userId: string) => Promise<boolean>;
}): SessionStart {
  const { prisma, sessions, twoFactor, signInNotice, devices, hasPasskey } = deps;

  async function start(user: User, caller: Caller, via: SignedInWith = {}): Promise<SignedIn> {
    const issued = await sessions.start(user.id, caller, { passkeyId: via.passkey?.id, identityId: via.identity?.id });
    // For operators (AdminUser.lastSignInAt), and the disabled check once more after the session
    // exists: a disableUser that committed since `user` was read either revoked this session or
    // waits on the row and leaves this update nothing to match.
    const at = issued.session.createdAt;
    const { count } = await prisma.user.updateMany({
      where: { id: user.id, OR: [{ disabledAt: null }, { disabledUntil: { lte: at } }] },
      data: { lastSignInAt: at },
    });
    if (count === 0) {
      await sessions.revoke(issued.session.id);
      const current = await prisma.user.findUnique({ where: { id: user.id } });
      if (current) refuseDisabled(current);
      // Removed meanwhile (or enabled again in the same instant): no session either way.
      throw new AppError('INVALID_CREDENTIALS');
    }
    return { user, deviceToken: await devices.remember(user.id, caller.deviceToken), ...issued };
  }

  /**
   * After the first factor, before the second: the state is told only to whoever proved the
   * first, and no code is asked or spent.
   */
  function refuseDisabled(user: User): void {
    if (!isDisabled(user)) return;
    throw new AppError('ACCOUNT_DISABLED', undefined, user.disabledUntil ? { disabledUntil: user.disabledUntil.toISOString() } : {});
  }

  /** `provider`: the identity provider that proved the first factor, if one did. */
  async function askSecondFactor(user: User, secondFactor: SecondFactor, caller: Caller, provider?: string): Promise<void> {
    if (secondFactor === 'satisfied') return;
    try {
      await twoFactor.checkSignIn(user, secondFactor.code, caller, { provider });
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'SECOND_FACTOR_REQUIRED')) throw error;
      // After a provider, the code goes to finishProviderSignIn; a passkey has no part in that flow.
      if (provider) throw new AppError('SECOND_FACTOR_REQUIRED', 'a two-factor code is required: send finishProviderSignIn again with `code`');
      if (await hasPasskey(user.id)) throw new AppError('SECOND_FACTOR_REQUIRED', error.message, { passkey: true });
      throw error;
    }
  }

  return {
    async signIn(user, caller, secondFactor, via) {
      refuseDisabled(user);
      await askSecondFactor(user, secondFactor, caller, via?.identity?.provider);
      const signedIn = await start(user, caller, via);
      await signInNotice.signedIn(user, caller, { passkeyName: via?.passkey?.name, provider: via?.identity?.provider });
      return signedIn;
    },
    async checkSecondFactor(user, caller, secondFactor, provider) {
      refuseDisabled(user);
      await askSecondFactor(user, secondFactor, caller, provider);
    },
    signUp: (user, caller, via) => start(user, caller, via),
  };
}
