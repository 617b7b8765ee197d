// The "new sign-in" mail: a successful sign-in from a user agent and address pair the account has
// not signed up or in from within the retention window (SECURITY_EVENT_RETENTION_DAYS) tells its owner, after the answer.
import type { User } from '../../generated/prisma/client.ts';
import type { BackgroundTasks } from '../background-tasks.ts';
import type { Caller } from '../caller.ts';
import { newSignInMail } from '../mail/mail-templates.ts';
import type { Mailer } from '../mail/mailer.ts';
import type { SecurityEvents } from './security-events.ts';

export interface SignInNotice {
  /** Records the SIGN_IN event; mails the owner, after the response, when the pair is new. */
  signedIn(user: User, caller: Caller): Promise<void>;
}

export function createSignInNotice(deps: {
  events: SecurityEvents;
  mailer: Mailer;
  background: BackgroundTasks;
  config: { enabled: boolean; appName: string };
}): SignInNotice {
  const { events, mailer, background, config } = deps;
  return {
    async signedIn(user, caller) {
      const at = new Date();
      // Asked before this sign-in is recorded, so the answer is about the earlier ones.
      const isNew = config.enabled && !(await events.seenFrom(user.id, caller));
      await events.record(user.id, 'SIGN_IN', caller);
      if (isNew) background.run('new-sign-in-mail', () => mailer.send(newSignInMail(user.email, config.appName, caller, at)));
    },
  };
}
