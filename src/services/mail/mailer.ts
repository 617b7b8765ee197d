// Outgoing mail through nodemailer: SMTP when SMTP_URL is set, otherwise each message is written
// as an .eml file under DATA_DIR/mail so a developer can read it without a mail server.
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Logger } from '../../logger.ts';

/** Every mail of the contract's "Mails" table, for the sent/failed counters; `other` otherwise. */
export const MAIL_KINDS = [
  'password_reset',
  'password_changed',
  'verification',
  'email_change_code',
  'email_change_notice',
  'new_sign_in',
  'two_factor',
  'other',
] as const;
export type MailKind = (typeof MAIL_KINDS)[number];

export interface MailMessage {
  kind?: MailKind;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): void;
}

export interface MailerConfig {
  smtpUrl: string | undefined;
  from: string;
  /** Where .eml files go when there is no SMTP server. */
  outboxDir: string;
}

export function createMailer(config: MailerConfig, logger: Logger): Mailer {
  if (config.smtpUrl) {
    // Bounded waits: a mail server that does not answer must not hold mail (and shutdown) for minutes.
    const transport = nodemailer.createTransport(
      { url: config.smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 },
      { from: config.from },
    );
    return {
      send: async ({ kind: _kind, ...mail }) => void (await transport.sendMail(mail)),
      close: () => transport.close(),
    };
  }
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }, { from: config.from });
  return {
    async send(message) {
      const { kind: _kind, ...mail } = message;
      const info = await transport.sendMail(mail);
      await mkdir(config.outboxDir, { recursive: true });
      const file = join(config.outboxDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}.eml`);
      await writeFile(file, info.message as Buffer, { mode: 0o600 });
      logger.info(`[mail] "${message.subject}" written to ${file}`, { to: message.to });
    },
    close: () => transport.close(),
  };
}
