// What an operator sees of one account beyond its row: factors, live sessions, recent events
// (with the operator key behind each operator change) and linked identities. Reads only; the
// user's own views of the same things stay in their services, scoped to the signed-in user.
import type { PrismaClient } from '../../generated/prisma/client.ts';
import type { AccountSessions } from '../sessions/account-sessions.ts';
import type { SessionView } from '../sessions/sessions.ts';
import type { SecurityEvents, SecurityEventView } from '../security/security-events.ts';
import type { LinkedIdentityView, ProviderLinks } from '../providers/provider-links.ts';

export type FactorKind = 'TOTP' | 'PASSKEY';
export interface Factor {
  kind: FactorKind;
  enabledAt: Date;
}

export interface OperatorKeyRef {
  keyId: string;
  name: string;
}

export interface AdminEventView extends SecurityEventView {
  operatorKey: OperatorKeyRef | null;
}

export interface UserDetails {
  twoFactor(userId: string): Promise<{ enabled: boolean; recoveryCodesLeft: number }>;
  /** The authenticator when enabled, then one entry per passkey, oldest first. */
  factors(userId: string): Promise<Factor[]>;
  /** Live sessions, newest first. */
  sessions(userId: string): Promise<SessionView[]>;
  /** Newest first, within the retention window; `limit` is checked by the caller (1..100). */
  events(userId: string, limit: number): Promise<AdminEventView[]>;
  identities(userId: string): Promise<LinkedIdentityView[]>;
}

export function createUserDetails(deps: { prisma: PrismaClient; accountSessions: AccountSessions; events: SecurityEvents; providerLinks: ProviderLinks }): UserDetails {
  const { prisma, accountSessions, events, providerLinks } = deps;
  return {
    async twoFactor(userId) {
      const [credential, recoveryCodesLeft] = await Promise.all([
        prisma.twoFactorCredential.findUnique({ where: { userId }, select: { enabledAt: true } }),
        prisma.recoveryCode.count({ where: { userId } }),
      ]);
      const enabled = credential?.enabledAt != null;
      return { enabled, recoveryCodesLeft: enabled ? recoveryCodesLeft : 0 };
    },
    async factors(userId) {
      const [credential, passkeys] = await Promise.all([
        prisma.twoFactorCredential.findUnique({ where: { userId }, select: { enabledAt: true } }),
        prisma.passkey.findMany({ where: { userId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { createdAt: true } }),
      ]);
      return [
        ...(credential?.enabledAt ? [{ kind: 'TOTP' as const, enabledAt: credential.enabledAt }] : []),
        ...passkeys.map((p) => ({ kind: 'PASSKEY' as const, enabledAt: p.createdAt })),
      ];
    },
    sessions: (userId) => accountSessions.list(userId),
    async events(userId, limit) {
      const rows = await events.list(userId, limit);
      const keyIds = [...new Set(rows.flatMap((row) => (row.operatorKeyId ? [row.operatorKeyId] : [])))];
      const keys = keyIds.length
        ? new Map((await prisma.operatorKey.findMany({ where: { keyId: { in: keyIds } }, select: { keyId: true, name: true } })).map((k) => [k.keyId, k]))
        : new Map<string, OperatorKeyRef>();
      return rows.map((row) => ({ ...row, operatorKey: row.operatorKeyId ? (keys.get(row.operatorKeyId) ?? null) : null }));
    },
    identities: (userId) => providerLinks.list(userId),
  };
}
