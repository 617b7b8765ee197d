// Passkeys (contract: "Passkeys"): registering one from a signed-in session, signing in with one
// (usernameless, with an email hint, or as the second factor after the password), renaming and
// removing. The rules that WebAuthn libraries leave to their users live here: the RP ID is always
// checked, the credential is looked up by its raw id and the user handle compared with its
// owner's, cross-origin answers are refused, and the signature counter is judged only after the
// signature verified.
import { randomBytes } from 'node:crypto';
import {
  type AuthenticatorTransportFuture,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { PasskeyConfig } from '../../config.ts';
import { Prisma, type Passkey, type PrismaClient, type User } from '../../generated/prisma/client.ts';
import type { Caller } from '../caller.ts';
import { AppError, badInput } from '../errors.ts';
import { isUuid, normalizeEmail } from '../input.ts';
import type { MailOutbox, MailQueue } from '../mail/mail-outbox.ts';
import type { Reauthentication } from '../passwords/reauthentication.ts';
import { clientKey, type RateLimits } from '../security/rate-limits.ts';
import type { SecurityEventKind, SecurityEvents } from '../security/security-events.ts';
import type { SessionStart, SignedIn } from '../sessions/session-start.ts';
import type { TwoFactorService } from '../two-factor/two-factor.ts';
import type { Viewer } from '../viewer.ts';
import { DUMMY_CREDENTIAL } from './dummy-credential.ts';
import type { ListedCredential } from './decoy-credentials.ts';
import { createPasskeyChallenges, type TakenChallenge } from './passkey-challenges.ts';
import { type PasskeyChange, passkeyNoticeMail } from './passkey-mail.ts';
import { type CheckedAssertion, checkAssertion, checkAttestation, PASSKEY_ALGORITHMS, passkeyRefused } from './webauthn-response.ts';

export interface PasskeyView {
  id: string;
  credentialId: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  backupEligible: boolean;
  backedUp: boolean;
}

export interface PasskeyChallengeView {
  challengeId: string;
  /** PublicKeyCredentialCreationOptionsJSON or PublicKeyCredentialRequestOptionsJSON. */
  options: object;
  expiresAt: Date;
}

export interface PasskeyService {
  /** The user's passkeys, newest first; none while passkeys are not configured. */
  list(userId: string): Promise<PasskeyView[]>;
  /** Needs the password (or, for an account without one, a fresh session) and, with two-factor on, a code. */
  startRegistration(viewer: Viewer, input: { password?: string | null; code?: string | null }, caller: Caller): Promise<PasskeyChallengeView>;
  finishRegistration(viewer: Viewer, input: { challengeId: string; response: unknown; name?: string | null }, caller: Caller): Promise<PasskeyView>;
  startSignIn(input: { email?: string | null; password?: string | null }, caller: Caller): Promise<PasskeyChallengeView>;
  finishSignIn(input: { challengeId: string; response: unknown }, caller: Caller): Promise<SignedIn>;
  rename(user: User, input: { id: string; name: string }): Promise<PasskeyView>;
  /** Removes the passkey and ends the sessions it signed in; returns their ids. */
  remove(viewer: Viewer, input: { id: string; password?: string | null }, caller: Caller): Promise<string[]>;
}

export const PASSKEY_NAME_MAX_LENGTH = 64;

function viewOf(passkey: Passkey): PasskeyView {
  const { id, credentialId, name, createdAt, lastUsedAt, backupEligible, backedUp } = passkey;
  return { id, credentialId, name, createdAt, lastUsedAt, backupEligible, backedUp };
}

const listed = (passkey: Pick<Passkey, 'credentialId' | 'transports'>): ListedCredential => ({
  id: passkey.credentialId,
  transports: passkey.transports as AuthenticatorTransportFuture[],
});

export function createPasskeyService(deps: {
  prisma: PrismaClient;
  outbox: MailOutbox;
  events: SecurityEvents;
  limits: RateLimits;
  reauthentication: Reauthentication;
  /** signIn's password step, for a passkey as the second factor. */
  checkSignInPassword: (input: { email: string; password: string }, caller: Caller) => Promise<User>;
  twoFactor: TwoFactorService;
  sessionStart: SessionStart;
  decoys: (email: string) => ListedCredential[];
  config: PasskeyConfig & { appName: string };
}): PasskeyService {
  const { prisma, outbox, events, limits, reauthentication, twoFactor, sessionStart, decoys, config } = deps;
  const challenges = createPasskeyChallenges({ prisma, ttlSeconds: config.challengeTtlSeconds });
  const timeout = config.challengeTtlSeconds * 1000;

  function ensureEnabled(): void {
    if (!config.enabled) throw new AppError('FORBIDDEN', 'passkeys are not configured on this server (PASSKEY_RP_ID, PASSKEY_ORIGINS)');
  }

  /** Every start and finish: counted per client address, never per account. */
  async function ceremony(caller: Caller): Promise<void> {
    ensureEnabled();
    await limits.consume('passkeyIp', clientKey(caller.ip));
  }

  function passkeyName(raw: string): string {
    const name = raw.trim();
    if (name.length > PASSKEY_NAME_MAX_LENGTH) throw badInput('name', `must be at most ${PASSKEY_NAME_MAX_LENGTH} characters`);
    return name;
  }

  async function ownPasskey(userId: string, id: string): Promise<Passkey> {
    const passkey = isUuid(id) ? await prisma.passkey.findFirst({ where: { id, userId } }) : null;
    if (!passkey) throw new AppError('NOT_FOUND', 'no such passkey');
    return passkey;
  }

  /** The change's event and its notice mail, in the change's transaction. */
  async function recordChange(
    tx: Prisma.TransactionClient,
    mail: MailQueue,
    user: Pick<User, 'id' | 'email'>,
    caller: Caller,
    kind: SecurityEventKind,
    change: PasskeyChange,
  ): Promise<void> {
    await events.record(user.id, kind, caller, tx, { passkeyName: change.name });
    await mail.add(passkeyNoticeMail(user.email, config.appName, change));
  }

  /** A unique index on the credential id decides: a credential no account has. */
  async function createPasskey(user: User, caller: Caller, data: Omit<Prisma.PasskeyUncheckedCreateInput, 'userId' | 'name'>, rawName: string): Promise<Passkey> {
    try {
      return await outbox.transaction(async (tx, mail) => {
        // Registrations of one account queue here, so the limit holds against parallel finishes.
        await tx.$executeRaw`SELECT 1 FROM users WHERE id = ${user.id}::uuid FOR UPDATE`;
        const names = (await tx.passkey.findMany({ where: { userId: user.id }, select: { name: true } })).map((p) => p.name);
        if (names.length >= config.maxPerUser) throw new AppError('CONFLICT', `an account has at most ${config.maxPerUser} passkeys`);
        // A blank name takes the first "Passkey <n>" not in use, counting from the passkeys there are.
        let name = rawName;
        for (let n = names.length + 1; !name; n++) if (!names.includes(`Passkey ${n}`)) name = `Passkey ${n}`;
        const passkey = await tx.passkey.create({ data: { ...data, userId: user.id, name } });
        await recordChange(tx, mail, user, caller, 'PASSKEY_ADDED', { kind: 'added', name });
        return passkey;
      });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw new AppError('CONFLICT', 'this passkey is registered already');
      throw error;
    }
  }

  /** The account's WebAuthn user handle, made at its first registration. */
  async function userHandle(user: User): Promise<string> {
    if (user.passkeyUserHandle) return user.passkeyUserHandle;
    await prisma.user.updateMany({ where: { id: user.id, passkeyUserHandle: null }, data: { passkeyUserHandle: randomBytes(64).toString('base64url') } });
    const { passkeyUserHandle } = await prisma.user.findUniqueOrThrow({ where: { id: user.id }, select: { passkeyUserHandle: true } });
    return passkeyUserHandle!;
  }

  /**
   * A failed passkey sign-in. As the second factor, the account whose right password came first
   * hears of it (naming its own passkey if that was the one presented). Otherwise only a passkey
   * refused after its signature verified is its owner's event: anyone can send a known credential
   * id with a bad signature.
   */
  async function refuse(challenge: TakenChallenge, presented: { userId: string; name: string } | null, verified: boolean, caller: Caller): Promise<never> {
    if (challenge.purpose === 'second_factor' && challenge.userId) {
      const name = presented?.userId === challenge.userId ? presented.name : undefined;
      await events.record(challenge.userId, 'SECOND_FACTOR_FAILED', caller, undefined, { passkeyName: name });
    } else if (presented && verified) {
      await events.record(presented.userId, 'SIGN_IN_FAILED', caller, undefined, { passkeyName: presented.name });
    }
    throw passkeyRefused();
  }

  /** The passkey behind a checked answer, and whether its signature verifies; the same work for an unknown one. */
  async function verifyAssertion(checked: CheckedAssertion, requireUserVerification: boolean) {
    const passkey = await prisma.passkey.findUnique({ where: { credentialId: checked.credentialId }, include: { user: true } });
    const stored = passkey ? { id: passkey.credentialId, publicKey: new Uint8Array(passkey.publicKey) } : DUMMY_CREDENTIAL;
    let verification;
    try {
      verification = await verifyAuthenticationResponse({
        response: checked.response,
        expectedChallenge: checked.challenge,
        expectedOrigin: checked.origin,
        expectedRPID: config.rpId,
        // The counter rule is ours and comes after the signature: 0 keeps the library from judging it first.
        credential: { ...stored, counter: 0 },
        requireUserVerification,
      });
    } catch {
      verification = null;
    }
    return { passkey, verified: passkey !== null && verification?.verified === true, newCounter: verification?.authenticationInfo.newCounter ?? 0 };
  }

  return {
    async list(userId) {
      if (!config.enabled) return [];
      return (await prisma.passkey.findMany({ where: { userId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] })).map(viewOf);
    },

    async startRegistration(viewer, input, caller) {
      const { user } = viewer;
      await ceremony(caller);
      await limits.consume('twoFactorPasswordAccount', user.id);
      await reauthentication.prove(user, viewer.session, input.password);
      try {
        await twoFactor.checkSignIn(user, input.code, caller);
      } catch (error) {
        if (error instanceof AppError && error.code === 'SECOND_FACTOR_REQUIRED') {
          throw new AppError('SECOND_FACTOR_REQUIRED', 'two-factor is on: send startPasskeyRegistration again with `code`');
        }
        throw error;
      }
      const existing = await prisma.passkey.findMany({ where: { userId: user.id }, select: { credentialId: true, transports: true } });
      if (existing.length >= config.maxPerUser) throw new AppError('CONFLICT', `an account has at most ${config.maxPerUser} passkeys`);
      const handle = await userHandle(user);
      const issued = await challenges.issue({ purpose: 'registration', userId: user.id, sessionId: viewer.session.id, allowCredentials: [], userVerification: true });
      const options = await generateRegistrationOptions({
        rpName: config.appName,
        rpID: config.rpId,
        userName: user.email,
        userDisplayName: user.username,
        userID: new Uint8Array(Buffer.from(handle, 'base64url')),
        challenge: issued.challenge,
        timeout,
        attestationType: 'none',
        excludeCredentials: existing.map(listed),
        authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
        supportedAlgorithmIDs: PASSKEY_ALGORITHMS,
      });
      return { challengeId: issued.challengeId, options, expiresAt: issued.expiresAt };
    },

    async finishRegistration({ user, session }, input, caller) {
      await ceremony(caller);
      const name = passkeyName(input.name ?? '');
      const challenge = await challenges.take(input.challengeId);
      if (!challenge || challenge.purpose !== 'registration' || challenge.sessionId !== session.id || challenge.userId !== user.id) {
        throw new AppError('INVALID_CHALLENGE');
      }
      const checked = checkAttestation(input.response, { ...challenge, origins: config.origins, rpId: config.rpId });
      let verification;
      try {
        verification = await verifyRegistrationResponse({
          response: checked.response,
          expectedChallenge: checked.challenge,
          expectedOrigin: checked.origin,
          expectedRPID: config.rpId,
          requireUserVerification: true,
          supportedAlgorithmIDs: PASSKEY_ALGORITHMS,
        });
      } catch {
        throw passkeyRefused();
      }
      if (!verification.verified) throw passkeyRefused();
      const { credential, credentialBackedUp } = verification.registrationInfo;
      const passkey = await createPasskey(
        user,
        caller,
        {
          credentialId: checked.credentialId,
          publicKey: Buffer.from(credential.publicKey),
          signCount: BigInt(credential.counter),
          transports: checked.transports,
          backupEligible: checked.flags.be,
          backedUp: credentialBackedUp,
        },
        name,
      );
      return viewOf(passkey);
    },

    async startSignIn(input, caller) {
      await ceremony(caller);
      if (input.password != null && input.email == null) throw badInput('email', 'is required with password');
      let allowCredentials: ListedCredential[] = [];
      let userId: string | undefined;
      const secondFactor = input.password != null;
      if (secondFactor) {
        const user = await deps.checkSignInPassword({ email: input.email!, password: input.password! }, caller);
        const passkeys = await prisma.passkey.findMany({ where: { userId: user.id }, orderBy: { createdAt: 'desc' } });
        if (passkeys.length === 0) throw new AppError('CONFLICT', 'this account has no passkey');
        allowCredentials = passkeys.map(listed);
        userId = user.id;
      } else if (input.email != null) {
        const email = normalizeEmail(input.email);
        const user = await prisma.user.findUnique({ where: { email }, select: { passkeys: { orderBy: { createdAt: 'desc' } } } });
        allowCredentials = user?.passkeys.length ? user.passkeys.map(listed) : decoys(email);
      }
      const issued = await challenges.issue({
        purpose: secondFactor ? 'second_factor' : 'sign_in',
        ...(userId ? { userId } : {}),
        allowCredentials: allowCredentials.map((c) => c.id),
        userVerification: !secondFactor,
      });
      const options = await generateAuthenticationOptions({
        rpID: config.rpId,
        challenge: issued.challenge,
        timeout,
        allowCredentials,
        userVerification: secondFactor ? 'discouraged' : 'required',
      });
      return { challengeId: issued.challengeId, options, expiresAt: issued.expiresAt };
    },

    async finishSignIn(input, caller) {
      await ceremony(caller);
      const challenge = await challenges.take(input.challengeId);
      if (!challenge || challenge.purpose === 'registration') throw new AppError('INVALID_CHALLENGE');
      const checked = checkAssertion(input.response, { ...challenge, origins: config.origins, rpId: config.rpId });
      const { passkey, verified, newCounter } = await verifyAssertion(checked, challenge.userVerification);
      const owner = passkey?.user;
      const listedHere = challenge.allowCredentials.length === 0 || challenge.allowCredentials.includes(checked.credentialId);
      // The user handle is the owner's when returned, and must be returned when nothing was listed.
      const handleMatches = checked.userHandle === null ? challenge.allowCredentials.length > 0 : checked.userHandle === owner?.passkeyUserHandle;
      const forAccount = challenge.purpose !== 'second_factor' || passkey?.userId === challenge.userId;
      const presented = passkey && owner ? { userId: owner.id, name: passkey.name } : null;
      if (!passkey || !owner || !verified || !listedHere || !handleMatches || !forAccount) return refuse(challenge, presented, false, caller);

      // Signed by this passkey: now its flags and counter are facts about it.
      if (checked.flags.be !== passkey.backupEligible) return refuse(challenge, presented, true, caller);
      const counts = newCounter > 0 || passkey.signCount > 0n;
      const used = { backedUp: checked.flags.bs, lastUsedAt: new Date() };
      const { count } = await prisma.passkey.updateMany({
        where: { id: passkey.id, ...(counts ? { signCount: { lt: BigInt(newCounter) } } : {}) },
        data: { ...used, ...(counts ? { signCount: BigInt(newCounter) } : {}) },
      });
      // Removed by its owner since it was read: nothing to sign in with.
      if (count === 0 && !(await prisma.passkey.findUnique({ where: { id: passkey.id }, select: { id: true } }))) throw passkeyRefused();
      if (count === 0) {
        // Not above the stored counter: the passkey may have been cloned. A synced passkey's
        // counter is not kept in step across devices, so it is let in; a device-bound one is not.
        const refused = !passkey.backupEligible;
        await outbox.transaction((tx, mail) =>
          recordChange(tx, mail, owner, caller, 'PASSKEY_COUNTER_MISMATCH', { kind: 'counter-mismatch', name: passkey.name, refused }),
        );
        if (refused) throw passkeyRefused();
        await prisma.passkey.updateMany({ where: { id: passkey.id }, data: used });
      }
      // A user-verified passkey is both factors; as the second factor it follows the password.
      return sessionStart.signIn(owner, caller, 'satisfied', { passkey: { id: passkey.id, name: passkey.name } });
    },

    async rename(user, input) {
      ensureEnabled();
      const name = passkeyName(input.name);
      if (!name) throw badInput('name', 'must not be blank');
      const passkey = await ownPasskey(user.id, input.id);
      const renamed = await prisma.passkey.updateManyAndReturn({ where: { id: passkey.id, userId: user.id }, data: { name } });
      if (!renamed[0]) throw new AppError('NOT_FOUND', 'no such passkey');
      return viewOf(renamed[0]);
    },

    async remove(viewer, input, caller) {
      const { user } = viewer;
      ensureEnabled();
      await limits.consume('deleteUserIp', clientKey(caller.ip));
      await limits.consume('deleteUserAccount', user.id);
      await reauthentication.prove(user, viewer.session, input.password);
      const passkey = await ownPasskey(user.id, input.id);
      const ended = await outbox.transaction(async (tx, mail) => {
        const sessions = await tx.session.updateManyAndReturn({
          where: { passkeyId: passkey.id, revokedAt: null },
          data: { revokedAt: new Date() },
          select: { id: true },
        });
        // Removed meanwhile by another request: one event, one notice.
        if ((await tx.passkey.deleteMany({ where: { id: passkey.id } })).count === 0) return null;
        await recordChange(tx, mail, user, caller, 'PASSKEY_REMOVED', { kind: 'removed', name: passkey.name });
        return sessions.map((s) => s.id);
      });
      if (!ended) throw new AppError('NOT_FOUND', 'no such passkey');
      return ended;
    },
  };
}
