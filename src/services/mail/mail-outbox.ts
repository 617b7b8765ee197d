// The transactional outbox (contract, "Delivery: no mail is lost"): a mail is a row written in the
// same transaction as the change that causes it, so the two commit together or not at all, and a
// process that dies after its answer leaves the mail for the next one. The sender
// (./mail-sender.ts) reads the rows; services only ever write them, through `transaction`.
import { randomUUID } from 'node:crypto';
import type { Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import type { Caller } from '../caller.ts';
import type { CodePurpose } from '../codes/one-time-codes.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { MailKind, MailMessage } from './mailer.ts';

/** The one-time code a mail carries: the mail goes only while that code is live. */
export interface CodeRef {
  userId: string;
  purpose: CodePurpose;
  codeHash: string;
}

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
  /** Queues a mail composed later by the sender (see DeferredMail). */
  later(kind: MailKind, deferred: DeferredMail): Promise<void>;
}

export interface MailOutbox {
  /** Runs `work` in one transaction; the mails it queues commit with it, and the sender is woken after. */
  transaction<T>(work: (tx: Prisma.TransactionClient, mail: MailQueue) => Promise<T>): Promise<T>;
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

  function queueIn(tx: Prisma.TransactionClient, counter: { queued: number }): MailQueue {
    const insert = async (kind: MailKind, payload: OutboxPayload, code?: CodeRef) => {
      const id = randomUUID();
      await tx.outboxMail.create({
        data: { id, kind, payload: seal(id, payload), codeUserId: code?.userId, codePurpose: code?.purpose, codeHash: code?.codeHash },
      });
      counter.queued += 1;
    };
    return {
      async add(message, code) {
        if (code) await tx.outboxMail.deleteMany({ where: { codeUserId: code.userId, codePurpose: code.purpose } });
        await insert(message.kind, { message }, code);
      },
      later: (kind, deferred) => insert(kind, { deferred }),
    };
  }

  return {
    async transaction(work) {
      const counter = { queued: 0 };
      const result = await prisma.$transaction((tx) => work(tx, queueIn(tx, counter)));
      if (counter.queued > 0) for (const listener of listeners) listener();
      return result;
    },
    onQueued: (listener) => void listeners.push(listener),
    open(row) {
      const opened = box.open(row.payload, boundTo(row.id));
      return opened ? { payload: JSON.parse(opened.plain) as OutboxPayload, stale: opened.stale } : null;
    },
    seal,
  };
}
