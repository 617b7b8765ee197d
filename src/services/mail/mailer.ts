// Outgoing mail through nodemailer: SMTP when SMTP_URL is set, otherwise each message is written
// as an .eml file under DATA_DIR/mail so a developer can read it without a mail server.
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Logger } from '../../logger.ts';

export interface MailMessage {
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
      send: async (message) => void (await transport.sendMail(message)),
      close: () => transport.close(),
    };
  }
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }, { from: config.from });
  return {
    async send(message) {
      const info = await transport.sendMail(message);
      await mkdir(config.outboxDir, { recursive: true });
      const file = join(config.outboxDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}.eml`);
      await writeFile(file, info.message as Buffer, { mode: 0o600 });
      logger.info(`[mail] "${message.subject}" to ${message.to} written to ${file}`);
    },
    close: () => transport.close(),
  };
}
