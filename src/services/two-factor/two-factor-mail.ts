// The two-factor notice (contract, "Mails": subject contains "two-factor"): sent to the account's
// address for every change to its second factor, so an owner learns of one they did not make.
import { composeMail } from '../mail/mail-templates.ts';
import type { MailMessage } from '../mail/mailer.ts';

export type TwoFactorChange =
  | { kind: 'enabled' }
  | { kind: 'disabled'; bySupport?: boolean }
  | { kind: 'recovery-codes-replaced' }
  | { kind: 'recovery-code-used'; left: number };

export function twoFactorNoticeMail(to: string, appName: string, change: TwoFactorChange): MailMessage {
  const { subject, lines, closing = "If this wasn't you, change your password at once: someone may have it." } = describe(change, appName);
  return composeMail('two_factor', to, appName, `${appName}: ${subject}`, [...lines, closing]);
}

function describe(change: TwoFactorChange, appName: string): { subject: string; lines: string[]; closing?: string } {
  switch (change.kind) {
    case 'enabled':
      return {
        subject: 'two-factor sign-in turned on',
        lines: [
          `Two-factor sign-in was just turned on for your ${appName} account: signing in now takes a code from your authenticator app.`,
          'Every other session was signed out. Keep your recovery codes somewhere safe.',
        ],
      };
    case 'disabled':
      return change.bySupport
        ? {
            subject: 'two-factor sign-in turned off by support',
            lines: [
              `Two-factor sign-in was just turned off by support for your ${appName} account, for someone who lost their authenticator and recovery codes: signing in takes only the password now.`,
              'Turn it on again once you are signed in, with a new authenticator.',
            ],
            closing: "If you didn't ask support for this, contact support and change your password at once.",
          }
        : {
            subject: 'two-factor sign-in turned off',
            lines: [`Two-factor sign-in was just turned off for your ${appName} account: signing in takes only the password now.`],
          };
    case 'recovery-codes-replaced':
      return {
        subject: 'two-factor recovery codes replaced',
        lines: [`New two-factor recovery codes were just made for your ${appName} account; the old ones no longer work.`],
      };
    case 'recovery-code-used': {
      const left = `${change.left} recovery code${change.left === 1 ? '' : 's'} left`;
      return {
        subject: `a two-factor recovery code was used (${left})`,
        lines: [
          `A recovery code was just used to sign in to your ${appName} account. Each code works once: you have ${left}.`,
          change.left <= 3 ? 'Make a new set soon (regenerateRecoveryCodes), before you run out.' : '',
        ].filter(Boolean),
      };
    }
  }
}
