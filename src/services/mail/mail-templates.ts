// The mails the service sends, as plain text and HTML. What a client sent (a user agent, an
// address) goes in as plain text: control characters dropped from the text part, and the HTML
// escapes everything it includes.
import type { Caller } from '../caller.ts';
import type { MailKind, MailMessage } from './mailer.ts';

/** One paragraph: plain text, or a labelled code ("Your reset code is: 123456"), shown large in HTML. */
type Block = string | { label: string; code: string };

export function resetCodeMail(to: string, appName: string, code: string, ttlSeconds: number): MailMessage {
  return composeMail('password_reset', to, appName, `${appName}: your password reset code`, [
    `Someone asked to reset the password of your ${appName} account.`,
    { label: 'Your reset code is:', code },
    `It expires in ${duration(ttlSeconds)} and works once.`,
    "If you didn't ask for this, ignore this mail: your password stays as it is.",
  ]);
}

/** forcePasswordReset's code: the reset code of sendMail, asked for by support rather than by the user. */
export function supportResetCodeMail(to: string, appName: string, code: string, ttlSeconds: number, passwordInvalidated: boolean): MailMessage {
  return composeMail('password_reset', to, appName, `${appName}: your password reset code`, [
    passwordInvalidated
      ? `Support reset the password of your ${appName} account: the old one no longer works, and every session was signed out. Choose a new one with the code below.`
      : `Support asked for a new password for your ${appName} account. Choose one with the code below; until then your password stays as it is.`,
    { label: 'Your reset code is:', code },
    `It expires in ${duration(ttlSeconds)} and works once. Enter it where you would after "forgot password", with this address and your new password.`,
    "If you didn't ask support for this, contact them: your account is safe as long as nobody else reads this mail.",
  ]);
}

/**
 * createUser's and sendInvitation's mail: an account made by an operator, without a password. The
 * code is a reset code with a longer life; the user accepts with resetPassword (email, code, new password).
 */
export function invitationMail(to: string, appName: string, code: string, ttlSeconds: number): MailMessage {
  return composeMail('invitation', to, appName, `${appName}: your invitation`, [
    `An account at ${appName} was made for you with this address. To accept, choose your password with the code below.`,
    { label: 'Your invitation code is:', code },
    `It expires in ${duration(ttlSeconds)} and works once. Enter it with this address where the app asks for a reset code, and choose your password; then sign in.`,
    "If you didn't expect this, ignore this mail: without the code, nobody can set a password for the account.",
  ]);
}

/** An operator disabled the account. The reason is for operators only: never in the mail. */
export function accountDisabledMail(to: string, appName: string, until: Date | null): MailMessage {
  return composeMail('account_notice', to, appName, `${appName}: your account was disabled`, [
    until
      ? `Support disabled your ${appName} account until ${until.toISOString()}: until then it cannot be signed in to.`
      : `Support disabled your ${appName} account: it cannot be signed in to until support enables it again.`,
    'Every session was signed out, and codes mailed before no longer work.',
    'Contact support to know more.',
  ]);
}

export function accountEnabledMail(to: string, appName: string): MailMessage {
  return composeMail('account_notice', to, appName, `${appName}: your account was enabled again`, [
    `Support enabled your ${appName} account again: you can sign in as before.`,
    'Sessions signed out when it was disabled stay signed out: sign in again.',
  ]);
}

/** Sent to the address the account had, after an operator removed it. */
export function accountDeletedMail(to: string, appName: string): MailMessage {
  return composeMail('account_notice', to, appName, `${appName}: your account was deleted`, [
    `Support deleted your ${appName} account with everything it held: it can no longer be signed in to.`,
    'This address is free again: you can sign up with it anew.',
    'Contact support to know more.',
  ]);
}

export function passwordChangedMail(to: string, appName: string, how: 'reset' | 'change'): MailMessage {
  const what =
    how === 'reset'
      ? `The password of your ${appName} account was just changed with a reset code, and every session was signed out.`
      : `The password of your ${appName} account was just changed from a signed-in session, and every other session was signed out.`;
  return composeMail('password_changed', to, appName, `${appName}: your password was changed`, [
    what,
    "If this wasn't you, ask for a new reset code at once and choose a new password.",
  ]);
}

export function verificationCodeMail(to: string, appName: string, code: string, ttlSeconds: number): MailMessage {
  return composeMail('verification', to, appName, `${appName}: verify your email address`, [
    `To verify this address for your ${appName} account, enter the code below.`,
    { label: 'Your verification code is:', code },
    `It expires in ${duration(ttlSeconds)} and works once.`,
    "If you didn't sign up, ignore this mail.",
  ]);
}

export function emailChangeCodeMail(to: string, appName: string, code: string, ttlSeconds: number): MailMessage {
  return composeMail('email_change_code', to, appName, `${appName}: confirm your new address`, [
    `Someone asked to move a ${appName} account to this address. To make it the account's address, enter the code below.`,
    { label: 'Your confirmation code is:', code },
    `It expires in ${duration(ttlSeconds)} and works once.`,
    "If you didn't ask for this, ignore this mail: nothing changes.",
  ]);
}

export function emailChangeRequestedMail(to: string, appName: string, newEmail: string): MailMessage {
  return composeMail('email_change_notice', to, appName, `${appName}: email change requested`, [
    `Someone signed in to your ${appName} account asked to change its address from this one to ${plain(newEmail)}.`,
    'Nothing changes until the code mailed to the new address is entered.',
    "If this wasn't you, reset your password at once: whoever asked knows it.",
  ]);
}

export function emailChangedMail(to: string, appName: string, newEmail: string): MailMessage {
  return composeMail('email_change_notice', to, appName, `${appName}: your email address was changed`, [
    `The address of your ${appName} account was changed from this one to ${plain(newEmail)}, and every other session was signed out.`,
    "If this wasn't you, contact support: this address no longer signs in to the account.",
  ]);
}

export function newSignInMail(to: string, appName: string, caller: Caller, at: Date): MailMessage {
  return composeMail('new_sign_in', to, appName, `${appName}: new sign-in to your account`, [
    `Your ${appName} account was just signed in to from a browser or address it has not used recently.`,
    `When: ${at.toISOString()}`,
    `Address: ${plain(caller.ip)}`,
    `Browser: ${plain(caller.userAgent ?? 'unknown')}`,
    "If this was you, there is nothing to do. If it wasn't, change your password and sign out your other sessions.",
  ]);
}

/** A mail of paragraphs, in both parts; feature-specific notices (two-factor, passkeys) use it too. */
export function composeMail(kind: MailKind, to: string, appName: string, subject: string, blocks: Block[]): MailMessage {
  return {
    kind,
    to,
    subject,
    text: blocks.map((b) => (typeof b === 'string' ? b : `${b.label} ${b.code}`)).join('\n\n'),
    html: page(
      appName,
      blocks.map((b) =>
        typeof b === 'string'
          ? `<p>${escape(b)}</p>`
          : `<p>${escape(b.label)}</p><p style="font-size:24px;font-weight:bold;letter-spacing:4px">${escape(b.code)}</p>`,
      ),
    ),
  };
}

/** A value a client sent, as one line of plain text: no line breaks or other control characters. */
export function plain(value: string): string {
  return value.replace(/\p{Cc}/gu, ' ');
}

// Never more than the real lifetime: rounding 90 seconds up to "2 minutes" (or 20 down to "0
// minutes") would promise a code that is already dead.
function duration(seconds: number): string {
  const [amount, unit] =
    seconds % 86_400 === 0
      ? [seconds / 86_400, 'day']
      : seconds % 3600 === 0
        ? [seconds / 3600, 'hour']
        : seconds % 60 === 0
          ? [seconds / 60, 'minute']
          : [seconds, 'second'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}

export function page(title: string, paragraphs: string[]): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title></head><body>${paragraphs.join('')}</body></html>`;
}

export function escape(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
