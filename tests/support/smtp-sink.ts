// A real SMTP server on 127.0.0.1 (smtp-server) that keeps every mail it accepts, parsed with
// mailparser, so tests read what a user's mailbox would receive.
import { type AddressInfo, createServer } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  messageId: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  parsed: ParsedMail;
}

/**
 * How each mail of the contract's "Mails" table is told apart: by words its subject must contain.
 * signUp mails a verification code, so a test waiting for another mail names which one.
 */
export const MAIL = {
  resetCode: /password reset/i,
  passwordChanged: /password.*changed/i,
  verificationCode: /verify|verification/i,
  emailChangeCode: /confirm/i,
  emailChangeNotice: /^(?!.*confirm).*email.*change/i,
  newSignIn: /new sign-in/i,
  twoFactorNotice: /two-factor/i,
  passkeyNotice: /^(?!.*two-factor).*passkey/i,
} as const;

export interface SmtpSinkOptions {
  /** Hold every mail this long before accepting it: a slow mail server. */
  acceptDelayMs?: number;
  /** Refuse every mail with a permanent error (550), as a mail server that will not take it. */
  refuse?: boolean;
  /**
   * Hold every mail unanswered (the sender waits for the server's reply to DATA) until `release()`:
   * a mail server slower than anything, so "answered before the mail went out" is decided by the
   * test, not by a race between two clocks.
   */
  hold?: boolean;
  /** Answer the first this many mails `451` (try again later) after their DATA, then accept as usual. */
  tempFailures?: number;
  /** Refuse these recipients at RCPT TO with `550` (no such mailbox), and take mail for everyone else. */
  refuseRecipients?: string[];
  /** Listen on this port (a mail server coming back where it was); a free one otherwise. */
  port?: number;
}

export interface SmtpSink {
  /** `smtp://127.0.0.1:<port>`, for SMTP_URL. */
  url: string;
  readonly mails: ReceivedMail[];
  /** Mails received for one address, in arrival order; only those whose subject matches, if given. */
  mailsTo(address: string, subject?: RegExp): ReceivedMail[];
  /** Resolves with the `count`-th mail to `address` (1 = the first) whose subject matches, waiting up to `timeoutMs`. */
  waitForMail(address: string, count?: number, subject?: RegExp, timeoutMs?: number): Promise<ReceivedMail>;
  /** How many mails are being held (with `hold`), fully received but not yet accepted. */
  readonly held: number;
  /** Resolves once `count` mails are being held. */
  waitForHeld(count: number, timeoutMs?: number): Promise<void>;
  /** Accepts every held mail, and from now on every mail at once. */
  release(): void;
  /** Mails answered 451, and recipients refused at RCPT TO (one entry per attempt), in order. */
  readonly tempFailed: string[];
  readonly refused: string[];
  close(): Promise<void>;
}

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const mails: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  let holding = options.hold ?? false;
  const held: (() => void)[] = [];
  const tempFailed: string[] = [];
  const refused: string[] = [];
  const refuseRecipients = new Set((options.refuseRecipients ?? []).map((a) => a.toLowerCase()));

  const server = new SMTPServer({
    authOptional: true,
    // Plain SMTP on loopback: no certificate to trust in tests.
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (!refuseRecipients.has(address.address.toLowerCase())) return callback();
      refused.push(address.address.toLowerCase());
      callback(Object.assign(new Error('no such mailbox'), { responseCode: 550 }));
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          const finish = () => {
            if (options.refuse) {
              callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
              return;
            }
            if (tempFailed.length < (options.tempFailures ?? 0)) {
              tempFailed.push(parsed.messageId ?? '');
              callback(Object.assign(new Error('try again later'), { responseCode: 451 }));
              return;
            }
            mails.push({
              messageId: parsed.messageId ?? '',
              to: addresses(parsed),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              parsed,
            });
            for (const wake of waiters) wake();
            callback();
          };
          if (holding) {
            held.push(finish);
            for (const wake of waiters) wake();
          } else if (options.acceptDelayMs) setTimeout(finish, options.acceptDelayMs);
          else finish();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.server.address() as AddressInfo;

  const mailsTo = (address: string, subject?: RegExp) =>
    mails.filter((m) => m.to.includes(address.toLowerCase()) && (!subject || subject.test(m.subject)));

  /** Resolves with `found()`'s value once it has one; the timeout only turns a hang into a message. */
  function waitFor<T>(found: () => T | undefined, timeoutMs: number, failure: () => string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = found();
        if (value === undefined) return;
        cleanup();
        resolve(value);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(failure()));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  }

  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    mailsTo,
    waitForMail(address, count = 1, subject, timeoutMs = 20_000) {
      return waitFor(
        () => mailsTo(address, subject)[count - 1],
        timeoutMs,
        () => `no mail #${count} to ${address} within ${timeoutMs} ms (${mails.length} received in all)`,
      );
    },
    get held() {
      return held.length;
    },
    async waitForHeld(count, timeoutMs = 20_000) {
      await waitFor(
        () => (held.length >= count ? true : undefined),
        timeoutMs,
        () => `${held.length} of ${count} mails held after ${timeoutMs} ms`,
      );
    },
    release() {
      holding = false;
      for (const finish of held.splice(0)) finish();
    },
    tempFailed,
    refused,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function addresses(parsed: ParsedMail): string[] {
  const to = parsed.to === undefined ? [] : Array.isArray(parsed.to) ? parsed.to : [parsed.to];
  return to.flatMap((group) => group.value.map((a) => (a.address ?? '').toLowerCase()));
}

/** The numeric code in a reset mail's text. */
export function resetCodeIn(mail: ReceivedMail): string {
  const match = /reset code is: (\d+)/.exec(mail.text);
  if (!match?.[1]) throw new Error(`no reset code in mail "${mail.subject}":\n${mail.text}`);
  return match[1];
}

/** The numeric code of any code mail ("Your … code is: 123456"), checked to be in the HTML part too. */
export function codeIn(mail: ReceivedMail): string {
  const match = /code is: (\d+)/.exec(mail.text);
  if (!match?.[1]) throw new Error(`no code in mail "${mail.subject}":\n${mail.text}`);
  if (!mail.html.includes(match[1])) throw new Error(`the code of mail "${mail.subject}" is not in its HTML part`);
  return match[1];
}

/** An smtp:// URL on 127.0.0.1 where nothing listens: connections are refused at once (a mail server that is down). */
export async function unreachableSmtpUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `smtp://127.0.0.1:${port}`;
}
