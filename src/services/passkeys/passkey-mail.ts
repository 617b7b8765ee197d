// The passkey notice (contract, "Mails": subject contains "passkey", never "two-factor"): a
// passkey added or removed, or one that presented a signature counter it should not have.
import { composeMail, plain } from '../mail/mail-templates.ts';
import type { MailMessage } from '../mail/mailer.ts';

export type PasskeyChange = { kind: 'added' | 'removed' | 'counter-mismatch'; name: string; refused?: boolean };

export function passkeyNoticeMail(to: string, appName: string, change: PasskeyChange): MailMessage {
  const { subject, lines } = describe(change, appName);
  return composeMail('passkey', to, appName, `${appName}: ${subject}`, [
    ...lines,
    "If this wasn't you, sign in, remove passkeys you do not know and change your password.",
  ]);
}

function describe(change: PasskeyChange, appName: string): { subject: string; lines: string[] } {
  // The user typed the name: one line of plain text.
  const name = `"${plain(change.name)}"`;
  switch (change.kind) {
    case 'added':
      return { subject: 'a passkey was added', lines: [`A passkey named ${name} was just added to your ${appName} account: it can now sign you in.`] };
    case 'removed':
      return {
        subject: 'a passkey was removed',
        lines: [`The passkey ${name} was just removed from your ${appName} account. The sessions it signed in were ended.`],
      };
    case 'counter-mismatch':
      return {
        subject: 'a passkey may have been copied',
        lines: [
          `Your passkey ${name} just presented a signature counter no higher than the one it showed before, which can mean it was copied.`,
          change.refused ? 'The sign-in was refused.' : 'It is a synced passkey, so the sign-in was let in.',
        ],
      };
  }
}
