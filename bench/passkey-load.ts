// Passkey sign-ins under load: a closed loop of workers, each with an account of its own and the
// one passkey its software authenticator holds, each doing startPasskeySignIn (usernameless), the
// authenticator's get(), then finishPasskeySignIn, again and again. One passkey per worker, used
// one sign-in at a time, so the server always sees its counter go up (a device-bound passkey whose
// counter is not above the stored one is refused). autocannon cannot do this: the finish carries
// what the start answered. Keep-alive connections on 127.0.0.1, as autocannon's.
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { SoftAuthenticator } from '../tests/support/soft-authenticator.ts';
import type { LoadResult } from './load.ts';

/** The origin the authenticator's client data names: PASSKEY_ORIGINS of the server under test. */
export const PASSKEY_ORIGIN = 'http://localhost:5173';
export const PASSKEY_ENV = { PASSKEY_RP_ID: 'localhost', PASSKEY_ORIGINS: PASSKEY_ORIGIN };

const START = 'mutation { startPasskeySignIn { challengeId options } }';
const FINISH = 'mutation($i: FinishPasskeySignInInput!) { finishPasskeySignIn(input: $i) { message } }';
export const FINISH_ANSWER = '{"data":{"finishPasskeySignIn":{"message":"login successful!"}}}';

const SIGN_UP = 'mutation($i: SignUpInput!) { signUp(input: $i) { message } }';
const START_REGISTRATION = 'mutation($i: StartPasskeyRegistrationInput!) { startPasskeyRegistration(input: $i) { challengeId options } }';
const FINISH_REGISTRATION = 'mutation($i: FinishPasskeyRegistrationInput!) { finishPasskeyRegistration(input: $i) { message } }';

/** WebAuthn options or answers as JSON (what the WebAuthnJSON scalar carries). */
type WebAuthnJson = Record<string, unknown>;

interface ChallengeAnswer {
  data?: { startPasskeySignIn?: { challengeId: string; options: WebAuthnJson } | null } | null;
  errors?: { message: string }[];
}

/** An account with a passkey, and the authenticator that holds it. */
export interface PasskeyWorker {
  email: string;
  authenticator: SoftAuthenticator;
}

export type PasskeyLoadMode =
  /** startPasskeySignIn then finishPasskeySignIn: one sign-in. */
  | 'sign-in'
  /** startPasskeySignIn alone (its challenge is left to expire): what the first half costs. */
  | 'start';

export interface PasskeyLoadResult extends LoadResult {
  /** The first failure, to say what went wrong when `errors` is not 0. */
  firstError?: string;
}

const gql = (query: string, variables: object = {}) => JSON.stringify({ query, variables });

/**
 * Signs up `count` accounts and registers a passkey for each, as its owner would: signUp with
 * `X-Session-Transport: header` for a token, then the registration ceremony with it as Bearer.
 */
export async function passkeyWorkers(url: URL, count: number, emailFor: (i: number) => string, password: string): Promise<PasskeyWorker[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i): Promise<PasskeyWorker> => {
      const email = emailFor(i);
      const signUp = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-session-transport': 'header' },
        body: gql(SIGN_UP, { i: { username: 'bench', email, password } }),
      });
      const token = signUp.headers.get('x-session-token');
      if (!token) throw new Error(`signUp gave no X-Session-Token: ${await signUp.text()}`);
      const call = async <Data>(query: string, variables: object) => {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: gql(query, variables),
        });
        return (await res.json()) as { data?: Data | null; errors?: { message: string }[] };
      };
      const started = await call<{ startPasskeyRegistration: { challengeId: string; options: WebAuthnJson } }>(START_REGISTRATION, { i: { password } });
      if (!started.data) throw new Error(`startPasskeyRegistration: ${JSON.stringify(started.errors)}`);
      const authenticator = new SoftAuthenticator(PASSKEY_ORIGIN);
      const { challengeId, options } = started.data.startPasskeyRegistration;
      const finished = await call<{ finishPasskeyRegistration: { message: string } }>(FINISH_REGISTRATION, {
        i: { challengeId, response: authenticator.create(options) },
      });
      if (finished.data?.finishPasskeyRegistration.message !== 'passkey added!') throw new Error(`finishPasskeyRegistration: ${JSON.stringify(finished.errors)}`);
      return { email, authenticator };
    }),
  );
}

/** One POST over the keep-alive agent: its status and body. */
function post(agent: Agent, url: URL, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : 0);

/**
 * Each worker in a loop for `seconds`: a sign-in (or a start alone) at a time, so as many are in
 * flight as there are workers. A loop's last operation may end after the time; it counts, and so
 * does its time. Latency is that of the whole operation (both requests of a sign-in).
 */
export async function passkeyLoad(options: { url: URL; workers: PasskeyWorker[]; seconds: number; mode: PasskeyLoadMode }): Promise<PasskeyLoadResult> {
  const { url, workers, seconds, mode } = options;
  const agent = new Agent({ keepAlive: true, maxSockets: workers.length });
  const startBody = gql(START);
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const fail = (what: string) => {
    errors++;
    firstError ??= what.slice(0, 300);
  };

  async function once(worker: PasskeyWorker): Promise<void> {
    const start = await post(agent, url, startBody);
    const answer = JSON.parse(start.body) as ChallengeAnswer;
    const challenge = answer.data?.startPasskeySignIn;
    if (start.status !== 200 || !challenge) return fail(`start: ${start.status} ${start.body}`);
    if (mode === 'start') return;
    // get() increments the credential's counter, synchronously, just before its answer is sent.
    const response = worker.authenticator.get(challenge.options);
    const finish = await post(agent, url, gql(FINISH, { i: { challengeId: challenge.challengeId, response } }));
    if (finish.status !== 200 || finish.body !== FINISH_ANSWER) fail(`finish: ${finish.status} ${finish.body}`);
  }

  const begun = performance.now();
  const until = begun + seconds * 1000;
  try {
    await Promise.all(
      workers.map(async (worker) => {
        while (performance.now() < until) {
          const started = performance.now();
          try {
            await once(worker);
          } catch (error) {
            fail(error instanceof Error ? error.message : String(error));
          }
          latencies.push(performance.now() - started);
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  const elapsed = (performance.now() - begun) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    rps: (latencies.length - errors) / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    errors,
    seconds: elapsed,
    ...(firstError === undefined ? {} : { firstError }),
  };
}
