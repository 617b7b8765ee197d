// The sign-in method notice (subject contains "linked" and the provider's name, never "two-factor"):
// an identity provider account linked to, or unlinked from, the account, so an owner learns of a
// way in they did not add.
import { composeMail, plain } from '../mail/mail-templates.ts';
import type { MailMessage } from '../mail/mailer.ts';

export type SignInMethodChange = { kind: 'linked' | 'unlinked'; providerName: string; email: string | null };

export function signInMethodNoticeMail(to: string, appName: string, change: SignInMethodChange): MailMessage {
  const account = change.email ? ` (${plain(change.email)})` : '';
  const lines =
    change.kind === 'linked'
      ? [`A ${change.providerName} account${account} was just linked to your ${appName} account: it can now sign you in.`]
      : [`The ${change.providerName} account${account} was just unlinked from your ${appName} account: it no longer signs you in.`];
  return composeMail('sign_in_method', to, appName, `${appName}: ${change.providerName} ${change.kind}`, [
    ...lines,
    "If this wasn't you, sign in, review your linked accounts and change your password.",
  ]);
}
