// Attacks over real HTTP, one per defence the README claims: each is refused, changes nothing (no
// user, no password, no mail, no session), and leaves the server answering ordinary requests.
import { request } from 'node:http';
import jwt from 'jsonwebtoken';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signUpNewUser } from './support/accounts.ts';
import {
  DASHBOARD,
  DELETE_USER,
  GOOD_PASSWORD,
  LOGOUT,
  ME,
  RESET_PASSWORD,
  SEND_MAIL,
  SIGN_IN,
  SIGN_UP,
  uniqueEmail,
} from './support/operations.ts';
import { expectRateLimited, outcome, uniqueAddress } from './support/rate-limited.ts';
import { MAIL, resetCodeIn, type SmtpSink, startSmtpSink } from './support/smtp-sink.ts';
import { startSecondInstance, startTestApp, TEST_SECRET, type TestApp } from './support/test-app.ts';
import type { GraphqlResponse, TestClient } from './support/test-client.ts';
import { decodeToken, signToken, unsignedToken, withPayload } from './support/tokens.ts';

const ALLOWED_ORIGIN = 'https://app.example';
const OTHER_PASSWORD = 'amber-lantern-fjord-77';

let sink: SmtpSink;
let t: TestApp;
/** The apps that outlive a test: after each test, each must still answer an ordinary query. */
const running: TestApp[] = [];

beforeAll(async () => {
  sink = await startSmtpSink();
  t = await startTestApp({ env: { SMTP_URL: sink.url, CORS_ORIGINS: ALLOWED_ORIGIN } });
  running.push(t);
});
afterAll(async () => {
  await t.close();
  await sink.close();
});

afterEach(async () => {
  for (const app of running) {
    const res = await app.client().graphql(ME);
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ me: null });
    // Nothing an attack did was an unexpected error (those are logged at error level).
    expect(app.logger.lines.filter((line) => line.startsWith('error'))).toEqual([]);
  }
});

const userCount = (app: TestApp = t) => app.app.services.prisma.user.count();
const usersWith = (email: string, app: TestApp = t) => app.app.services.prisma.user.count({ where: { email } });

/** Mails sent so far, once every queued mail has been handed to the SMTP sink. */
async function mailsSent(app: TestApp = t): Promise<number> {
  await app.app.services.background.drain();
  return sink.mails.length;
}

/** A new account; the client holds its session. */
const signUpUser = (app: TestApp = t, client: TestClient = app.client()) => signUpNewUser(app, { client });

async function expectSignedIn(client: TestClient, email: string): Promise<void> {
  const res = await client.graphql(DASHBOARD);
  expect(res.errors).toBeUndefined();
  expect(res.data?.dashboard.user.email).toBe(email);
}

function expectBadInput(res: GraphqlResponse, field: string, reason?: RegExp): void {
  expect(res.status).toBe(200);
  expect(res.data ?? null).toBeNull();
  expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  if (reason) expect(res.errors?.[0]?.message).toMatch(reason);
  expect(res.setCookie).toBeUndefined();
}

function expectClientError(res: GraphqlResponse): void {
  expect(res.status).toBeLessThan(500);
  expect(res.data ?? null).toBeNull();
  expect(res.errors?.length).toBeGreaterThan(0);
  expect(res.errors?.[0]?.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
  expect(res.setCookie).toBeUndefined();
}

describe('rate limits: over the limit, the guarded work is not done', () => {
  // Far longer than the tests: every attempt of a test falls inside one window however slow the machine.
  const WINDOW = 600;
  let limited: TestApp;
  beforeAll(async () => {
    limited = await startTestApp({
      env: {
        RATE_LIMITS: 'on',
        // Each client below has an address of its own, so only the rule under test can refuse.
        TRUST_PROXY: 'true',
        RATE_LIMIT_SIGN_IN_ACCOUNT: `3/${WINDOW}`,
        RATE_LIMIT_SIGN_UP_IP: `2/${WINDOW}`,
        RATE_LIMIT_SEND_MAIL_EMAIL: `2/${WINDOW}`,
        SMTP_URL: sink.url,
      },
    });
    running.push(limited);
  });
  afterAll(async () => {
    running.splice(running.indexOf(limited), 1);
    await limited.close();
  });

  const clientAt = (address = uniqueAddress()) => limited.client({ headers: { 'x-forwarded-for': address } });
  const signIn = (email: string, password: string) => clientAt().graphql(SIGN_IN, { input: { email, password } });

  it('refuses a sign-in over the per-account limit even with the right password: the password is never checked', async () => {
    const { email } = await signUpUser(limited, clientAt());
    for (let i = 0; i < 3; i++) expect(outcome(await signIn(email, `wrong-guess-${i}-xyz`))).toBe('INVALID_CREDENTIALS');
    expectRateLimited(await signIn(email, GOOD_PASSWORD), WINDOW);
  });

  it('sends no mail and replaces no code for a sendMail over the per-address limit', async () => {
    const { email } = await signUpUser(limited, clientAt());
    for (let i = 0; i < 2; i++) {
      expect(outcome(await clientAt().graphql(SEND_MAIL, { input: { email } }))).toBe('ok');
      // Each mail out before the next code: a newer code's mail replaces an unsent older one.
      await sink.waitForMail(email, i + 1, MAIL.resetCode);
    }
    const code = resetCodeIn(sink.mailsTo(email, MAIL.resetCode)[1]!);
    expectRateLimited(await clientAt().graphql(SEND_MAIL, { input: { email } }), WINDOW);
    await limited.app.services.background.drain();
    expect(sink.mailsTo(email, MAIL.resetCode)).toHaveLength(2);
    // Had the refused request issued a code, it would have replaced this one.
    const reset = await clientAt().graphql(RESET_PASSWORD, { input: { email, code, newPassword: OTHER_PASSWORD } });
    expect(reset.data?.resetPassword.message).toBe('password reset successful!');
  });

  it('creates no user for a signUp over the per-address limit', async () => {
    const address = uniqueAddress();
    for (let i = 0; i < 2; i++) await signUpUser(limited, clientAt(address));
    const email = uniqueEmail('refused');
    const before = await userCount(limited);
    expectRateLimited(await clientAt(address).graphql(SIGN_UP, { input: { username: 'Refused', email, password: GOOD_PASSWORD } }), WINDOW);
    expect(await userCount(limited)).toBe(before);
    expect(await usersWith(email, limited)).toBe(0);
  });

  it('counts a signUp before estimating its password: over the limit, even a weak password gets RATE_LIMITED', async () => {
    // The strength estimate costs milliseconds of CPU; were it run first, this would be BAD_USER_INPUT.
    const address = uniqueAddress();
    for (let i = 0; i < 2; i++) await signUpUser(limited, clientAt(address));
    const weak = await clientAt(address).graphql(SIGN_UP, { input: { username: 'Weak', email: uniqueEmail('weak'), password: 'password123' } });
    expectRateLimited(weak, WINDOW);
  });

  it('refuses 100 aliased signIns in one request before any of them is counted: the account is not locked', async () => {
    const { email } = await signUpUser(limited, clientAt());
    const guesses = Array.from({ length: 100 }, (_, i) => `g${i}: signIn(input: { email: "${email}", password: "wrong-guess-${i}" }) { message }`);
    const res = await clientAt().graphql(`mutation Guess { ${guesses.join('\n')} }`);
    expectClientError(res);
    expect(res.errors?.[0]?.message).toMatch(/limit/i);
    // With even 3 of them counted, the right password would now be RATE_LIMITED.
    expect((await signIn(email, GOOD_PASSWORD)).data?.signIn.message).toBe('login successful!');
  });

  it('refuses a batch of signIns before any of them is counted', async () => {
    const { email } = await signUpUser(limited, clientAt());
    const batch = Array.from({ length: 10 }, (_, i) => ({ query: SIGN_IN, variables: { input: { email, password: `wrong-guess-${i}` } } }));
    const res = await clientAt().send(JSON.stringify(batch));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect((await signIn(email, GOOD_PASSWORD)).data?.signIn.message).toBe('login successful!');
  });

  it('counts each aliased call in one request as an attempt, not the request as one', async () => {
    const { email } = await signUpUser(limited, clientAt());
    // Five aliases pass GraphQL Armor; the limit is 2 mails per address. Mutation fields run one
    // after another, and the first refusal (a non-null field) ends the rest.
    const calls = Array.from({ length: 5 }, (_, i) => `m${i}: sendMail(input: { email: "${email}" }) { message }`);
    const res = await clientAt().graphql(`mutation Mails { ${calls.join('\n')} }`);
    expect(res.errors).toHaveLength(1);
    expect(res.errors?.[0]).toMatchObject({ path: ['m2'], extensions: { code: 'RATE_LIMITED' } });
    await limited.app.services.background.drain();
    // Two codes were issued (the owner's activity shows two requests); the mail of the first may
    // have been replaced by the second's before it went out, so one or two mails, the last one live.
    expect(await limited.app.services.prisma.securityEvent.count({ where: { user: { email }, kind: 'PASSWORD_RESET_REQUESTED' } })).toBe(2);
    const mails = sink.mailsTo(email, MAIL.resetCode);
    expect(mails.length).toBeGreaterThanOrEqual(1);
    expect(mails.length).toBeLessThanOrEqual(2);
    const reset = await clientAt().graphql(RESET_PASSWORD, { input: { email, code: resetCodeIn(mails.at(-1)!), newPassword: OTHER_PASSWORD } });
    expect(reset.data?.resetPassword.message).toBe('password reset successful!');
  });

  it('stops aliased wrong signIns at the first failure: one request, one password check', async () => {
    const { email } = await signUpUser(limited, clientAt());
    const guesses = Array.from({ length: 5 }, (_, i) => `g${i}: signIn(input: { email: "${email}", password: "wrong-guess-${i}" }) { message }`);
    const res = await clientAt().graphql(`mutation Guess { ${guesses.join('\n')} }`);
    expect(res.errors).toEqual([expect.objectContaining({ path: ['g0'], extensions: { code: 'INVALID_CREDENTIALS' } })]);
    // Only that one attempt was counted: two more are allowed before the limit of 3.
    for (let i = 0; i < 2; i++) expect(outcome(await signIn(email, `wrong-again-${i}-xyz`))).toBe('INVALID_CREDENTIALS');
    expectRateLimited(await signIn(email, GOOD_PASSWORD), WINDOW);
  });

  it('lets at most 3 of 10 concurrent wrong sign-ins reach the password check', async () => {
    const { email } = await signUpUser(limited, clientAt());
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => signIn(email, `wrong-guess-${i}-xyz`)));
    const codes = results.map(outcome);
    expect(codes.filter((c) => c === 'INVALID_CREDENTIALS')).toHaveLength(3);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(7);
    for (const res of results.filter((r) => outcome(r) === 'RATE_LIMITED')) expectRateLimited(res, WINDOW);
    expectRateLimited(await signIn(email, GOOD_PASSWORD), WINDOW);
  });
});

describe('query shapes: refused before execution', () => {
  it('refuses more than 5 aliases, and serves 5', async () => {
    const aliased = (n: number) => `query { ${Array.from({ length: n }, (_, i) => `m${i}: me { id }`).join(' ')} }`;
    expect((await t.client().graphql(aliased(5))).data).toEqual({ m0: null, m1: null, m2: null, m3: null, m4: null });
    const res = await t.client().graphql(aliased(6));
    expectClientError(res);
    expect(res.errors?.[0]?.message).toMatch(/Aliases limit of 5 exceeded/);
  });

  it('refuses a query deeper than 8 levels', async () => {
    // Valid GraphQL: each inline fragment is a level, and none changes the type.
    const deep = `query { me { ${'... on User { '.repeat(9)}id${' }'.repeat(9)} } }`;
    const res = await t.client().graphql(deep);
    expectClientError(res);
    expect(res.errors?.[0]?.message).toMatch(/depth limit of 8 exceeded/);
  });

  it('refuses a query of more than 1000 tokens (a very wide selection)', async () => {
    const res = await t.client().graphql(`query { me { ${'id '.repeat(1000)} } }`);
    expectClientError(res);
    expect(res.errors?.[0]?.message).toMatch(/Token limit of 1000 exceeded/);
  });

  it('refuses a query costing more than 1000 (a fragment fan-out in few tokens)', async () => {
    const fanOut = `query { me { ...A ...A ...A ...A ...A } }
      fragment A on User { ...B ...B ...B ...B ...B }
      fragment B on User { ...C ...C ...C ...C ...C }
      fragment C on User { id username email createdAt }`;
    const res = await t.client().graphql(fanOut);
    expectClientError(res);
    expect(res.errors?.[0]?.message).toMatch(/Cost limit of 1000 exceeded/);
  });

  it('refuses more than 5 directives, and serves 5', async () => {
    const fields = (n: number) => ['id', 'username', 'email', 'createdAt', 'ID: id', 'USERNAME: username'].slice(0, n).map((f) => `${f} @include(if: true)`);
    expect((await t.client().graphql(`query { me @skip(if: false) { ${fields(4).join(' ')} } }`)).data).toEqual({ me: null });
    const res = await t.client().graphql(`query { me @skip(if: false) { ${fields(5).join(' ')} } }`);
    expectClientError(res);
    expect(res.errors?.[0]?.message).toMatch(/Directives limit of 5 exceeded/);
  });
});

describe('the client address', () => {
  it('does not let a spoofed X-Forwarded-For escape the per-address limit without TRUST_PROXY', async () => {
    // A window far longer than the test: its attempts all fall inside it however slow the machine.
    const direct = await startTestApp({ env: { RATE_LIMITS: 'on', RATE_LIMIT_SIGN_IN_IP: '3/600' } });
    try {
      const attempt = () =>
        direct.client({ headers: { 'x-forwarded-for': uniqueAddress() } }).graphql(SIGN_IN, { input: { email: uniqueEmail('nobody'), password: GOOD_PASSWORD } });
      for (let i = 0; i < 3; i++) expect(outcome(await attempt())).toBe('INVALID_CREDENTIALS');
      for (let i = 0; i < 3; i++) expectRateLimited(await attempt(), 600);
    } finally {
      await direct.close();
    }
  });
});

/** POSTs `total` bytes to the app in 16 KiB chunks, stopping as soon as the server answers. */
function postLargeBody(app: TestApp, total: number, options: { chunked: boolean }): Promise<{ status: number; body: string; sent: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (!options.chunked) headers['content-length'] = String(total);
    const req = request(app.graphqlUrl, { method: 'POST', headers });
    req.on('response', (res) => {
      answered = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, sent }));
    });
    // Stops writing at the answer; an error after it (a dropped connection) is not this test's concern.
    req.on('error', (error) => (answered ? undefined : reject(error)));
    const chunk = Buffer.alloc(16 * 1024, ' ');
    const pump = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe('hostile bodies and input', () => {
  const FIFTY_MB = 50 * 1024 * 1024;

  it('refuses a body whose content-length is over MAX_BODY_BYTES with 413, without waiting for it', async () => {
    const before = await userCount();
    const res = await postLargeBody(t, FIFTY_MB, { chunked: false });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).errors[0].message).toMatch(/larger than 65536 bytes/);
    // Answered long before the 50 MB were sent: the server did not read them.
    expect(res.sent).toBeLessThan(FIFTY_MB);
    expect(await userCount()).toBe(before);
  });

  it('refuses a chunked body (no content-length) over MAX_BODY_BYTES with 413, without reading it whole', async () => {
    const res = await postLargeBody(t, FIFTY_MB, { chunked: true });
    expect(res.status).toBe(413);
    expect(res.sent).toBeLessThan(FIFTY_MB);
  });

  it('answers malformed JSON with 400 BAD_REQUEST, whatever the client accepts, without extensions.originalError', async () => {
    for (const accept of [undefined, 'application/json', 'application/graphql-response+json', 'application/graphql-response+json, application/json']) {
      const res = await t.client().send('{"query": "mutation { logout { message } }"', accept ? { accept } : {});
      expect(res.status).toBe(400);
      expect(res.data ?? null).toBeNull();
      // Only what the message says: nothing of the parser's own error (which names the runtime).
      expect(res.errors).toEqual([{ message: 'POST body sent invalid JSON.', extensions: { code: 'BAD_REQUEST' } }]);
    }
  });

  it('answers wrong variable types with a GraphQL error and writes nothing', async () => {
    const email = uniqueEmail('types');
    const before = await userCount();
    for (const input of [
      { username: 'Types', email, password: 12345678901 },
      { username: ['Types'], email, password: GOOD_PASSWORD },
      { username: 'Types', email: { $ne: null }, password: GOOD_PASSWORD },
      { username: 'Types', email, password: null },
    ]) {
      // Sent as a plain string: these variables are deliberately not of the schema's types.
      const res = await t.client().graphql(SIGN_UP.toString(), { input });
      expectClientError(res);
      expect(res.errors?.[0]?.message).toMatch(/Variable "\$input" got invalid value/);
    }
    expect(await userCount()).toBe(before);
  });

  it('answers unknown input and output fields with GraphQL errors, and writes or reveals nothing', async () => {
    const email = uniqueEmail('unknown');
    const extra = await t.client().graphql(SIGN_UP, { input: { username: 'Admin', email, password: GOOD_PASSWORD, role: 'admin' } });
    expectClientError(extra);
    expect(extra.errors?.[0]?.message).toMatch(/Field "role" is not defined by type "SignUpInput"/);
    expect(await usersWith(email)).toBe(0);

    const { client } = await signUpUser();
    const hidden = await client.graphql('query { me { id passwordHash } }');
    expect(hidden.status).toBeLessThan(500);
    expect(hidden.data ?? null).toBeNull();
    expect(hidden.errors?.map((e) => e.message)).toEqual(['Cannot query field "passwordHash" on type "User".']);
  });

  it('refuses NUL bytes and control characters in email, username and password, and writes nothing', async () => {
    const email = uniqueEmail('nul');
    const before = await userCount();
    const [local, domain] = email.split('@');
    expectBadInput(await t.client().graphql(SIGN_UP, { input: { username: 'Nul', email: `${local}\u0000@${domain}`, password: GOOD_PASSWORD } }), 'email');
    expectBadInput(await t.client().graphql(SIGN_UP, { input: { username: 'N\u0000ul', email, password: GOOD_PASSWORD } }), 'username');
    expectBadInput(await t.client().graphql(SIGN_UP, { input: { username: 'Nul', email, password: `${GOOD_PASSWORD}\u0000` } }), 'password');
    expectBadInput(await t.client().graphql(SIGN_IN, { input: { email, password: `${GOOD_PASSWORD}\u0000` } }), 'password');
    // Other control characters: an escape sequence for a terminal reading logs, a bell, a C1 newline.
    for (const control of ['\u001b[31m', '\u0007', '\u0085']) {
      expectBadInput(await t.client().graphql(SIGN_UP, { input: { username: `Ctl${control}`, email, password: GOOD_PASSWORD } }), 'username');
      expectBadInput(await t.client().graphql(SIGN_UP, { input: { username: 'Ctl', email: `${local}${control}@${domain}`, password: GOOD_PASSWORD } }), 'email');
    }
    expect(await userCount()).toBe(before);
  });

  it('refuses a 10 kB email everywhere one is taken, and writes or mails nothing', async () => {
    const huge = `${'a'.repeat(10_000)}@example.com`;
    const { email, client } = await signUpUser();
    const before = { users: await userCount(), mails: await mailsSent() };
    const attempts = [
      t.client().graphql(SIGN_UP, { input: { username: 'Huge', email: huge, password: GOOD_PASSWORD } }),
      t.client().graphql(SIGN_IN, { input: { email: huge, password: GOOD_PASSWORD } }),
      t.client().graphql(SEND_MAIL, { input: { email: huge } }),
      t.client().graphql(RESET_PASSWORD, { input: { email: huge, code: '123456', newPassword: OTHER_PASSWORD } }),
      client.graphql(DELETE_USER, { input: { email: huge, password: GOOD_PASSWORD } }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.data ?? null).toBeNull();
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message).toMatch(/^email: must be at most 254 characters/);
    }
    expect(await userCount()).toBe(before.users);
    expect(await mailsSent()).toBe(before.mails);
    await expectSignedIn(client, email);
  });

  it('refuses a 1 MB password and a 10 kB email before hashing: answered in a fraction of one hash', async () => {
    // Slow hashing (t=20, ten times the default) and a body limit that lets the megabyte through.
    const slow = await startTestApp({ env: { ARGON2_ITERATIONS: '20', MAX_BODY_BYTES: '2000000' } });
    try {
      const { email } = await signUpUser(slow);
      const timed = async (login: string, password: string) => {
        const started = performance.now();
        const res = await slow.client().graphql(SIGN_IN, { input: { email: login, password } });
        return { res, ms: performance.now() - started };
      };
      // The fastest of a few tries on each side: a refusal that hashed could never be faster than
      // the fastest hash, while a stall on a busy machine only ever makes a try slower.
      const fastest = async (login: string, password: string, check: (res: GraphqlResponse) => void) => {
        let best = Infinity;
        for (let i = 0; i < 3; i++) {
          const { res, ms } = await timed(login, password);
          check(res);
          best = Math.min(best, ms);
        }
        return best;
      };
      const oneHash = await fastest(email, 'wrong-guess-xyz-1', (res) => expect(outcome(res)).toBe('INVALID_CREDENTIALS'));
      for (const password of ['p'.repeat(1_000_000), 'p'.repeat(257)]) {
        const refused = await fastest(email, password, (res) => expectBadInput(res, 'password', /at most 256 characters/));
        expect(refused).toBeLessThan(oneHash / 2);
      }
      // An over-long email is refused as cheaply, with a password that would be hashed.
      const longEmail = await fastest(`${'a'.repeat(10_000)}@example.com`, GOOD_PASSWORD, (res) =>
        expectBadInput(res, 'email', /at most 254 characters/),
      );
      expect(longEmail).toBeLessThan(oneHash / 2);
      const before = await userCount(slow);
      const signUp = await slow.client().graphql(SIGN_UP, { input: { username: 'Mega', email: uniqueEmail('mega'), password: 'p'.repeat(1_000_000) } });
      expectBadInput(signUp, 'password', /at most 256 characters/);
      expect(await userCount(slow)).toBe(before);
    } finally {
      await slow.close();
    }
    // Four slow hashes and a dozen megabyte bodies: long on a loaded machine.
  }, 180_000);

  it('refuses Unicode that is not text (unpaired surrogates) and a full-width @, and writes nothing', async () => {
    const email = uniqueEmail('unicode');
    const [local, domain] = email.split('@');
    const before = await userCount();
    // JSON can carry half a surrogate pair; stored as UTF-8 it would silently become U+FFFD.
    expectBadInput(await t.client().graphql(SIGN_UP, { input: { username: 'Half', email: `${local}\ud800@${domain}`, password: GOOD_PASSWORD } }), 'email');
    expectBadInput(await t.client().graphql(SIGN_UP, { input: { username: 'Half\udc00', email, password: GOOD_PASSWORD } }), 'username');
    expectBadInput(await t.client().graphql(SIGN_UP, { input: { username: 'Half', email, password: `${GOOD_PASSWORD}\ud800` } }), 'password');
    expectBadInput(await t.client().graphql(SIGN_UP, { input: { username: 'Wide', email: `${local}\uff20${domain}`, password: GOOD_PASSWORD } }), 'email');
    expect(await userCount()).toBe(before);
    // Text made of surrogate pairs (emoji) is fine, in every field.
    const emoji = await t.client().graphql(SIGN_UP, { input: { username: '🦊', email: `${local}🦊@${domain}`, password: '🦊🐙🦉🐢🦔🐝🦋🐬' } });
    expect(emoji.data?.signUp.user).toMatchObject({ username: '🦊', email: `${local}🦊@${domain}` });
  });

  it('makes one account of an email typed precomposed or decomposed (NFC), stored precomposed', async () => {
    const local = uniqueEmail('jose').split('@')[0]!;
    const precomposed = `${local}-jos\u00e9@example.com`;
    const decomposed = `${local}-jose\u0301@example.com`;
    const created = await t.client().graphql(SIGN_UP, { input: { username: 'José', email: decomposed, password: GOOD_PASSWORD } });
    expect(created.data?.signUp.user.email).toBe(precomposed);
    const again = await t.client().graphql(SIGN_UP, { input: { username: 'José', email: precomposed, password: GOOD_PASSWORD } });
    expect(outcome(again)).toBe('EMAIL_TAKEN');
    expect(await usersWith(precomposed)).toBe(1);
    expect(await usersWith(decomposed)).toBe(0);
    const client = t.client();
    expect((await client.graphql(SIGN_IN, { input: { email: decomposed, password: GOOD_PASSWORD } })).data?.signIn.message).toBe('login successful!');
    await expectSignedIn(client, precomposed);
  });

  it.each([
    ['a zero-width space', '\u200b'],
    ['a zero-width non-joiner', '\u200c'],
    ['a zero-width joiner', '\u200d'],
    ['a word joiner', '\u2060'],
    ['a byte-order mark', '\ufeff'],
    ['a soft hyphen', '\u00ad'],
    ['a left-to-right mark', '\u200e'],
    ['a right-to-left override', '\u202e'],
    ['a left-to-right isolate', '\u2066'],
  ])('refuses a look-alike of an existing email holding %s, wherever an email is taken', async (_name, invisible) => {
    const { email, client } = await signUpUser();
    const [local, domain] = email.split('@') as [string, string];
    const lookAlikes = [`${local.slice(0, 3)}${invisible}${local.slice(3)}@${domain}`, `${invisible}${email}`, `${email}${invisible}`];
    const before = { users: await userCount(), mails: await mailsSent() };
    for (const lookAlike of lookAlikes) {
      for (const res of [
        await t.client().graphql(SIGN_UP, { input: { username: 'Twin', email: lookAlike, password: GOOD_PASSWORD } }),
        await t.client().graphql(SIGN_IN, { input: { email: lookAlike, password: GOOD_PASSWORD } }),
        await t.client().graphql(SEND_MAIL, { input: { email: lookAlike } }),
        await t.client().graphql(RESET_PASSWORD, { input: { email: lookAlike, code: '123456', newPassword: OTHER_PASSWORD } }),
      ]) {
        expectBadInput(res, 'email', /^email: must not contain invisible or control characters$/);
      }
      // The owner's own session asking to delete the look-alike: refused the same way, session kept.
      const deletion = await client.graphql(DELETE_USER, { input: { email: lookAlike, password: GOOD_PASSWORD } });
      expect(deletion.errors?.[0]).toMatchObject({
        message: 'email: must not contain invisible or control characters',
        extensions: { code: 'BAD_USER_INPUT', field: 'email' },
      });
    }
    expect(await userCount()).toBe(before.users);
    expect(await mailsSent()).toBe(before.mails);
    await expectSignedIn(client, email);
  });

  it('refuses very common passwords at signUp and at resetPassword, and the reset code survives', async () => {
    for (const password of ['password123', 'qwertyuiop', 'iloveyou1234']) {
      const email = uniqueEmail('common');
      expectBadInput(await t.client().graphql(SIGN_UP, { input: { username: 'Common', email, password } }), 'password', /too common/);
      expect(await usersWith(email)).toBe(0);
    }
    const { email } = await signUpUser();
    await t.client().graphql(SEND_MAIL, { input: { email } });
    const code = resetCodeIn(await sink.waitForMail(email, 1, MAIL.resetCode));
    const weak = await t.client().graphql(RESET_PASSWORD, { input: { email, code, newPassword: 'password123' } });
    expectBadInput(weak, 'newPassword', /too common/);
    // Refused before the code was looked at: the old password still works, the code still resets.
    expect((await t.client().graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } })).data?.signIn.message).toBe('login successful!');
    const good = await t.client().graphql(RESET_PASSWORD, { input: { email, code, newPassword: OTHER_PASSWORD } });
    expect(good.data?.resetPassword.message).toBe('password reset successful!');
  });
});

describe('information leaks', () => {
  it('masks an unexpected error as INTERNAL_SERVER_ERROR with a requestId that is also in the log: no stack, no SQL', async () => {
    // A real fault that is not an outage: the users table is gone from under the running server.
    const broken = await startTestApp();
    try {
      await broken.app.services.prisma.$executeRawUnsafe('ALTER TABLE users RENAME TO users_gone');
      const response = await fetch(broken.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: SIGN_IN, variables: { input: { email: uniqueEmail('fault'), password: GOOD_PASSWORD } } }),
      });
      // A GraphQL error in the field (data null), not a crash of the request.
      expect(response.status).toBe(200);
      const text = await response.text();
      const body = JSON.parse(text) as { data: unknown; errors: Array<Record<string, unknown>> };
      expect(body.data).toBeNull();
      expect(body.errors).toEqual([
        {
          message: 'Unexpected error.',
          locations: [expect.any(Object)],
          path: ['signIn'],
          extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
        },
      ]);
      expect(text).not.toMatch(/select|insert|from "|prisma|pglite|pool|node_modules|\bat \w/i);
      const requestId = (body.errors[0]!.extensions as { requestId: string }).requestId;
      // Logged once, with its cause for the operator; not a second time by Yoga.
      const errors = broken.logger.lines.filter((line) => line.startsWith('error'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain(requestId);
      expect(errors[0]).toMatch(/users/);
    } finally {
      await broken.close();
    }
    // Starting a server of its own takes a while on a busy machine.
  }, 120_000);

  it('hides "Did you mean" suggestions in production, in query and in variable errors', async () => {
    const typoInQuery = 'query { me { emial } }';
    const typoInVariables = { input: { emial: uniqueEmail('typo'), password: GOOD_PASSWORD } };
    // The development default shows them: the control for what production must hide.
    expect((await t.client().graphql(typoInQuery)).errors?.[0]?.message).toMatch(/Did you mean "email"\?/);

    const production = await startTestApp({ env: { NODE_ENV: 'production' } });
    try {
      const inQuery = await production.client().graphql(typoInQuery);
      const inVariables = await production.client().graphql(SIGN_IN.toString(), typoInVariables);
      for (const res of [inQuery, inVariables]) {
        expectClientError(res);
        const messages = res.errors!.map((e) => e.message).join('\n');
        expect(messages).toMatch(/"emial" .*\[Suggestion hidden\]/);
        expect(messages).not.toMatch(/Did you mean/);
      }
      // Introspection, the other way to learn the schema, is off there too.
      const introspection = await production.client().graphql('query { __schema { types { name } } }');
      expect(introspection.errors?.[0]?.message).toMatch(/introspection has been disabled/);
    } finally {
      await production.close();
    }
  });
});

describe('CSRF and CORS', () => {
  const deleteMutation = (email: string) => `mutation { deleteUser(input: { email: "${email}", password: "${GOOD_PASSWORD}" }) { message } }`;

  it.each([
    ['application/x-www-form-urlencoded', (q: string) => `query=${encodeURIComponent(q)}`],
    [
      'multipart/form-data; boundary=csrf',
      (q: string) =>
        `--csrf\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query: q })}\r\n` +
        `--csrf\r\nContent-Disposition: form-data; name="map"\r\n\r\n{}\r\n--csrf--\r\n`,
    ],
    ['text/plain', (q: string) => JSON.stringify({ query: q })],
  ])('refuses a cross-site form post (%s) with 415, with the victim\'s cookie: the account stays', async (contentType, encode) => {
    const { email, client } = await signUpUser();
    const res = await client.send(encode(deleteMutation(email)), { 'content-type': contentType, origin: 'https://evil.example' });
    expect(res.status).toBe(415);
    expect(res.data ?? null).toBeNull();
    expect(await usersWith(email)).toBe(1);
    await expectSignedIn(client, email);
  });

  it('refuses a mutation over GET (a link or an <img>) with 405: the session stays', async () => {
    const { email, client } = await signUpUser();
    const res = await client.get({ query: LOGOUT.toString() });
    expect(res.status).toBe(405);
    expect(res.data ?? null).toBeNull();
    await expectSignedIn(client, email);
  });

  it("serves Apollo Client's and urql's default requests (POST application/json with their accept header)", async () => {
    const { email } = await signUpUser();
    const headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
    const client = t.client();
    const signIn = await client.graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } }, headers);
    expect(signIn.status).toBe(200);
    expect(signIn.data?.signIn.message).toBe('login successful!');
    // The cookie a cross-site request will not carry (SameSite=Lax), that no script reads, never cached.
    expect(signIn.setCookie).toMatchObject({ httpOnly: true, sameSite: 'lax', path: '/' });
    expect(signIn.headers.get('cache-control')).toBe('no-store');
    const me = await client.graphql(ME, {}, headers);
    expect(me.status).toBe(200);
    expect(me.data?.me?.email).toBe(email);
  });

  it('answers a configured origin with Allow-Origin (that origin) and Allow-Credentials, on the preflight and the response', async () => {
    const preflight = await fetch(t.graphqlUrl, {
      method: 'OPTIONS',
      headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-methods')).toMatch(/POST/);

    const res = await t.client({ headers: { origin: ALLOWED_ORIGIN } }).graphql(ME);
    expect(res.data).toEqual({ me: null });
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    // The answer depends on the Origin, and a cache in front must know it (once is enough).
    for (const answer of [preflight, res]) expect(answer.headers.get('vary')?.match(/\borigin\b/gi)).toHaveLength(1);
  });

  it('gives an unlisted origin neither Allow-Origin nor Allow-Credentials, on the preflight or the response', async () => {
    for (const origin of ['https://evil.example', `${ALLOWED_ORIGIN}.evil.example`, 'null']) {
      const preflight = await fetch(t.graphqlUrl, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
      const res = await t.client({ headers: { origin } }).graphql(ME);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      for (const answer of [preflight, res]) expect(answer.headers.get('vary')).toMatch(/\bOrigin\b/i);
    }
  });
});

describe('forged and stale session tokens', () => {
  const OTHER_SECRET = 'another-secret-0123456789-abcdefghijklmno';
  const now = () => Math.floor(Date.now() / 1000);
  let victim: { email: string; client: TestClient; token: string };
  let attackerToken: string;

  beforeAll(async () => {
    const signedUp = await signUpUser();
    victim = { ...signedUp, token: (await signedUp.client.token())! };
    attackerToken = (await (await signUpUser()).client.token())!;
  });

  /** The victim's real claims, so a forgery differs in the one property under test. */
  const claims = () => decodeToken(victim.token);

  it('accepts the victim\'s claims re-signed HS256 with the right secret (the control for the forgeries below)', async () => {
    const client = t.client();
    await client.useToken(signToken(claims(), TEST_SECRET));
    expect((await client.graphql(ME)).data?.me?.email).toBe(victim.email);
  });

  const forgeries: Array<[string, () => string]> = [
    ['alg "none" (no signature)', () => unsignedToken(claims())],
    ['HS512 with the right secret', () => signToken(claims(), TEST_SECRET, 'HS512')],
    ['HS384 with the right secret', () => signToken(claims(), TEST_SECRET, 'HS384')],
    ['HS256 with another secret', () => signToken(claims(), OTHER_SECRET)],
    ['an iat in the future', () => signToken({ ...claims(), iat: now() + 3600, exp: now() + 3900 }, TEST_SECRET)],
    ['no sid', () => signToken({ ...claims(), sid: undefined }, TEST_SECRET)],
    ['an exp in the past', () => signToken({ ...claims(), iat: now() - 120, exp: now() - 60 }, TEST_SECRET)],
    ['another iss', () => signToken({ ...claims(), iss: 'someone-else' }, TEST_SECRET)],
    ['another aud', () => signToken({ ...claims(), aud: 'someone-else' }, TEST_SECRET)],
    // The attacker's own genuine token, its payload swapped for the victim's session.
    ['a tampered payload (the victim\'s sub and sid under the attacker\'s signature)', () => withPayload(attackerToken, claims())],
  ];

  it.each(forgeries)('refuses a token with %s: me is null, dashboard UNAUTHENTICATED, the cookie cleared', async (_name, forge) => {
    const token = forge();
    const client = t.client();
    await client.useToken(token);
    const me = await client.graphql(ME);
    expect(me.errors).toBeUndefined();
    expect(me.data).toEqual({ me: null });
    expect(me.setCookie).toMatchObject({ value: '', maxAge: 0 });

    await client.useToken(token);
    const dashboard = await client.graphql(DASHBOARD);
    expect(dashboard.data).toBeNull();
    expect(dashboard.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(dashboard.setCookie).toMatchObject({ value: '', maxAge: 0 });
    expect(dashboard.headers.get('cache-control')).toBe('no-store');

    // The same token as a bearer, for clients without cookies: refused alike.
    const bearer = await t.client().graphql(ME, {}, { authorization: `Bearer ${token}` });
    expect(bearer.data).toEqual({ me: null });
    // The victim's own session is untouched.
    await expectSignedIn(victim.client, victim.email);
  });

  it('accepts a token signed with JWT_SECRET_PREVIOUS during a rotation, and re-signs it with the new secret', async () => {
    const NEW_SECRET = 'rotated-secret-0123456789-abcdefghijklmn';
    // A second instance on the same database, started after the rotation; t still signs with the old secret.
    const rotated = await startSecondInstance(t, { JWT_SECRET: NEW_SECRET, JWT_SECRET_PREVIOUS: TEST_SECRET });
    try {
      const { email, client: onOld } = await signUpUser();
      const oldToken = (await onOld.token())!;
      expect(() => jwt.verify(oldToken, TEST_SECRET, { algorithms: ['HS256'] })).not.toThrow();

      const client = rotated.client();
      await client.useToken(oldToken);
      const res = await client.graphql(DASHBOARD);
      expect(res.errors).toBeUndefined();
      expect(res.data?.dashboard.user.email).toBe(email);
      const refreshed = res.setCookie?.value ?? '';
      expect(res.setCookie?.maxAge).toBeGreaterThan(0);
      expect(decodeToken(refreshed).sid).toBe(decodeToken(oldToken).sid);
      expect(() => jwt.verify(refreshed, NEW_SECRET, { algorithms: ['HS256'] })).not.toThrow();
      expect(() => jwt.verify(refreshed, TEST_SECRET, { algorithms: ['HS256'] })).toThrow(/invalid signature/);
    } finally {
      await rotated.close();
    }
  });
});
