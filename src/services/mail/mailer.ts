// The last step of every mail: nodemailer hands it to the SMTP server when SMTP_URL is set, or
// writes it as an .eml file under DATA_DIR/mail so a developer reads it without a mail server.
// Nothing calls this but the outbox's sender (./mail-sender.ts): services queue mail, never send it.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Logger } from '../../logger.ts';

/** Every mail of the contract's "Mails" table, for the counters; `other` otherwise. */
export const MAIL_KINDS = [
  'password_reset',
  'password_changed',
  'verification',
  'email_change_code',
  'email_change_notice',
  'new_sign_in',
  'two_factor',
  'passkey',
  'sign_in_method',
  'invitation',
  'account_notice',
  'other',
] as const;
export type MailKind = (typeof MAIL_KINDS)[number];

export interface MailMessage {
  kind: MailKind;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface MailTransport {
  /** Rejects with nodemailer's error (its `responseCode` and `command` say what refused). */
  send(message: MailMessage, messageId: string): Promise<void>;
  close(): void;
}

export interface MailTransportConfig {
  smtpUrl: string | undefined;
  from: string;
  /** Where .eml files go when there is no SMTP server. */
  outboxDir: string;
}

export function createMailTransport(config: MailTransportConfig, logger: Logger): MailTransport {
  const content = ({ to, subject, text, html }: MailMessage, messageId: string) => ({ to, subject, text, html, messageId });
  if (config.smtpUrl) {
    // Bounded waits, all well inside the outbox's 60-second claim: a mail server that does not
    // answer must not hold a mail (and shutdown) for minutes.
    const transport = nodemailer.createTransport(
      { url: config.smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 },
      { from: config.from },
    );
    return {
      send: async (message, messageId) => void (await transport.sendMail(content(message, messageId))),
      close: () => transport.close(),
    };
  }
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }, { from: config.from });
  return {
    async send(message, messageId) {
      const info = await transport.sendMail(content(message, messageId));
      await mkdir(config.outboxDir, { recursive: true });
      // Time first, so the names sort in the order the mails went out.
      const file = join(config.outboxDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${messageId.slice(1, 9)}.eml`);
      await writeFile(file, info.message as Buffer, { mode: 0o600 });
      logger.info(`[mail] "${message.subject}" written to ${file}`, { to: message.to });
    },
    close: () => transport.close(),
  };
}

/** `<id@domain>`, the domain taken from MAIL_FROM's address: stable across retries, so duplicates are recognisable. */
export function messageIdFor(id: string, from: string): string {
  const domain = /@([^\s>]+)/.exec(from)?.[1] ?? 'localhost';
  return `<${id}@${domain}>`;
}
