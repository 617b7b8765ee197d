// Linking identities from a signed-in session, listing and unlinking them. Starting a link asks for
// what a stolen session must not have alone: the password (or, without one, a fresh session) and,
// with two-factor on, a code. Unlinking never leaves an account without a way in.
import type { Identity, PrismaClient } from '../../generated/prisma/client.ts';
import type { Caller } from '../caller.ts';
import { AppError } from '../errors.ts';
import { isUuid } from '../input.ts';
import type { MailOutbox } from '../mail/mail-outbox.ts';
import type { Reauthentication } from '../passwords/reauthentication.ts';
import { clientKey, type RateLimits } from '../security/rate-limits.ts';
import type { SecurityEvents } from '../security/security-events.ts';
import type { SessionStart } from '../sessions/session-start.ts';
import type { Viewer } from '../viewer.ts';
import type { ProviderAccounts } from './provider-accounts.ts';
import type { ProviderClient } from './provider-clients.ts';
import type { ProviderFlows } from './provider-flows.ts';
import type { IdentityLinker, ProviderSignIn, StartedFlow, StartInput, StartRequest } from './provider-sign-in.ts';
import type { ProviderTokens } from './provider-tokens.ts';
import { signInMethodNoticeMail } from './sign-in-method-mail.ts';
import { isDisabled } from '../account-disabled.ts';

export interface LinkedIdentityView {
  id: string;
  provider: { id: string; name: string };
  email: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface ProviderLinks {
  start(viewer: Viewer, input: StartInput & { password?: string | null; code?: string | null }, request: StartRequest, caller: Caller): Promise<StartedFlow>;
  finish(viewer: Viewer, input: { state: string; authorizationCode: string; codeVerifier: string }, caller: Caller): Promise<LinkedIdentityView>;
  list(userId: string): Promise<LinkedIdentityView[]>;
  /** Ends the other sessions the identity signed in; returns their ids. */
  unlink(viewer: Viewer, input: { id: string; password?: string | null }, caller: Caller): Promise<string[]>;
}

/** The link itself, at the callback (browser mode) or finishProviderLink: only while the session that asked lives. */
export function createIdentityLinker(deps: { prisma: PrismaClient; accounts: ProviderAccounts }): IdentityLinker {
  const { prisma, accounts } = deps;
  return {
    async complete(flow, identity, caller) {
      const now = new Date();
      const session = flow.sessionId
        ? await prisma.session.findFirst({
            where: { id: flow.sessionId, userId: flow.userId, revokedAt: null, expiresAt: { gt: now }, absoluteExpiresAt: { gt: now } },
            include: { user: true },
          })
        : null;
      // A disable revokes every session; the check on the row itself holds even for one it missed.
      if (!session || isDisabled(session.user)) throw new AppError('UNAUTHENTICATED');
      const existing = await prisma.identity.findUnique({ where: { provider_subject: { provider: identity.provider, subject: identity.subject } }, select: { userId: true } });
      if (existing) throw new AppError('CONFLICT', undefined, { reason: existing.userId === session.userId ? 'ALREADY_LINKED' : 'IDENTITY_IN_USE' });
      return accounts.link(session.user, identity, caller);
    },
  };
}

export function createProviderLinks(deps: {
  prisma: PrismaClient;
  outbox: MailOutbox;
  events: SecurityEvents;
  limits: RateLimits;
  reauthentication: Reauthentication;
  sessionStart: SessionStart;
  signIn: ProviderSignIn;
  flows: ProviderFlows;
  linker: IdentityLinker;
  clients: Map<string, ProviderClient>;
  tokens: ProviderTokens;
  providerName: (id: string) => string;
  /** Whether passkeys can sign in here: an account with one is never without a way in. */
  passkeysEnabled: boolean;
  appName: string;
}): ProviderLinks {
  const { prisma, outbox, events, limits, reauthentication, sessionStart, signIn, flows, linker, clients, tokens, providerName, appName } = deps;

  const viewOf = (identity: Identity): LinkedIdentityView => ({
    id: identity.id,
    provider: { id: identity.provider, name: providerName(identity.provider) },
    email: identity.email,
    createdAt: identity.createdAt,
    lastUsedAt: identity.lastUsedAt,
  });

  return {
    async start(viewer, input, request, caller) {
      const { user } = viewer;
      // The password proof counts with deleteUser's: one budget of guesses per account.
      await limits.consume('deleteUserIp', clientKey(caller.ip));
      await limits.consume('deleteUserAccount', user.id);
      await reauthentication.prove(user, viewer.session, input.password);
      // Before the second factor, so a code is not spent on a link that cannot be.
      if (await prisma.identity.findFirst({ where: { userId: user.id, provider: input.provider }, select: { id: true } })) {
        throw new AppError('CONFLICT', undefined, { reason: 'ALREADY_LINKED' });
      }
      await sessionStart.checkSecondFactor(user, caller, { code: input.code });
      return signIn.start(input, request, caller, { userId: user.id, sessionId: viewer.session.id });
    },

    async finish(viewer, input, caller) {
      await limits.consume('providerFinishIp', clientKey(caller.ip));
      // A link is handed over to apps only: no flow cookie is presented.
      const flow = await flows.claimHandedOver(input.state, { authorizationCode: input.authorizationCode, codeVerifier: input.codeVerifier });
      if (!flow || flow.purpose !== 'link' || flow.sessionId !== viewer.session.id || !clients.has(flow.provider)) {
        throw new AppError('INVALID_STATE');
      }
      try {
        return viewOf(await linker.complete(flow, flow.identity, caller));
      } catch (error) {
        await flows.putBack(flow).catch(() => undefined);
        throw error;
      }
    },

    async list(userId) {
      return (await prisma.identity.findMany({ where: { userId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] })).map(viewOf);
    },

    async unlink(viewer, input, caller) {
      const { user } = viewer;
      await limits.consume('deleteUserIp', clientKey(caller.ip));
      await limits.consume('deleteUserAccount', user.id);
      await reauthentication.prove(user, viewer.session, input.password);
      const identity = isUuid(input.id) ? await prisma.identity.findFirst({ where: { id: input.id, userId: user.id } }) : null;
      if (!identity) throw new AppError('NOT_FOUND', 'no such identity');
      const ended = await outbox.transaction(async (tx, mail) => {
        // Unlinks of one account queue here, so two at once cannot each leave the other as the last way in;
        // and a sign-in through this identity waits (its session row refers to it), so none survives the unlink.
        await tx.$executeRaw`SELECT 1 FROM users WHERE id = ${user.id}::uuid FOR UPDATE`;
        await tx.$executeRaw`SELECT 1 FROM identities WHERE id = ${identity.id}::uuid FOR UPDATE`;
        // Never the last way in: a password, another identity of an enabled provider, or a passkey.
        const others = await tx.identity.findMany({ where: { userId: user.id, id: { not: identity.id } }, select: { provider: true } });
        const passkeys = deps.passkeysEnabled ? await tx.passkey.count({ where: { userId: user.id } }) : 0;
        const fresh = await tx.user.findUniqueOrThrow({ where: { id: user.id }, select: { passwordHash: true } });
        if (fresh.passwordHash === null && passkeys === 0 && !others.some((other) => clients.has(other.provider))) {
          throw new AppError('CONFLICT', undefined, { reason: 'LAST_SIGN_IN_METHOD' });
        }
        const sessions = await tx.session.updateManyAndReturn({
          where: { identityId: identity.id, revokedAt: null, id: { not: viewer.session.id } },
          data: { revokedAt: new Date() },
          select: { id: true },
        });
        if ((await tx.identity.deleteMany({ where: { id: identity.id } })).count === 0) return null;
        await events.record(user.id, 'IDENTITY_UNLINKED', caller, tx, { provider: identity.provider });
        await mail.add(signInMethodNoticeMail(user.email, appName, { kind: 'unlinked', providerName: providerName(identity.provider), email: identity.email }));
        return sessions.map((s) => s.id);
      });
      if (!ended) throw new AppError('NOT_FOUND', 'no such identity');
      tokens.revokeLater(identity);
      return ended;
    },
  };
}
