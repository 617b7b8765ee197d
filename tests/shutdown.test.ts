// Graceful shutdown of the real server process (`npm start`) on SIGTERM: requests in flight and
// queued mail finish, keep-alive connections are told and closed, the process exits 0 promptly;
// what outlives SHUTDOWN_GRACE_SECONDS is cut and the exit code says so.
import { request as httpRequest, Agent } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GOOD_PASSWORD, SEND_MAIL, SIGN_UP, uniqueEmail } from './support/operations.ts';
import { killLeftoverServers, type RunningServer, startServer } from './support/server-process.ts';
import { MAIL, startSmtpSink, type SmtpSink } from './support/smtp-sink.ts';
import { TestClient } from './support/test-client.ts';
import { createTestDatabase, type TestDatabase, usingPostgres } from './support/test-database.ts';

// Exit must follow the last answer by well under a second on an idle machine. The bound leaves
// room for a busy one and still catches a server that waits out a keep-alive timeout (5 s).
const PROMPT_EXIT_MS = 2_500;

let database: TestDatabase | undefined;
const dataDirs: string[] = [];
beforeAll(async () => {
  if (usingPostgres) database = await createTestDatabase();
});
afterEach(killLeftoverServers);
afterAll(async () => {
  await database?.drop();
  await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function start(env: Record<string, string>): Promise<RunningServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'auth-api-shutdown-'));
  dataDirs.push(dataDir);
  return startServer({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    JWT_SECRET: 'shutdown-test-secret-0123456789-abcdef',
    RATE_LIMITS: 'off',
    // Debug lines show when the server has taken each request (they carry its X-Request-Id).
    LOG_LEVEL: 'debug',
    LOG_FORMAT: 'json',
    ...(database ? { DATABASE_URL: database.url! } : {}),
    ...env,
  });
}

/** Resolves once the server has logged a line about the request with this id. */
const taken = (server: RunningServer, requestId: string) => server.waitForOutput(new RegExp(`"requestId":"${requestId}"`));

function connectTo(url: URL): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** performance.now() when the socket closes. */
const closedAt = (socket: Socket) => new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now())));

describe('on SIGTERM', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    // A mail server that takes 2 s to accept each mail.
    sink = await startSmtpSink({ acceptDelayMs: 2_000 });
  });
  afterAll(() => sink.close());

  it('finishes eight signUps and a slow mail in flight, tells and closes keep-alive connections, and exits 0 right after', async () => {
    // argon2 at 8 iterations: each signUp hashes for a while, so all eight are inside the server.
    const server = await start({ SMTP_URL: sink.url, ARGON2_ITERATIONS: '8', SHUTDOWN_GRACE_SECONDS: '10' });
    const graphqlUrl = server.url;
    const known = uniqueEmail('shutdown-mail');
    expect((await new TestClient(graphqlUrl).graphql(SIGN_UP, { input: { username: 'Mail', email: known, password: GOOD_PASSWORD } })).status).toBe(200);

    // An idle keep-alive connection (a request answered, the socket kept), one that never sent a
    // byte (a browser's preconnect), and one whose request is still arriving.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const idleSocket = await new Promise<Socket>((resolve, reject) => {
      const req = httpRequest(new URL('/health', graphqlUrl), { agent }, (res) => {
        res.resume();
        res.once('end', () => resolve(req.socket as Socket));
      });
      req.once('error', reject);
      req.end();
    });
    const idleClosed = closedAt(idleSocket);
    const unused = await connectTo(graphqlUrl);
    const unusedClosed = closedAt(unused);
    const probe = await connectTo(graphqlUrl);
    const probeAnswer = new Promise<string>((resolve) => {
      let text = '';
      probe.on('data', (chunk: Buffer) => (text += chunk.toString()));
      probe.once('close', () => resolve(text));
    });
    probe.write(`GET /ready HTTP/1.1\r\nHost: ${graphqlUrl.host}\r\n`);

    // The slow mail: sendMail answers at once, the mail server holds the mail for 2 s.
    const sendMail = await new TestClient(graphqlUrl).graphql(SEND_MAIL, { input: { email: known } });
    expect(sendMail.status).toBe(200);
    const mailArrived = sink.waitForMail(known, 1, MAIL.resetCode, 30_000).then(() => performance.now());

    let lastAnswerAt = 0;
    const signUps = Array.from({ length: 8 }, async (_, i) => {
      const response = await new TestClient(graphqlUrl).graphql(
        SIGN_UP,
        { input: { username: `Drain${i}`, email: uniqueEmail(`drain${i}`), password: GOOD_PASSWORD } },
        { 'x-request-id': `drain-signup-${i}` },
      );
      lastAnswerAt = Math.max(lastAnswerAt, performance.now());
      return response;
    });
    for (let i = 0; i < 8; i++) await taken(server, `drain-signup-${i}`);

    const signalledAt = performance.now();
    server.child.kill('SIGTERM');
    // Once the server says it is draining, the request still arriving on the open connection ends.
    await server.waitForOutput(/SIGTERM: finishing requests and mail/);
    probe.write('\r\n');

    const answers = await Promise.all(signUps);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.signUp.message).toBe('user created!');
    }
    const mailAt = await mailArrived;
    const code = await server.exited;
    const exitedAt = server.exitedAt()!;

    expect(code).toBe(0);
    // The open connection's probe: not ready, and the connection is not kept.
    const probeText = await probeAnswer;
    expect(probeText).toMatch(/^HTTP\/1\.1 503 /);
    expect(probeText).toMatch(/^connection: close\r$/im);
    // No new connections once draining.
    await expect(connectTo(graphqlUrl)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    // Idle and unused connections were closed by the server, not left to time out.
    expect(await idleClosed).toBeLessThanOrEqual(exitedAt);
    expect(await unusedClosed).toBeLessThanOrEqual(exitedAt);
    expect(exitedAt - signalledAt).toBeLessThan(10_000);
    const lastOfThem = Math.max(lastAnswerAt, mailAt);
    expect(exitedAt - lastOfThem).toBeLessThan(PROMPT_EXIT_MS);
    expect(server.output()).toMatch(/"msg":"stopped in \d+ ms"/);
    agent.destroy();
  }, 180_000);

  it('cuts a request still running when the grace ends, and exits 1', async () => {
    // A hash that takes seconds (128 MiB, 40 passes) against a grace of one second.
    const server = await start({ ARGON2_MEMORY_KIB: '131072', ARGON2_ITERATIONS: '40', SHUTDOWN_GRACE_SECONDS: '1' });
    const slow = new TestClient(server.url)
      .graphql(SIGN_UP, { input: { username: 'Slow', email: uniqueEmail('slow'), password: GOOD_PASSWORD } }, { 'x-request-id': 'slow-signup' })
      .then(
        (response) => ({ answered: true as const, status: response.status }),
        () => ({ answered: false as const }),
      );
    await taken(server, 'slow-signup');

    const signalledAt = performance.now();
    server.child.kill('SIGTERM');
    const code = await server.exited;

    expect(code).toBe(1);
    expect(await slow).toEqual({ answered: false });
    // It waited out the grace before cutting.
    expect(server.exitedAt()! - signalledAt).toBeGreaterThanOrEqual(1_000);
    expect(server.output()).toMatch(/"requestsInFlight":1,.*"msg":"shutdown grace of 1 s ended: cutting what is still running"/);
  }, 180_000);
});
