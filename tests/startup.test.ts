// Starting the server as an operator does: the real entry point in a child process, configured
// only through its environment. And the configuration rules themselves (loadConfig).
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { DASHBOARD, GOOD_PASSWORD, SIGN_IN, SIGN_IN_WITH_TWO_FACTOR, SIGN_UP, uniqueEmail } from './support/operations.ts';
import { killLeftoverServers, launch, startServer } from './support/server-process.ts';
import { TestClient } from './support/test-client.ts';
import { createTestDatabase, type TestDatabase, usingPostgres } from './support/test-database.ts';
import { turnOnTwoFactor } from './support/two-factor.ts';

const SECRET = 'a-production-secret-of-at-least-32-chars';
const KEY = '0123456789abcdef'.repeat(4);

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'auth-api-startup-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});
afterEach(killLeftoverServers);

/** Runs a start that is expected to end by itself; resolves to its exit code and output. */
async function startAndWaitForExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const { exited, output } = launch(env);
  const code = await exited;
  return { code, output: output() };
}

describe('the entry point (npm start)', () => {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    if (usingPostgres) database = await createTestDatabase();
  });
  afterAll(() => database?.drop());

  it('starts on a random port, keeps users, sessions and two-factor across a restart, and reuses the generated secrets', async () => {
    const dataDir = await tempDir();
    // Nothing but where to listen and where to keep data (plus the server, in the postgres project).
    const env = { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ...(database ? { DATABASE_URL: database.url! } : {}) };

    const first = await startServer(env);
    expect(first.url.href).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
    expect(Number(first.url.port)).toBeGreaterThan(0);
    expect(first.output()).toContain(database ? '(PostgreSQL)' : `(PGlite in ${dataDir})`);

    const email = uniqueEmail('restart');
    const client = new TestClient(first.url);
    const signUp = await client.graphql(SIGN_UP, { input: { username: 'Phoenix', email, password: GOOD_PASSWORD } });
    expect(signUp.data?.signUp.message).toBe('user created!');
    const token = await client.token();
    expect(token).toBeTruthy();
    // A second account with two-factor on: its secret is encrypted under the generated key.
    const guarded = new TestClient(first.url);
    const guardedEmail = uniqueEmail('restart-2fa');
    await guarded.graphql(SIGN_UP, { input: { username: 'Guarded', email: guardedEmail, password: GOOD_PASSWORD } });
    const { authenticator } = await turnOnTwoFactor(guarded);

    const secretFile = join(dataDir, 'jwt-secret');
    const secret = await readFile(secretFile, 'utf8');
    expect(secret.trim().length).toBeGreaterThanOrEqual(32);
    expect((await stat(secretFile)).mode & 0o777).toBe(0o600);
    const keyFile = join(dataDir, 'encryption-key');
    const key = await readFile(keyFile, 'utf8');
    expect(key.trim()).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    if (!database) expect(existsSync(join(dataDir, 'pglite'))).toBe(true);

    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.output()).toContain('SIGTERM: finishing requests and mail, then stopping');

    const second = await startServer(env);
    try {
      const signIn = await new TestClient(second.url).graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } });
      expect(signIn.errors).toBeUndefined();
      expect(signIn.data?.signIn).toMatchObject({ message: 'login successful!', user: { email, username: 'Phoenix' } });

      // The cookie the first run set still opens the dashboard: same secret, same session row.
      const returning = new TestClient(second.url);
      await returning.useToken(token!);
      const dashboard = await returning.graphql(DASHBOARD);
      expect(dashboard.errors).toBeUndefined();
      expect(dashboard.data?.dashboard.message).toBe('Welcome, Phoenix!');
      expect(await readFile(secretFile, 'utf8')).toBe(secret);

      // The same generated key decrypts the authenticator secret: the next code signs in.
      const withCode = await new TestClient(second.url).graphql(SIGN_IN_WITH_TWO_FACTOR, {
        input: { email: guardedEmail, password: GOOD_PASSWORD, code: authenticator.code(1) },
      });
      expect(withCode.errors).toBeUndefined();
      expect(withCode.data?.signIn.user.twoFactorEnabled).toBe(true);
      expect(await readFile(keyFile, 'utf8')).toBe(key);
    } finally {
      expect(await second.stop('SIGTERM')).toBe(0);
    }
    // Two cold starts of a child process (tsx compiling, PGlite migrating) on a loaded machine.
  }, 180_000);

  it('refuses to start in production without JWT_SECRET, and generates none', async () => {
    const dataDir = await tempDir();
    const { code, output } = await startAndWaitForExit({ NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir });
    expect(code).not.toBe(0);
    expect(output).toMatch(/JWT_SECRET: required in production/);
    expect(output).not.toMatch(/ready at/);
    expect(existsSync(join(dataDir, 'jwt-secret'))).toBe(false);
  });

  it('refuses to start in production without ENCRYPTION_KEY, naming it, and generates none', async () => {
    const dataDir = await tempDir();
    const { code, output } = await startAndWaitForExit({ NODE_ENV: 'production', JWT_SECRET: SECRET, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir });
    expect(code).not.toBe(0);
    expect(output).toMatch(/^\s+- ENCRYPTION_KEY: required in production/m);
    expect(output).not.toMatch(/ready at/);
    expect(existsSync(join(dataDir, 'encryption-key'))).toBe(false);
  });

  it('refuses to start in production with a 10-character JWT_SECRET', async () => {
    const { code, output } = await startAndWaitForExit({
      NODE_ENV: 'production',
      JWT_SECRET: '0123456789',
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: await tempDir(),
    });
    expect(code).not.toBe(0);
    expect(output).toMatch(/JWT_SECRET: must be at least 32 characters/);
    expect(output).not.toMatch(/ready at/);
  });

  it.each([
    ['a PORT that is not a number', { PORT: 'http' }, /PORT: .*number/],
    ['a PORT out of range', { PORT: '70000' }, /PORT: .*65535/],
    [
      'SESSION_ABSOLUTE_SECONDS shorter than SESSION_IDLE_SECONDS',
      { PORT: '0', SESSION_IDLE_SECONDS: '900', SESSION_ABSOLUTE_SECONDS: '600' },
      /SESSION_ABSOLUTE_SECONDS: must not be shorter than SESSION_IDLE_SECONDS/,
    ],
    ['an IP address as PASSKEY_RP_ID', { PORT: '0', PASSKEY_RP_ID: '127.0.0.1' }, /PASSKEY_RP_ID: .*IP address/],
    ['a passkey origin outside the RP ID', { PORT: '0', PASSKEY_RP_ID: 'example.com', PASSKEY_ORIGINS: 'https://example.org' }, /PASSKEY_ORIGINS: .*not at or under/],
    ['ADMIN_PORT equal to PORT', { PORT: '4100', ADMIN_PORT: '4100' }, /ADMIN_PORT: must differ from PORT \(the operator API never shares the public listener\)/],
    ['ADMIN_PORT equal to METRICS_PORT', { PORT: '0', METRICS_PORT: '9464', ADMIN_PORT: '9464' }, /ADMIN_PORT: must differ from METRICS_PORT/],
  ])('refuses to start with %s and says why', async (_case, settings, message) => {
    const { code, output } = await startAndWaitForExit({ HOST: '127.0.0.1', DATA_DIR: await tempDir(), ...settings });
    expect(code).not.toBe(0);
    expect(output).toMatch(/Invalid configuration:/);
    expect(output).toMatch(message);
    expect(output).not.toMatch(/ready at/);
  });

  it('reports every configuration problem at once', async () => {
    const { code, output } = await startAndWaitForExit({
      NODE_ENV: 'production',
      PORT: 'http',
      SESSION_IDLE_SECONDS: '900',
      SESSION_ABSOLUTE_SECONDS: '600',
      COOKIE_SECURE: 'maybe',
      HOST: '127.0.0.1',
      DATA_DIR: await tempDir(),
    });
    expect(code).not.toBe(0);
    for (const variable of ['JWT_SECRET', 'ENCRYPTION_KEY', 'PORT', 'SESSION_ABSOLUTE_SECONDS', 'COOKIE_SECURE']) {
      expect(output).toMatch(new RegExp(`^\\s+- ${variable}: `, 'm'));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// loadConfig(): the defaults and rules, without a process.

describe('loadConfig()', () => {
  it('has working defaults outside production, with a generated secret kept in DATA_DIR', async () => {
    const dataDir = await tempDir();
    const config = loadConfig({ DATA_DIR: dataDir });
    expect(config).toMatchObject({
      production: false,
      port: 4000,
      host: undefined,
      databaseUrl: undefined,
      dataDir: resolve(dataDir),
      jwt: { previousSecret: undefined, issuer: 'auth-api', audience: 'auth-api' },
      session: { idleSeconds: 600, absoluteSeconds: 28_800 },
      password: { minLength: 8, maxLength: 256 },
      cookie: { name: 'access_token', secure: false },
      corsOrigins: [],
      mail: { smtpUrl: undefined },
      resetCode: { digits: 6, ttlSeconds: 600, maxAttempts: 5 },
      trustProxy: false,
      redisUrl: undefined,
      graphiql: true,
      introspection: true,
      rateLimits: { enabled: true },
      log: { level: 'info', format: 'pretty' },
      metrics: { port: undefined, host: '127.0.0.1' },
      shutdownGraceSeconds: 10,
      purgeIntervalSeconds: 3600,
    });
    expect(config.jwt.secret.length).toBeGreaterThanOrEqual(32);
    expect((await readFile(join(dataDir, 'jwt-secret'), 'utf8')).trim()).toBe(config.jwt.secret);
    expect(loadConfig({ DATA_DIR: dataDir }).jwt.secret).toBe(config.jwt.secret);
    // Likewise the key that encrypts authenticator secrets.
    expect(config.encryption.key).toHaveLength(32);
    expect(config.encryption.previousKey).toBeUndefined();
    expect((await readFile(join(dataDir, 'encryption-key'), 'utf8')).trim()).toBe(config.encryption.key.toString('hex'));
    expect(loadConfig({ DATA_DIR: dataDir }).encryption.key).toEqual(config.encryption.key);
  });

  it('takes ENCRYPTION_KEY and ENCRYPTION_KEY_PREVIOUS only as 64 hex characters', () => {
    const previous = 'fedcba9876543210'.repeat(4);
    expect(loadConfig({ JWT_SECRET: SECRET, ENCRYPTION_KEY: KEY.toUpperCase(), ENCRYPTION_KEY_PREVIOUS: previous }).encryption).toEqual({
      key: Buffer.from(KEY, 'hex'),
      previousKey: Buffer.from(previous, 'hex'),
    });
    for (const bad of ['too-short', KEY.slice(1), `${KEY}00`, `${KEY.slice(2)}zz`]) {
      expect(() => loadConfig({ JWT_SECRET: SECRET, ENCRYPTION_KEY: bad })).toThrow(/ENCRYPTION_KEY: must be 64 hex characters/);
      expect(() => loadConfig({ JWT_SECRET: SECRET, ENCRYPTION_KEY: KEY, ENCRYPTION_KEY_PREVIOUS: bad })).toThrow(/ENCRYPTION_KEY_PREVIOUS: must be 64 hex characters/);
    }
  });

  it('reads the operations variables: JSON logs in production, metrics off until a port is given, the shutdown grace', () => {
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET, ENCRYPTION_KEY: KEY }).log).toEqual({ level: 'info', format: 'json' });
    const config = loadConfig({
      JWT_SECRET: SECRET,
      ENCRYPTION_KEY: KEY,
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
      METRICS_PORT: '9464',
      METRICS_HOST: '0.0.0.0',
      SHUTDOWN_GRACE_SECONDS: '2.5',
    });
    expect(config).toMatchObject({ log: { level: 'debug', format: 'json' }, metrics: { port: 9464, host: '0.0.0.0' }, shutdownGraceSeconds: 2.5 });
    expect(() => loadConfig({ JWT_SECRET: SECRET, LOG_LEVEL: 'verbose', LOG_FORMAT: 'xml', METRICS_PORT: '99999', SHUTDOWN_GRACE_SECONDS: '-1' })).toThrow(
      /LOG_LEVEL[\s\S]*LOG_FORMAT[\s\S]*METRICS_PORT[\s\S]*SHUTDOWN_GRACE_SECONDS/,
    );
  });

  it('keeps data under ./.data by default', () => {
    expect(loadConfig({ JWT_SECRET: SECRET, ENCRYPTION_KEY: KEY }).dataDir).toBe(resolve('.data'));
  });

  it('turns on the production defaults: Secure __Host- cookie, no GraphiQL, no introspection, no generated secret', async () => {
    const dataDir = await tempDir();
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET, ENCRYPTION_KEY: KEY, DATA_DIR: dataDir });
    expect(config).toMatchObject({
      production: true,
      jwt: { secret: SECRET },
      cookie: { name: '__Host-access_token', secure: true },
      graphiql: false,
      introspection: false,
    });
    expect(config.encryption).toEqual({ key: Buffer.from(KEY, 'hex'), previousKey: undefined });
    expect(existsSync(join(dataDir, 'jwt-secret'))).toBe(false);
    expect(existsSync(join(dataDir, 'encryption-key'))).toBe(false);
  });

  it('lets operators override the production defaults', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      JWT_SECRET: SECRET,
      ENCRYPTION_KEY: KEY,
      GRAPHIQL: 'true',
      INTROSPECTION: 'true',
      COOKIE_SECURE: 'false',
    });
    expect(config).toMatchObject({ graphiql: true, introspection: true, cookie: { name: 'access_token', secure: false } });
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET, ENCRYPTION_KEY: KEY, COOKIE_NAME: 'sid' }).cookie).toEqual({ name: 'sid', secure: true, sameSite: 'lax' });
    expect(loadConfig({ JWT_SECRET: SECRET, ENCRYPTION_KEY: KEY, COOKIE_SECURE: 'true' }).cookie).toEqual({ name: '__Host-access_token', secure: true, sameSite: 'lax' });
  });

  it('reads the documented variables', () => {
    const config = loadConfig({
      JWT_SECRET: SECRET,
      ENCRYPTION_KEY: KEY,
      JWT_SECRET_PREVIOUS: `${SECRET}-old`,
      PORT: '8080',
      HOST: '127.0.0.1',
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/postgres',
      SESSION_IDLE_SECONDS: '300',
      SESSION_ABSOLUTE_SECONDS: '3600',
      PASSWORD_MIN_LENGTH: '15',
      CORS_ORIGINS: ' https://a.example , https://b.example,',
      RESET_CODE_DIGITS: '8',
      RESET_CODE_TTL_SECONDS: '120',
      TRUST_PROXY: 'true',
      REDIS_URL: 'redis://127.0.0.1:6379',
      RATE_LIMITS: 'off',
      PURGE_INTERVAL_SECONDS: '0',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: 'postgresql://postgres@127.0.0.1:5432/postgres',
      jwt: { secret: SECRET, previousSecret: `${SECRET}-old` },
      session: { idleSeconds: 300, absoluteSeconds: 3600 },
      password: { minLength: 15 },
      corsOrigins: ['https://a.example', 'https://b.example'],
      resetCode: { digits: 8, ttlSeconds: 120 },
      trustProxy: true,
      redisUrl: 'redis://127.0.0.1:6379',
      rateLimits: { enabled: false },
      purgeIntervalSeconds: 0,
    });
  });

  describe('passkeys', () => {
    const base = { JWT_SECRET: SECRET, ENCRYPTION_KEY: KEY };

    it('default outside production to localhost, the server\'s own origin and the CORS origins under it', () => {
      const config = loadConfig({ ...base, PORT: '4100', CORS_ORIGINS: 'http://localhost:5173,https://app.example.com' });
      expect(config.passkeys).toEqual({
        enabled: true,
        rpId: 'localhost',
        origins: ['http://localhost:4100', 'http://localhost:5173'],
        challengeTtlSeconds: 300,
        maxPerUser: 10,
      });
    });

    it('stay off in production until both PASSKEY_RP_ID and PASSKEY_ORIGINS are set', () => {
      const production = { ...base, NODE_ENV: 'production' };
      expect(loadConfig(production).passkeys.enabled).toBe(false);
      expect(loadConfig({ ...production, PASSKEY_RP_ID: 'example.com' }).passkeys.enabled).toBe(false);
      expect(loadConfig({ ...production, PASSKEY_ORIGINS: 'https://example.com' }).passkeys.enabled).toBe(false);
      expect(loadConfig({ ...production, PASSKEY_RP_ID: 'example.com', PASSKEY_ORIGINS: 'https://app.example.com' }).passkeys).toMatchObject({
        enabled: true,
        rpId: 'example.com',
        origins: ['https://app.example.com'],
      });
    });

    it('take https origins at or under the RP ID, http only for localhost, and Android app origins', () => {
      const android = `android:apk-key-hash:${Buffer.alloc(32, 1).toString('base64url')}`;
      const config = loadConfig({
        ...base,
        PASSKEY_RP_ID: 'example.com',
        PASSKEY_ORIGINS: `https://example.com,https://app.example.com,${android}`,
        PASSKEY_CHALLENGE_TTL_SECONDS: '600',
        PASSKEY_MAX_PER_USER: '5',
      });
      expect(config.passkeys).toMatchObject({ origins: ['https://example.com', 'https://app.example.com', android], challengeTtlSeconds: 600, maxPerUser: 5 });
    });

    it.each([
      [{ PASSKEY_RP_ID: '10.0.0.1' }, /PASSKEY_RP_ID: "10.0.0.1": an IP address/],
      [{ PASSKEY_RP_ID: '[::1]' }, /PASSKEY_RP_ID: .*IP address/],
      [{ PASSKEY_RP_ID: 'https://example.com' }, /PASSKEY_RP_ID: .*domain name with no scheme/],
      [{ PASSKEY_RP_ID: 'Example.com' }, /PASSKEY_RP_ID: .*lower-case/],
      [{ PASSKEY_RP_ID: 'co.uk' }, /PASSKEY_RP_ID: .*public suffix/],
      [{ PASSKEY_RP_ID: 'github.io' }, /PASSKEY_RP_ID: .*public suffix/],
      [{ PASSKEY_RP_ID: 'example.com' }, /PASSKEY_ORIGINS: no default origin is at or under PASSKEY_RP_ID example.com/],
      [{ PASSKEY_RP_ID: 'example.com', PASSKEY_ORIGINS: 'http://app.example.com' }, /PASSKEY_ORIGINS: .*must be https/],
      [{ PASSKEY_RP_ID: 'example.com', PASSKEY_ORIGINS: 'https://evilexample.com' }, /PASSKEY_ORIGINS: .*not at or under the RP ID example.com/],
      [{ PASSKEY_RP_ID: 'example.com', PASSKEY_ORIGINS: 'https://app.example.com/' }, /PASSKEY_ORIGINS: .*trailing slash/],
      [{ PASSKEY_RP_ID: 'example.com', PASSKEY_ORIGINS: 'android:apk-key-hash:abc' }, /PASSKEY_ORIGINS: .*android:apk-key-hash/],
      [{ PASSKEY_CHALLENGE_TTL_SECONDS: '0' }, /PASSKEY_CHALLENGE_TTL_SECONDS/],
      [{ PASSKEY_MAX_PER_USER: '0' }, /PASSKEY_MAX_PER_USER/],
    ])('refuse %o', (settings, message) => {
      expect(() => loadConfig({ ...base, ...settings })).toThrow(message);
    });
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ JWT_SECRET: SECRET, ENCRYPTION_KEY: KEY, PORT: '', COOKIE_NAME: '' })).toMatchObject({ port: 4000, cookie: { name: 'access_token' } });
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: '' })).toThrow(/JWT_SECRET: required in production/);
  });

  it('throws a ConfigError that lists every problem', () => {
    let error: unknown;
    try {
      loadConfig({
        NODE_ENV: 'production',
        PORT: '-1',
        DATABASE_URL: 'mysql://localhost/db',
        SESSION_IDLE_SECONDS: '900',
        SESSION_ABSOLUTE_SECONDS: '600',
        RATE_LIMIT_SIGN_IN_ACCOUNT: 'lots',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^JWT_SECRET: required in production/),
        expect.stringMatching(/^ENCRYPTION_KEY: required in production/),
        expect.stringMatching(/^PORT: /),
        'DATABASE_URL: must be a postgresql:// connection string',
        'SESSION_ABSOLUTE_SECONDS: must not be shorter than SESSION_IDLE_SECONDS',
        'RATE_LIMIT_SIGN_IN_ACCOUNT: must be "attempts/seconds", e.g. 5/900',
      ]),
    );
    expect(problems).toHaveLength(6);
    expect((error as ConfigError).message).toMatch(/^Invalid configuration:\n {2}- /);
  });
});
