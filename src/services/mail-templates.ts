// The mails the service sends, as plain text and HTML. Nothing user-typed goes into them but the
// address they are sent to, and the HTML escapes whatever it includes anyway.
import type { MailMessage } from './mailer.ts';

export function resetCodeMail(to: string, appName: string, code: string, ttlSeconds: number): MailMessage {
  const lifetime = duration(ttlSeconds);
  const lines = [
    `Someone asked to reset the password of your ${appName} account.`,
    '',
    `Your reset code is: ${code}`,
    '',
    `It expires in ${lifetime} and works once.`,
    "If you didn't ask for this, ignore this mail: your password stays as it is.",
  ];
  return {
    kind: 'password_reset',
    to,
    subject: `${appName}: your password reset code`,
    text: lines.join('\n'),
    html: page(appName, [
      `<p>Someone asked to reset the password of your ${escape(appName)} account.</p>`,
      `<p>Your reset code is:</p><p style="font-size:24px;font-weight:bold;letter-spacing:4px">${escape(code)}</p>`,
      `<p>It expires in ${lifetime} and works once.</p>`,
      "<p>If you didn't ask for this, ignore this mail: your password stays as it is.</p>",
    ]),
  };
}

export function passwordChangedMail(to: string, appName: string): MailMessage {
  const lines = [
    `The password of your ${appName} account was just changed with a reset code, and every session was signed out.`,
    '',
    "If this wasn't you, ask for a new reset code at once and choose a new password.",
  ];
  return {
    kind: 'password_changed',
    to,
    subject: `${appName}: your password was changed`,
    text: lines.join('\n'),
    html: page(appName, lines.filter(Boolean).map((line) => `<p>${escape(line)}</p>`)),
  };
}

// Never more than the real lifetime: rounding 90 seconds up to "2 minutes" (or 20 down to "0
// minutes") would promise a code that is already dead.
function duration(seconds: number): string {
  const [amount, unit] = seconds % 60 === 0 ? [seconds / 60, 'minute'] : [seconds, 'second'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}

function page(title: string, paragraphs: string[]): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title></head><body>${paragraphs.join('')}</body></html>`;
}

function escape(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
