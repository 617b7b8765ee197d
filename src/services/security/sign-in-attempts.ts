// Which limits a sign-in attempt counts against. An attempt from a browser holding a device token
// known for the account counts only against that device (signInDevice); every other attempt shares
// the per-address and per-account limits. So a flood of wrong passwords from elsewhere cannot
// lock the owner's own browser out, while the flood itself still hits the account limit.
import type { Caller } from '../caller.ts';
import type { Devices } from './devices.ts';
import { clientKey, type RateLimits } from './rate-limits.ts';

export interface SignInAttempts {
  /** Counts one attempt (RATE_LIMITED past a limit); returns what forgets it once the password was right. */
  count(email: string, caller: Caller): Promise<() => Promise<void>>;
}

export function createSignInAttempts(deps: { limits: RateLimits; devices: Devices }): SignInAttempts {
  const { limits, devices } = deps;
  return {
    async count(email, caller) {
      const device = await devices.knownFor(email, caller.deviceToken);
      if (device) {
        await limits.consume('signInDevice', device);
        return () => limits.reset('signInDevice', device);
      }
      // Counted before the hash is checked, so parallel guesses cannot slip past the limit.
      await limits.consume('signInIp', clientKey(caller.ip));
      await limits.consume('signInAccount', email);
      return () => limits.reset('signInAccount', email);
    },
  };
}
