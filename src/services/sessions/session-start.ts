// Where every sign-in ends, whatever proved the user: today the password, and the one place later
// proofs (a passkey, an identity provider) are to end too. It asks the second factor unless the
// proof already was one, then starts the session, records the sign-in (mailing the owner when the
// browser and address are new) and remembers the device.
import type { User } from '../../generated/prisma/client.ts';
import type { Caller } from '../caller.ts';
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

export interface SessionStart {
  /** After a first factor: SECOND_FACTOR_REQUIRED or INVALID_CODE when two-factor is on and `secondFactor` does not satisfy it. */
  signIn(user: User, caller: Caller, secondFactor: SecondFactor): Promise<SignedIn>;
  /** The first session of a new account: nothing to ask, nothing to notice. */
  signUp(user: User, caller: Caller): Promise<SignedIn>;
}

export function createSessionStart(deps: {
  sessions: SessionService;
  twoFactor: TwoFactorService;
  signInNotice: SignInNotice;
  devices: Devices;
}): SessionStart {
  const { sessions, twoFactor, signInNotice, devices } = deps;

  async function start(user: User, caller: Caller): Promise<SignedIn> {
    const issued = await sessions.start(user.id, caller);
    return { user, deviceToken: await devices.remember(user.id, caller.deviceToken), ...issued };
  }

  return {
    async signIn(user, caller, secondFactor) {
      if (secondFactor !== 'satisfied') await twoFactor.checkSignIn(user, secondFactor.code, caller);
      const signedIn = await start(user, caller);
      await signInNotice.signedIn(user, caller);
      return signedIn;
    },
    signUp: start,
  };
}
