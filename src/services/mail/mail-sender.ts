// Sends what the outbox holds (./mail-outbox.ts). Each mail is claimed by one sender at a time (a
// row lock with SKIP LOCKED while claiming, then a claim that lapses after 60 s, so a process that
// dies mid-send holds nothing for long), sent with a Message-ID that stays the same across retries,
// and deleted once sent, given up or dropped. Woken right after a commit that queued mail, and on a
// timer for retries and for mail a dead process left.
import { randomUUID } from 'node:crypto';
import type { Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import type { LogFields, Logger } from '../../logger.ts';
import type { BackgroundTasks } from '../background-tasks.ts';
import { classifyFailure, retryDelaySeconds } from './delivery-failure.ts';
import type { CodeRef } from '../codes/one-time-codes.ts';
import { CLAIM_SECONDS, type DeferredMail, type MailOutbox, type MailQueue } from './mail-outbox.ts';
import { MAIL_KINDS, type MailKind, type MailMessage, type MailTransport, messageIdFor } from './mailer.ts';

export const MAIL_RESULTS = ['sent', 'retried', 'failed', 'dropped'] as const;
export type MailResult = (typeof MAIL_RESULTS)[number];

export interface MailSenderConfig {
  from: string;
  retryBaseSeconds: number;
  retryHours: number;
  concurrency: number;
}

export interface MailSender {
  /** Looks for due mail now. */
  wake(): void;
  /** Stops claiming mail; sends in flight go on (BackgroundTasks.drain waits for them). */
  stop(): void;
  /** After stop and the drain: closes the connection to the mail server. */
  close(): void;
  /** Mails waiting or being sent, and the age of the oldest (0 when none), for the gauges. */
  backlog(): Promise<{ pending: number; oldestSeconds: number }>;
}

/** Between looks for mail nobody woke this process for: another instance's retries, a dead process's mail. */
const POLL_SECONDS = 10;

/** What sending and its outcome need of a claimed mail. */
interface ClaimedMail {
  id: string;
  kind: MailKind;
  attempts: number;
  createdAt: Date;
}

interface ClaimedRow {
  id: string;
  kind: string;
  payload: string;
  codeUserId: string | null;
  codePurpose: string | null;
  codeHash: string | null;
  attempts: number;
  createdAt: Date;
}

export function createMailSender(deps: {
  prisma: PrismaClient;
  outbox: MailOutbox;
  transport: MailTransport;
  /** Whether the code a mail carries can still be used: if not, the mail is dropped. */
  codeIsLive: (code: CodeRef) => Promise<boolean>;
  /** Composes a deferred mail inside the sender's transaction (see DeferredMail). */
  prepare: (deferred: DeferredMail, tx: Prisma.TransactionClient, mail: MailQueue) => Promise<void>;
  background: BackgroundTasks;
  logger: Logger;
  count: (kind: MailKind, result: MailResult) => void;
  config: MailSenderConfig;
}): MailSender {
  const { prisma, outbox, transport, background, logger, config } = deps;
  let workers = 0;
  let wakes = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  // Set by the first transient failure, cleared by the next mail sent: an outage is two log lines.
  let outage = false;

  const kindOf = (row: ClaimedRow): MailKind => (MAIL_KINDS as readonly string[]).includes(row.kind) ? (row.kind as MailKind) : 'other';

  async function claim(token: string): Promise<ClaimedRow | undefined> {
    const [row] = await prisma.$queryRaw<ClaimedRow[]>`
      UPDATE mail_outbox SET claimed_until = now() + make_interval(secs => ${CLAIM_SECONDS}), claim_token = ${token}::uuid
      WHERE id = (
        SELECT id FROM mail_outbox
        WHERE next_attempt_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
        ORDER BY next_attempt_at
        LIMIT 1
        FOR UPDATE SKIP LOCKED
      )
      RETURNING id, kind, payload, code_user_id AS "codeUserId", code_purpose AS "codePurpose", code_hash AS "codeHash", attempts, created_at AS "createdAt"`;
    return row;
  }

  /** Ends the mail's life in the outbox; false when the claim had lapsed and another sender holds it now. */
  const remove = async (row: { id: string }, token: string) => (await prisma.outboxMail.deleteMany({ where: { id: row.id, claimToken: token } })).count === 1;

  /** A mail that will not be sent: deleted, then counted and logged, unless another sender had taken it meanwhile. */
  async function retire(mail: ClaimedMail, token: string, result: 'failed' | 'dropped', message: string, fields: LogFields = {}, level: 'warn' | 'error' = 'warn') {
    if (!(await remove(mail, token))) return;
    deps.count(mail.kind, result);
    logger[level](message, { kind: mail.kind, mailId: mail.id, ...fields });
  }

  async function deliver(row: ClaimedRow, token: string): Promise<void> {
    const mail: ClaimedMail = { id: row.id, kind: kindOf(row), attempts: row.attempts, createdAt: row.createdAt };
    const opened = outbox.open(row);
    // Only a lost ENCRYPTION_KEY gets here: no retry can read it.
    if (!opened) return retire(mail, token, 'failed', '[mail] a queued mail does not decrypt (ENCRYPTION_KEY changed without ENCRYPTION_KEY_PREVIOUS?): given up', {}, 'error');
    const { payload } = opened;
    if ('deferred' in payload) {
      // Replaced by the mail it stands for (or by nothing, for an address without an account),
      // in one transaction: a crash leaves either the request or its mail. The mail is written
      // claimed by this sender, and sent at once: its code was issued a moment ago.
      const prepared = await outbox.prepare(token, async (tx, queue) => {
        if ((await tx.outboxMail.deleteMany({ where: { id: row.id, claimToken: token } })).count === 1) await deps.prepare(payload.deferred, tx, queue);
      });
      for (const next of prepared) await send(next, next.message, token);
      return;
    }
    const code = codeOf(row);
    if (code && !(await deps.codeIsLive(code))) return retire(mail, token, 'dropped', '[mail] dropped: its code expired, was used or was replaced before it could be sent');
    await send(mail, payload.message, token);
  }

  async function send(mail: ClaimedMail, message: MailMessage, token: string): Promise<void> {
    try {
      await transport.send(message, messageIdFor(mail.id, config.from));
    } catch (error) {
      await failed(mail, token, error);
      return;
    }
    deps.count(mail.kind, 'sent');
    await remove(mail, token);
    if (outage) {
      outage = false;
      logger.warn('[mail] the mail server takes mail again: sending what waited in the outbox');
    }
  }

  async function failed(row: ClaimedMail, token: string, error: unknown): Promise<void> {
    const failure = classifyFailure(error);
    if (failure.permanent) return retire(row, token, 'failed', '[mail] refused by the mail server: given up', { reason: failure.reason });
    if (!outage) {
      outage = true;
      logger.warn('[mail] the mail server cannot take mail for now: mails wait in the outbox and are retried', { reason: failure.reason });
    }
    const waitSeconds = retryDelaySeconds(row.attempts + 1, config.retryBaseSeconds);
    const deadline = row.createdAt.getTime() + config.retryHours * 3_600_000;
    if (Date.now() + waitSeconds * 1000 > deadline) {
      return retire(row, token, 'failed', `[mail] not sent within MAIL_RETRY_HOURS (${config.retryHours}): given up`, { reason: failure.reason });
    }
    const updated = await prisma.$executeRaw`
      UPDATE mail_outbox
      SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => ${waitSeconds}), claimed_until = NULL, claim_token = NULL
      WHERE id = ${row.id}::uuid AND claim_token = ${token}::uuid`;
    if (updated === 1) deps.count(row.kind, 'retried');
  }

  async function work(): Promise<void> {
    try {
      while (!stopped) {
        const seen = wakes;
        const token = randomUUID();
        const row = await claim(token);
        if (row) await deliver(row, token);
        // Nothing due: done, unless a commit woke the sender while this claim was looking.
        else if (wakes === seen) break;
      }
    } finally {
      workers -= 1;
      if (workers === 0 && !stopped) background.run('mail-outbox', scheduleNext);
    }
  }

  /** The timer for the next mail that falls due (a retry), or the poll. */
  async function scheduleNext(): Promise<void> {
    let dueInSeconds = POLL_SECONDS;
    try {
      const [next] = await prisma.$queryRaw<{ dueIn: number | null }[]>`
        SELECT EXTRACT(EPOCH FROM min(GREATEST(next_attempt_at, COALESCE(claimed_until, next_attempt_at))) - now())::float8 AS "dueIn"
        FROM mail_outbox`;
      if (next?.dueIn != null) dueInSeconds = Math.min(POLL_SECONDS, Math.max(0, next.dueIn));
    } finally {
      if (!stopped && workers === 0) {
        clearTimeout(timer);
        timer = setTimeout(wake, dueInSeconds * 1000);
        timer.unref();
      }
    }
  }

  function stop(): void {
    stopped = true;
    clearTimeout(timer);
  }

  function wake(): void {
    wakes += 1;
    if (stopped) return;
    clearTimeout(timer);
    while (workers < config.concurrency) {
      workers += 1;
      background.run('mail-outbox', work);
    }
  }

  return {
    wake,
    stop,
    close() {
      stop();
      transport.close();
    },
    async backlog() {
      const [row] = await prisma.$queryRaw<{ pending: number; oldestSeconds: number }[]>`
        SELECT count(*)::int AS pending, COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS "oldestSeconds"
        FROM mail_outbox`;
      return row ?? { pending: 0, oldestSeconds: 0 };
    },
  };
}

function codeOf(row: ClaimedRow): CodeRef | undefined {
  if (!row.codeUserId || !row.codePurpose || !row.codeHash) return undefined;
  return { userId: row.codeUserId, purpose: row.codePurpose as CodeRef['purpose'], codeHash: row.codeHash };
}
