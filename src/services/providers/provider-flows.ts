// Sign-ins (and links) through a provider, from start to end. A flow is found by the SHA-256 of
// its `state`; the PKCE verifier and nonce it sent, and later the identity the provider proved, are
// sealed under ENCRYPTION_KEY. The callback claims a flow with one DELETE … RETURNING, so of
// parallel callbacks exactly one goes on; a flow that continues in the app (handoff, or a second
// factor) is put back with the SHA-256 of a one-time code, until a finish takes it.
import { createHash, randomBytes } from 'node:crypto';
import { Prisma, type PrismaClient, type ProviderFlow } from '../../generated/prisma/client.ts';
import type { SecretBox } from '../security/secret-box.ts';
import { sha256Hex } from '../security/sha256.ts';
import type { ProvedIdentity } from './provider-clients.ts';

export type FlowPurpose = 'sign_in' | 'link';

/** What ties the flow to whoever started it: the browser's flow cookie, or the app's PKCE code challenge. */
export type FlowBinding = { kind: 'cookie'; cookieHash: string } | { kind: 'handoff'; codeChallenge: string };

export interface NewFlow {
  provider: string;
  purpose: FlowPurpose;
  returnTo: string;
  binding: FlowBinding;
  /** A link's account and session. */
  userId?: string;
  sessionId?: string;
}

export interface Flow extends NewFlow {
  stateHash: string;
  nonce: string;
  codeVerifier: string;
  expiresAt: Date;
  /** Set once the callback has proved it; the flow then waits for a finish. */
  identity: ProvedIdentity | null;
  handoffCodeHash: string | null;
}

export interface ProviderFlows {
  /** A new flow; its state, nonce and PKCE verifier for the authorization request. */
  start(flow: NewFlow): Promise<{ state: string; nonce: string; codeVerifier: string; expiresAt: Date }>;
  /** The callback's claim on a flow not yet proved: deleted and returned, or null (unknown, used, expired). */
  claimAtCallback(state: string): Promise<Flow | null>;
  /**
   * A finish's claim on a flow handed over after its callback: deleted and returned when the one-time
   * code and the binding (the app's verifier, or the browser's flow cookie) are right; null
   * otherwise, the flow used up all the same.
   */
  claimHandedOver(state: string, proof: HandOverProof): Promise<ProvedFlow | null>;
  /** Puts a claimed flow back with the identity the callback proved; returns the one-time code for the app or page. */
  handOver(flow: Flow, identity: ProvedIdentity): Promise<string>;
  /** Puts a flow a finish claimed back as it was (a second factor still to come). */
  putBack(flow: Flow): Promise<void>;
  /** Forgets a flow that never got going (the provider could not be reached at start). */
  discard(state: string): Promise<void>;
}

/** BASE64URL(SHA-256(verifier)): PKCE's S256, for the app's code challenge. */
/** What a finish presents for a handed-over flow. */
export interface HandOverProof {
  authorizationCode: string;
  codeVerifier?: string | null | undefined;
  flowCookie?: string | null | undefined;
}

/** A flow the callback proved: its identity is known. */
export type ProvedFlow = Flow & { identity: ProvedIdentity };

export const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

interface Sealed {
  nonce: string;
  codeVerifier: string;
  identity: ProvedIdentity | null;
}

// A state is 32 random bytes, base64url: 43 characters. Anything much longer is not one of ours.
const MAX_STATE_LENGTH = 128;

export function createProviderFlows(deps: { prisma: PrismaClient; box: SecretBox; ttlSeconds: number }): ProviderFlows {
  const { prisma, box, ttlSeconds } = deps;

  function open(row: ProviderFlow): Flow | null {
    const opened = box.open(row.sealed, row.stateHash);
    if (!opened || row.expiresAt.getTime() <= Date.now()) return null;
    const sealed = JSON.parse(opened.plain) as Sealed;
    const binding: FlowBinding = row.codeChallenge ? { kind: 'handoff', codeChallenge: row.codeChallenge } : { kind: 'cookie', cookieHash: row.cookieHash ?? '' };
    return {
      stateHash: row.stateHash,
      provider: row.provider,
      purpose: row.purpose as FlowPurpose,
      returnTo: row.returnTo,
      binding,
      ...(row.userId ? { userId: row.userId } : {}),
      ...(row.sessionId ? { sessionId: row.sessionId } : {}),
      nonce: sealed.nonce,
      codeVerifier: sealed.codeVerifier,
      identity: sealed.identity,
      expiresAt: row.expiresAt,
      handoffCodeHash: row.handoffCodeHash,
    };
  }

  function rowOf(flow: Flow, handoffCodeHash: string | null): Prisma.ProviderFlowUncheckedCreateInput {
    const sealed: Sealed = { nonce: flow.nonce, codeVerifier: flow.codeVerifier, identity: flow.identity };
    return {
      stateHash: flow.stateHash,
      provider: flow.provider,
      purpose: flow.purpose,
      sealed: box.seal(JSON.stringify(sealed), flow.stateHash),
      returnTo: flow.returnTo,
      cookieHash: flow.binding.kind === 'cookie' ? flow.binding.cookieHash : null,
      codeChallenge: flow.binding.kind === 'handoff' ? flow.binding.codeChallenge : null,
      userId: flow.userId ?? null,
      sessionId: flow.sessionId ?? null,
      handoffCodeHash,
      expiresAt: flow.expiresAt,
    };
  }

  /** One DELETE … RETURNING of the flow in the given stage: of parallel claims, one gets it. */
  async function claim(state: string, proved: boolean): Promise<Flow | null> {
    if (state.length === 0 || state.length > MAX_STATE_LENGTH) return null;
    const rows = await prisma.$queryRaw<ProviderFlow[]>(
      Prisma.sql`DELETE FROM provider_flows WHERE state_hash = ${sha256Hex(state)}
                   AND (handoff_code_hash IS NOT NULL) = ${proved}
                 RETURNING state_hash AS "stateHash", provider, purpose, sealed, return_to AS "returnTo",
                           cookie_hash AS "cookieHash", code_challenge AS "codeChallenge", user_id::text AS "userId",
                           session_id::text AS "sessionId", handoff_code_hash AS "handoffCodeHash",
                           expires_at AS "expiresAt", created_at AS "createdAt"`,
    );
    return rows[0] ? open(rows[0]) : null;
  }

  return {
    async start(newFlow) {
      const state = randomBytes(32).toString('base64url');
      const flow: Flow = {
        ...newFlow,
        stateHash: sha256Hex(state),
        nonce: randomBytes(32).toString('base64url'),
        codeVerifier: randomBytes(32).toString('base64url'),
        expiresAt: new Date(Date.now() + ttlSeconds * 1000),
        identity: null,
        handoffCodeHash: null,
      };
      await prisma.providerFlow.create({ data: rowOf(flow, null) });
      return { state, nonce: flow.nonce, codeVerifier: flow.codeVerifier, expiresAt: flow.expiresAt };
    },

    claimAtCallback: (state) => claim(state, false),
    async claimHandedOver(state, proof) {
      const flow = await claim(state, true);
      if (!flow?.identity || sha256Hex(proof.authorizationCode) !== flow.handoffCodeHash) return null;
      const bound =
        flow.binding.kind === 'handoff'
          ? proof.codeVerifier != null && s256(proof.codeVerifier) === flow.binding.codeChallenge
          : proof.flowCookie != null && sha256Hex(proof.flowCookie) === flow.binding.cookieHash;
      return bound ? { ...flow, identity: flow.identity } : null;
    },

    async handOver(flow, identity) {
      const code = randomBytes(32).toString('base64url');
      await prisma.providerFlow.create({ data: rowOf({ ...flow, identity }, sha256Hex(code)) });
      return code;
    },

    async putBack(flow) {
      await prisma.providerFlow.create({ data: rowOf(flow, flow.handoffCodeHash) });
    },

    async discard(state) {
      await prisma.providerFlow.deleteMany({ where: { stateHash: sha256Hex(state) } });
    },
  };
}
