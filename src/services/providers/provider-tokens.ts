// Apple asks apps to revoke its token when a user unlinks Sign in with Apple or deletes the account
// (the only provider token kept: sealed under ENCRYPTION_KEY, bound to the identity's id). Done
// after the answer, best effort: a provider outage must not keep a user from leaving.
import type { Identity, PrismaClient } from '../../generated/prisma/client.ts';
import type { BackgroundTasks } from '../background-tasks.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { ProviderClient } from './provider-clients.ts';

export interface ProviderTokens {
  /** Schedules the revocation of the identity's kept token, if it has one. */
  revokeLater(identity: Pick<Identity, 'id' | 'provider' | 'refreshTokenEncrypted'>): void;
  /** Reads the account's kept tokens before it is deleted; the returned function schedules their revocation. */
  beforeDeletion(userId: string): Promise<() => void>;
}

export function createProviderTokens(deps: { prisma: PrismaClient; box: SecretBox; clients: Map<string, ProviderClient>; background: BackgroundTasks }): ProviderTokens {
  const { prisma, box, clients, background } = deps;
  const tokens = {
    revokeLater(identity: Pick<Identity, 'id' | 'provider' | 'refreshTokenEncrypted'>) {
      const client = clients.get(identity.provider);
      const token = identity.refreshTokenEncrypted ? box.open(identity.refreshTokenEncrypted, identity.id)?.plain : undefined;
      const revoke = client?.revoke?.bind(client);
      if (revoke && token) background.run('provider-token-revocation', () => revoke(token));
    },
    async beforeDeletion(userId: string) {
      const kept = await prisma.identity.findMany({
        where: { userId, refreshTokenEncrypted: { not: null } },
        select: { id: true, provider: true, refreshTokenEncrypted: true },
      });
      return () => kept.forEach((identity) => tokens.revokeLater(identity));
    },
  };
  return tokens;
}
