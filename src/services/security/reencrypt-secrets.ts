// The last step of an ENCRYPTION_KEY rotation (scripts/reencrypt-secrets.ts): every stored
// authenticator secret and queued mail still sealed under ENCRYPTION_KEY_PREVIOUS is re-sealed under
// the current key, so the previous key can be dropped without locking out accounts that did not sign
// in meanwhile, or losing mail still waiting for its retry.
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { createMailOutbox } from '../mail/mail-outbox.ts';
import type { SecretBox } from './secret-box.ts';

export interface ReencryptionReport {
  /** Re-sealed under the current key. */
  reencrypted: number;
  /** Already under the current key. */
  current: number;
  /** Open with neither key: their owners cannot use two-factor until an operator finds the key. */
  unreadable: string[];
  /** Queued mails re-sealed under the current key. */
  mailsReencrypted: number;
}

export async function reencryptSecrets(prisma: PrismaClient, box: SecretBox): Promise<ReencryptionReport> {
  const report: ReencryptionReport = { reencrypted: 0, current: 0, unreadable: [], mailsReencrypted: 0 };
  const rows = await prisma.twoFactorCredential.findMany({ select: { userId: true, secretEncrypted: true } });
  for (const row of rows) {
    const opened = box.open(row.secretEncrypted, row.userId);
    if (!opened) report.unreadable.push(row.userId);
    else if (!opened.stale) report.current += 1;
    else {
      // Only if unchanged meanwhile: a concurrent setup or re-seal on use wins.
      const { count } = await prisma.twoFactorCredential.updateMany({
        where: { userId: row.userId, secretEncrypted: row.secretEncrypted },
        data: { secretEncrypted: box.seal(opened.plain, row.userId) },
      });
      report.reencrypted += count;
    }
  }
  const outbox = createMailOutbox({ prisma, box });
  for (const row of await prisma.outboxMail.findMany({ select: { id: true, payload: true } })) {
    const opened = outbox.open(row);
    // One that opens with neither key is given up by the sender, which logs it.
    if (!opened?.stale) continue;
    const { count } = await prisma.outboxMail.updateMany({ where: { id: row.id, payload: row.payload }, data: { payload: outbox.seal(row.id, opened.payload) } });
    report.mailsReencrypted += count;
  }
  return report;
}
