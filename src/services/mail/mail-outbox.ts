// The transactional outbox (contract, "Delivery: no mail is lost"): a mail is a row written in the
// same transaction as the change that causes it, so the two commit together or not at all, and a
// process that dies after its answer leaves the mail for the next one. The sender
// (./mail-sender.ts) reads the rows; services only ever write them, through `transaction`.
import { randomUUID } from 'node:crypto';
import type { Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import type { Caller } from '../caller.ts';
import type { CodeRef } from '../codes/one-time-codes.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { MailKind, MailMessage } from './mailer.ts';

/** A sender's claim on a mail lapses after this: a send takes at most 50 s (the transport's timeouts), so only a dead sender's claim lapses. */
export const CLAIM_SECONDS = 60;

/**
 * A mail the sender composes when it takes the row, in a transaction of its own: for sendMail,
 * whose answer must not depend on whether the address has an account. Queuing it costs the same
 * single insert for every address, and it is as durable as any mail.
 */
export type DeferredMail = { task: 'password-reset'; email: string; caller: Pick<Caller, 'ip' | 'userAgent'> };

/** What a row's sealed payload holds. */
export type OutboxPayload = { message: MailMessage } | { deferred: DeferredMail };

export interface MailQueue {
  /**
   * Queues `message`. With `code`, it replaces any unsent mail of an earlier code of the same
   * account and purpose, and is dropped rather than sent late once that code is no longer live.
   */
  add(message: MailMessage, code?: CodeRef): Promise<void>;
}

/** A mail just written by `prepare`, claimed by the sender that wrote it. */
export interface PreparedMail {
  id: string;
  kind: MailKind;
  message: MailMessage;
  attempts: number;
  createdAt: Date;
}

export interface MailOutbox {
  /** Runs `work` in one transaction; the mails it queues commit with it, and the sender is woken after. */
  transaction<T>(work: (tx: Prisma.TransactionClient, mail: MailQueue) => Promise<T>): Promise<T>;
  /** Queues a mail the sender composes later (see DeferredMail): one insert, no transaction. */
  later(kind: MailKind, deferred: DeferredMail): Promise<void>;
  /**
   * For the sender: runs `work` in one transaction like `transaction`, but its mails are written
   * already claimed with `claimToken`, and returned to be sent at once (their codes were just issued).
   */
  prepare(claimToken: string, work: (tx: Prisma.TransactionClient, mail: MailQueue) => Promise<void>): Promise<PreparedMail[]>;
  /** `listener` runs after every commit that queued mail (the sender's wake-up). */
  onQueued(listener: () => void): void;
  /** A row's payload, and whether it was sealed under the previous key; null if it opens with neither. */
  open(row: { id: string; payload: string }): { payload: OutboxPayload; stale: boolean } | null;
  seal(id: string, payload: OutboxPayload): string;
}

export function createMailOutbox(deps: { prisma: PrismaClient; box: SecretBox }): MailOutbox {
  const { prisma, box } = deps;
  const listeners: (() => void)[] = [];
  // Bound to the row id: a payload copied onto another row does not open.
  const boundTo = (id: string) => `mail-outbox:${id}`;
  const seal = (id: string, payload: OutboxPayload) => box.seal(JSON.stringify(payload), boundTo(id));

  const wake = () => {
    for (const listener of listeners) listener();
  };

  /** A queue writing in `tx`; what it wrote is appended to `written`, claimed with `claimToken` when given. */
  function queueIn(tx: Prisma.TransactionClient, written: PreparedMail[], claimToken?: string): MailQueue {
    const claim = claimToken ? { claimToken, claimedUntil: new Date(Date.now() + CLAIM_SECONDS * 1000) } : {};
    return {
      async add(message, code) {
        if (code) await tx.outboxMail.deleteMany({ where: { codeUserId: code.userId, codePurpose: code.purpose } });
        const id = randomUUID();
        const { createdAt } = await tx.outboxMail.create({
          data: { id, kind: message.kind, payload: seal(id, { message }), codeUserId: code?.userId, codePurpose: code?.purpose, codeHash: code?.codeHash, ...claim },
          select: { createdAt: true },
        });
        written.push({ id, kind: message.kind, message, attempts: 0, createdAt });
      },
    };
  }

  return {
    async transaction(work) {
      const written: PreparedMail[] = [];
      const result = await prisma.$transaction((tx) => work(tx, queueIn(tx, written)));
      if (written.length > 0) wake();
      return result;
    },
    async later(kind, deferred) {
      const id = randomUUID();
      await prisma.outboxMail.create({ data: { id, kind, payload: seal(id, { deferred }) }, select: { id: true } });
      wake();
    },
    async prepare(claimToken, work) {
      const written: PreparedMail[] = [];
      await prisma.$transaction((tx) => work(tx, queueIn(tx, written, claimToken)));
      return written;
    },
    onQueued: (listener) => void listeners.push(listener),
    open(row) {
      const opened = box.open(row.payload, boundTo(row.id));
      return opened ? { payload: JSON.parse(opened.plain) as OutboxPayload, stale: opened.stale } : null;
    },
    seal,
  };
}
