// The last step of an ENCRYPTION_KEY rotation (scripts/reencrypt-secrets.ts): every stored
// authenticator secret, queued mail, kept provider token and pending provider flow still sealed under
// ENCRYPTION_KEY_PREVIOUS is re-sealed under the current key, so the previous key can be dropped
// without locking out accounts that did not sign in meanwhile, losing mail still waiting for its
// retry, or Apple tokens that must be revoked.
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
  /** Kept provider tokens (Apple's) and pending provider flows re-sealed under the current key. */
  providerSecretsReencrypted: number;
}

export async function reencryptSecrets(prisma: PrismaClient, box: SecretBox): Promise<ReencryptionReport> {
  const report: ReencryptionReport = { reencrypted: 0, current: 0, unreadable: [], mailsReencrypted: 0, providerSecretsReencrypted: 0 };
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
  // Each only if unchanged meanwhile, like the secrets above.
  for (const row of await prisma.identity.findMany({ where: { refreshTokenEncrypted: { not: null } }, select: { id: true, refreshTokenEncrypted: true } })) {
    const opened = box.open(row.refreshTokenEncrypted!, row.id);
    if (!opened?.stale) continue;
    const data = { refreshTokenEncrypted: box.seal(opened.plain, row.id) };
    report.providerSecretsReencrypted += (await prisma.identity.updateMany({ where: { id: row.id, refreshTokenEncrypted: row.refreshTokenEncrypted }, data })).count;
  }
  for (const row of await prisma.providerFlow.findMany({ select: { stateHash: true, sealed: true } })) {
    const opened = box.open(row.sealed, row.stateHash);
    if (!opened?.stale) continue;
    const data = { sealed: box.seal(opened.plain, row.stateHash) };
    report.providerSecretsReencrypted += (await prisma.providerFlow.updateMany({ where: { stateHash: row.stateHash, sealed: row.sealed }, data })).count;
  }
  return report;
}
