// The last step of an ENCRYPTION_KEY rotation (scripts/reencrypt-secrets.ts): every stored
// authenticator secret still sealed under ENCRYPTION_KEY_PREVIOUS is re-sealed under the current
// key, so the previous key can be dropped without locking out accounts that did not sign in meanwhile.
import type { PrismaClient } from '../../generated/prisma/client.ts';
import type { SecretBox } from './secret-box.ts';

export interface ReencryptionReport {
  /** Re-sealed under the current key. */
  reencrypted: number;
  /** Already under the current key. */
  current: number;
  /** Open with neither key: their owners cannot use two-factor until an operator finds the key. */
  unreadable: string[];
}

export async function reencryptSecrets(prisma: PrismaClient, box: SecretBox): Promise<ReencryptionReport> {
  const report: ReencryptionReport = { reencrypted: 0, current: 0, unreadable: [] };
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
  return report;
}
