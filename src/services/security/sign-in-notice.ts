// The "new sign-in" mail: a successful sign-in from a user agent and address pair the account has
// not signed up or in from within the retention window (SECURITY_EVENT_RETENTION_DAYS) tells its owner.
import type { User } from '../../generated/prisma/client.ts';
import type { Caller } from '../caller.ts';
import type { MailOutbox } from '../mail/mail-outbox.ts';
import { newSignInMail } from '../mail/mail-templates.ts';
import type { EventSubject, SecurityEvents } from './security-events.ts';

export interface SignInNotice {
  /** Records the SIGN_IN event (naming the passkey or provider, if one signed in) and, when the pair is new, queues the owner's mail with it. */
  signedIn(user: User, caller: Caller, about?: EventSubject): Promise<void>;
}

export function createSignInNotice(deps: {
  outbox: MailOutbox;
  events: SecurityEvents;
  config: { enabled: boolean; appName: string };
}): SignInNotice {
  const { outbox, events, config } = deps;
  return {
    async signedIn(user, caller, about) {
      const at = new Date();
      // Asked before this sign-in is recorded, so the answer is about the earlier ones.
      const isNew = config.enabled && !(await events.seenFrom(user.id, caller));
      // A transaction only when there is a mail to commit with the event: most sign-ins are from a known pair.
      if (!isNew) return events.record(user.id, 'SIGN_IN', caller, undefined, about);
      await outbox.transaction(async (tx, mail) => {
        await events.record(user.id, 'SIGN_IN', caller, tx, about);
        await mail.add(newSignInMail(user.email, config.appName, caller, at));
      });
    },
  };
}
