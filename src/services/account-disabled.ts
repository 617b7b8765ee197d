// Whether an operator's disable holds right now. `disabledUntil` in the past means the account is
// enabled again by the clock alone, with no write: the user simply signs in.
import type { User } from '../generated/prisma/client.ts';

export type DisableState = Pick<User, 'disabledAt' | 'disabledUntil'>;

export function isDisabled(user: DisableState, now: number = Date.now()): boolean {
  return user.disabledAt !== null && (user.disabledUntil === null || user.disabledUntil.getTime() > now);
}
