// Which account a provider sign-in opens, in this order: the linked identity (provider, subject),
// whatever its email says; else an account with the provider's email, linked only when both sides
// have it verified, linking by email is on, and the account has no identity of that provider;
// else a new account, when sign-up through providers is on and the email is verified. The email is
// never trusted on its own: that is how accounts were taken over elsewhere ("nOAuth").
import { Prisma, type Identity, type PrismaClient, type User } from '../../generated/prisma/client.ts';
import type { Caller } from '../caller.ts';
import { AppError } from '../errors.ts';
import { normalizeEmail, normalizeUsername } from '../input.ts';
import type { MailOutbox } from '../mail/mail-outbox.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { SecurityEvents } from '../security/security-events.ts';
import type { ProvedIdentity } from './provider-clients.ts';
import { signInMethodNoticeMail } from './sign-in-method-mail.ts';

/** The account the identity opens, and what is still to be written once the sign-in completes. */
export type AccountMatch =
  | { kind: 'linked'; user: User; identity: Identity }
  /** An account with the same verified email: linked when the sign-in completes (after its second factor). */
  | { kind: 'link-by-email'; user: User }
  | { kind: 'new' };

export interface ProviderAccounts {
  /** EMAIL_TAKEN (with the reason, and a SIGN_IN_FAILED for the owner), NOT_FOUND or PROVIDER_ERROR when no account may be opened. */
  match(identity: ProvedIdentity, caller: Caller): Promise<AccountMatch>;
  /** The new account, verified, without a password, with its identity: SIGN_UP in the same transaction. Null when a sign-up racing this one took the address or the identity: match again. */
  create(identity: ProvedIdentity, caller: Caller): Promise<{ user: User; identity: Identity } | null>;
  /** Writes the link of an identity to `user` with IDENTITY_LINKED and the notice mail; CONFLICT when it is taken meanwhile. `signingIn`: the link is made by a sign-in through it. */
  link(user: User, identity: ProvedIdentity, caller: Caller, signingIn?: boolean): Promise<Identity>;
  /** After a sign-in through it: the email as last asserted, and the time. */
  used(identity: Identity, proved: ProvedIdentity): Promise<void>;
}

/** The email as this API would store it, or null when it breaks this API's email rules. */
export function providerEmail(identity: ProvedIdentity): string | null {
  if (!identity.email) return null;
  try {
    return normalizeEmail(identity.email);
  } catch {
    return null;
  }
}

export function providerError(provider: string, reason: string): AppError {
  return new AppError('PROVIDER_ERROR', undefined, { provider, reason });
}

function usernameFor(identity: ProvedIdentity, email: string): string {
  for (const candidate of [identity.name, email.split('@')[0]]) {
    try {
      if (candidate) return normalizeUsername([...candidate].slice(0, 64).join(''));
    } catch {
      // Not a valid username: try the next.
    }
  }
  return 'user';
}

export function createProviderAccounts(deps: {
  prisma: PrismaClient;
  outbox: MailOutbox;
  events: SecurityEvents;
  box: SecretBox;
  providerName: (id: string) => string;
  config: { signUp: boolean; linkByEmail: boolean; appName: string };
}): ProviderAccounts {
  const { prisma, outbox, events, box, providerName, config } = deps;

  const identityData = (proved: ProvedIdentity, email: string | null) => ({
    provider: proved.provider,
    subject: proved.subject,
    issuer: proved.issuer,
    email,
    emailVerified: email !== null && proved.emailVerified,
  });

  /** Apple's refresh token, sealed under the row's id once the row exists. */
  async function keepRefreshToken(tx: Prisma.TransactionClient, identity: Identity, proved: ProvedIdentity): Promise<void> {
    if (!proved.appleRefreshToken) return;
    await tx.identity.update({ where: { id: identity.id }, data: { refreshTokenEncrypted: box.seal(proved.appleRefreshToken, identity.id) } });
  }

  return {
    async match(proved, caller) {
      const linked = await prisma.identity.findUnique({ where: { provider_subject: { provider: proved.provider, subject: proved.subject } }, include: { user: true } });
      if (linked) {
        const { user, ...identity } = linked;
        return { kind: 'linked', user, identity };
      }
      const email = providerEmail(proved);
      const owner = email ? await prisma.user.findUnique({ where: { email }, include: { identities: { where: { provider: proved.provider }, select: { id: true } } } }) : null;
      if (owner) {
        const reason = !proved.emailVerified
          ? 'PROVIDER_EMAIL_NOT_VERIFIED'
          : !owner.emailVerified
            ? 'ACCOUNT_EMAIL_NOT_VERIFIED'
            : !config.linkByEmail
              ? 'LINK_BY_EMAIL_OFF'
              : owner.identities.length > 0
                ? 'ANOTHER_IDENTITY_LINKED'
                : null;
        const { identities: _, ...user } = owner;
        if (!reason) return { kind: 'link-by-email', user };
        // The owner hears of it; the caller learns only that the address is taken, which the provider told them anyway.
        await events.record(owner.id, 'SIGN_IN_FAILED', caller, undefined, { provider: proved.provider });
        throw new AppError('EMAIL_TAKEN', undefined, { reason });
      }
      if (!config.signUp) throw new AppError('NOT_FOUND', `no account is linked to this ${providerName(proved.provider)} account`);
      if (!email) throw providerError(proved.provider, 'EMAIL_MISSING');
      if (!proved.emailVerified) throw providerError(proved.provider, 'EMAIL_NOT_VERIFIED');
      return { kind: 'new' };
    },

    async create(proved, caller) {
      const email = providerEmail(proved)!;
      try {
        return await prisma.$transaction(async (tx) => {
          const user = await tx.user.create({ data: { username: usernameFor(proved, email), email, emailVerified: true, passwordHash: null } });
          const identity = await tx.identity.create({ data: { userId: user.id, ...identityData(proved, email), lastUsedAt: new Date() } });
          await keepRefreshToken(tx, identity, proved);
          await events.record(user.id, 'SIGN_UP', caller, tx, { provider: proved.provider });
          return { user, identity };
        });
      } catch (error) {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') return null;
        throw error;
      }
    },

    async link(user, proved, caller, signingIn = false) {
      const email = providerEmail(proved);
      try {
        return await outbox.transaction(async (tx, mail) => {
          const identity = await tx.identity.create({ data: { userId: user.id, ...identityData(proved, email), lastUsedAt: signingIn ? new Date() : null } });
          await keepRefreshToken(tx, identity, proved);
          await events.record(user.id, 'IDENTITY_LINKED', caller, tx, { provider: proved.provider });
          // The account's own unverified address, proved by the provider, becomes verified.
          if (!user.emailVerified && email === user.email && proved.emailVerified) {
            await tx.user.updateMany({ where: { id: user.id, email }, data: { emailVerified: true } });
            await events.record(user.id, 'EMAIL_VERIFIED', caller, tx, { provider: proved.provider });
          }
          await mail.add(signInMethodNoticeMail(user.email, config.appName, { kind: 'linked', providerName: providerName(proved.provider), email }));
          return identity;
        });
      } catch (error) {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
          const taken = await prisma.identity.findUnique({ where: { provider_subject: { provider: proved.provider, subject: proved.subject } }, select: { userId: true } });
          throw new AppError('CONFLICT', undefined, { reason: taken && taken.userId !== user.id ? 'IDENTITY_IN_USE' : 'ALREADY_LINKED' });
        }
        throw error;
      }
    },

    async used(identity, proved) {
      const email = providerEmail(proved);
      await prisma.identity.updateMany({
        where: { id: identity.id },
        data: { email, emailVerified: email !== null && proved.emailVerified, lastUsedAt: new Date() },
      });
    },
  };
}
