// The one place that reads process.env: parsed and checked once at start, every problem reported.
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseDomain } from 'tldts';
import { z } from 'zod';
import type { LogFormat, PinoLevel } from './observability/pino-logger.ts';
import { ARGON2_LIMITS } from './services/passwords/passwords.ts';
import { parseProviderConfig, type ProvidersConfig } from './services/providers/provider-config.ts';
import { RATE_LIMIT_RULES, type RateLimitRuleName, type RateLimitRules } from './services/security/rate-limits.ts';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off']).transform((v) => ['true', '1', 'yes', 'on'].includes(v));
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const secret = z.string().min(32, 'must be at least 32 characters');
const hexKey = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (32 bytes), e.g. from `openssl rand -hex 32`')
  .transform((v) => Buffer.from(v, 'hex'));
const rule = z
  .string()
  .regex(/^\d+\/\d+$/, 'must be "attempts/seconds", e.g. 5/900')
  .transform((v) => {
    const [points, seconds] = v.split('/').map(Number) as [number, number];
    return { points, seconds };
  })
  .refine((r) => r.points >= 1 && r.seconds >= 1, 'attempts and seconds must both be at least 1');
const list = z.string().transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

/**
 * Why a CORS_ORIGINS entry can never equal a browser's Origin header (scheme, host and port,
 * nothing else, lower-case), or undefined when it can. Such an entry would start fine and then
 * match no request, silently.
 */
export function corsOriginProblem(entry: string): string | undefined {
  if (entry === '*' || entry.includes('*')) {
    return `"${entry}": wildcards are not allowed with credentials; list each origin, e.g. https://app.example.com`;
  }
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) return `"${entry}": missing the scheme; write it as the browser sends it, e.g. https://${entry.replace(/\/+$/, '')}`;
  const url = URL.parse(entry);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return `"${entry}": must be an http:// or https:// origin`;
  if (url.pathname !== '/' || url.search || url.hash) return `"${entry}": an origin has no path, query or fragment; use ${url.origin}`;
  if (entry.endsWith('/')) return `"${entry}": remove the trailing slash; browsers send ${url.origin}`;
  if (url.origin !== entry) return `"${entry}": browsers send it as ${url.origin}`;
  return undefined;
}

/** Why a PASSKEY_RP_ID can never be a WebAuthn RP ID, or undefined when it can. */
export function rpIdProblem(rpId: string): string | undefined {
  if (isIP(rpId.replace(/^\[|\]$/g, ''))) return `"${rpId}": an IP address cannot be an RP ID (browsers refuse WebAuthn on one); use a domain name, or localhost in development`;
  if (URL.parse(`https://${rpId}`)?.hostname !== rpId || rpId.endsWith('.')) {
    return `"${rpId}": must be a lower-case domain name with no scheme, port or path, e.g. example.com`;
  }
  // Private suffixes (github.io, …) too: browsers refuse those as RP IDs as well.
  if (rpId !== 'localhost' && parseDomain(rpId, { allowPrivateDomains: true }).domain === null) {
    return `"${rpId}": a public suffix cannot be an RP ID; use your own domain`;
  }
  return undefined;
}

/** Android apps sign with a key whose SHA-256 they send, base64url, as their WebAuthn origin. */
const ANDROID_ORIGIN = /^android:apk-key-hash:[A-Za-z0-9_-]{43}$/;

/**
 * Why a PASSKEY_ORIGINS entry can never be accepted for `rpId`, or undefined when it can: an exact
 * https:// origin at or under the RP ID (http:// only for localhost), or an Android app's origin.
 */
export function passkeyOriginProblem(entry: string, rpId: string): string | undefined {
  if (entry.startsWith('android:')) {
    return ANDROID_ORIGIN.test(entry) ? undefined : `"${entry}": an Android origin is android:apk-key-hash: and the base64url SHA-256 of the app's signing certificate (43 characters)`;
  }
  const problem = corsOriginProblem(entry);
  if (problem) return problem;
  const { protocol, hostname } = new URL(entry);
  if (hostname !== rpId && !hostname.endsWith(`.${rpId}`)) return `"${entry}": not at or under the RP ID ${rpId}`;
  if (protocol === 'http:' && hostname !== 'localhost') return `"${entry}": must be https:// (http:// only for localhost)`;
  return undefined;
}

const envSchema = z.object({
  NODE_ENV: z.string().optional(),
  PORT: int(0, 65535).default(4000),
  HOST: z.string().min(1).optional(),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// connection string').optional(),
  DATA_DIR: z.string().min(1).default('./.data'),
  JWT_SECRET: secret.optional(),
  JWT_SECRET_PREVIOUS: secret.optional(),
  ENCRYPTION_KEY: hexKey.optional(),
  ENCRYPTION_KEY_PREVIOUS: hexKey.optional(),
  JWT_ISSUER: z.string().min(1).default('auth-api'),
  JWT_AUDIENCE: z.string().min(1).default('auth-api'),
  SESSION_IDLE_SECONDS: int(1, 86_400).default(600),
  SESSION_ABSOLUTE_SECONDS: int(1, 2_592_000).default(28_800),
  REAUTH_MAX_AGE_SECONDS: int(1, 86_400).default(300),
  PASSWORD_MIN_LENGTH: int(8, 256).default(8),
  ARGON2_MEMORY_KIB: int(ARGON2_LIMITS.minMemoryKiB, ARGON2_LIMITS.maxMemoryKiB).default(19_456),
  ARGON2_ITERATIONS: int(ARGON2_LIMITS.minTime, ARGON2_LIMITS.maxTime).default(2),
  ARGON2_PARALLELISM: int(1, ARGON2_LIMITS.maxParallelism).default(1),
  COOKIE_NAME: z.string().regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'must be a cookie name token').optional(),
  COOKIE_SECURE: bool.optional(),
  COOKIE_SAME_SITE: z.enum(['lax', 'strict', 'none']).default('lax'),
  CORS_ORIGINS: list.default([]),
  BEARER_TOKENS: bool.default(true),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  MAIL_FROM: z.string().min(3).default('Auth API <no-reply@localhost>'),
  APP_NAME: z.string().min(1).default('Auth API'),
  // Fractions allowed, as for the grace below: tests retry in a fraction of a second.
  MAIL_RETRY_BASE_SECONDS: z.coerce.number().min(0.01).max(600).default(30),
  MAIL_RETRY_HOURS: z.coerce.number().min(0.001).max(720).default(24),
  MAIL_SEND_CONCURRENCY: int(1, 32).default(2),
  RESET_CODE_DIGITS: int(6, 10).default(6),
  // Down to 1 second like the session lifetimes: a shorter code life never weakens anything.
  RESET_CODE_TTL_SECONDS: int(1, 86_400).default(600),
  RESET_CODE_MAX_ATTEMPTS: int(1, 20).default(5),
  REQUIRE_VERIFIED_EMAIL: bool.default(false),
  VERIFY_CODE_TTL_SECONDS: int(1, 604_800).default(3600),
  SECURITY_EVENT_RETENTION_DAYS: int(1, 3650).default(90),
  NEW_SIGN_IN_NOTICE: bool.default(true),
  TRUST_PROXY: bool.default(false),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').optional(),
  GRAPHIQL: bool.optional(),
  INTROSPECTION: bool.optional(),
  RATE_LIMITS: z.enum(['on', 'off']).default('on'),
  MAX_BODY_BYTES: int(1_024, 10_485_760).default(65_536),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  METRICS_PORT: int(0, 65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  // Fractions allowed: tests and fast-cycling platforms may want less than a second.
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).max(3600).default(10),
  // Hourly: dead rows are inert (every check compares expiry), so the purge only bounds their number.
  PURGE_INTERVAL_SECONDS: int(0, 604_800).default(3_600),
  PASSKEY_RP_ID: z.string().min(1).max(253).optional(),
  PASSKEY_ORIGINS: list.optional(),
  // Down to 1 second like the code lifetimes; WebAuthn L3 recommends 300 to 600.
  PASSKEY_CHALLENGE_TTL_SECONDS: int(1, 3_600).default(300),
  PASSKEY_MAX_PER_USER: int(1, 100).default(10),
  // The operator API (src/admin/): off unless a port is given; loopback unless told otherwise.
  ADMIN_PORT: int(0, 65535).optional(),
  ADMIN_HOST: z.string().min(1).default('127.0.0.1'),
  // An importUsers call of 500 users is about 200 KB.
  ADMIN_MAX_BODY_BYTES: int(1_024, 10_485_760).default(1_048_576),
  // An invitation is a reset code with a week to answer it.
  INVITATION_TTL_SECONDS: int(1, 2_592_000).default(604_800),
});

// OWASP: a few failed sign-ins per account before a cool-down, a few reset mails per address per
// hour; generous per-address limits for offices behind one NAT.
export const DEFAULT_RATE_LIMITS: Record<RateLimitRuleName, string> = {
  signInAccount: '5/900',
  signInIp: '100/900',
  signUpIp: '10/3600',
  sendMailEmail: '3/3600',
  sendMailIp: '10/3600',
  resetPasswordEmail: '10/3600',
  resetPasswordIp: '20/900',
  deleteUserAccount: '5/900',
  deleteUserIp: '20/900',
  emailCodeMailAccount: '5/3600',
  emailCodeMailIp: '20/3600',
  emailCodeCheckAccount: '10/3600',
  emailCodeCheckIp: '20/900',
  // A browser holding a device cookie known for the account is counted on its own (OWASP's
  // "device cookie"), so guesses from elsewhere cannot lock the owner out.
  signInDevice: '5/900',
  // Wrong authenticator or recovery codes, per account, whatever the client.
  secondFactorAccount: '5/900',
  // Password proofs of startTwoFactorSetup, disableTwoFactor, regenerateRecoveryCodes and startPasskeyRegistration.
  twoFactorPasswordAccount: '5/900',
  // Every start and finish of a passkey ceremony, per client address: passkey failures never
  // count against an account, so anyone could lock its owner out.
  passkeyIp: '100/900',
  // Provider flows per client address: starts (startProviderSignIn, startProviderLink), and
  // callbacks and finishes.
  providerStartIp: '30/900',
  providerFinishIp: '60/900',
  // The operator API: requests per key, failed keys per client address (checked before the key,
  // right or wrong), and operator mails per target account.
  adminKey: '600/60',
  adminAuthIp: '20/900',
  adminMailAccount: '5/3600',
};

/** RATE_LIMIT_SIGN_IN_ACCOUNT for the rule signInAccount, and so on. */
export function rateLimitVariable(name: RateLimitRuleName): string {
  return `RATE_LIMIT_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

function parseRateLimits(raw: Record<string, string | undefined>, problems: string[]): RateLimitRules {
  const entries = RATE_LIMIT_RULES.map((name) => {
    const variable = rateLimitVariable(name);
    const parsed = rule.safeParse(raw[variable] ?? DEFAULT_RATE_LIMITS[name]);
    if (!parsed.success) problems.push(`${variable}: ${parsed.error.issues[0]?.message}`);
    return [name, parsed.success ? parsed.data : { points: 1, seconds: 1 }] as const;
  });
  return Object.fromEntries(entries) as RateLimitRules;
}


export interface Config {
  production: boolean;
  port: number;
  host: string | undefined;
  databaseUrl: string | undefined;
  dataDir: string;
  jwt: { secret: string; previousSecret: string | undefined; issuer: string; audience: string };
  /** AES-256 keys for secrets stored at rest; the previous one still decrypts during a rotation. */
  encryption: { key: Buffer; previousKey: Buffer | undefined };
  /** `reauthMaxAgeSeconds`: how fresh a session must be to stand in for the password of an account without one. */
  session: { idleSeconds: number; absoluteSeconds: number; reauthMaxAgeSeconds: number };
  password: { minLength: number; maxLength: number };
  argon2: { memoryCost: number; timeCost: number; parallelism: number };
  /** The session cookie; a device cookie follows the same `secure` and `sameSite`. */
  cookie: { name: string; secure: boolean; sameSite: CookieSameSite };
  corsOrigins: string[];
  /** `Authorization: Bearer` and header delivery of tokens (off: cookies only). */
  bearerTokens: boolean;
  mail: {
    smtpUrl: string | undefined;
    from: string;
    appName: string;
    /** The outbox's retries: the first after `retryBaseSeconds`, doubling, until `retryHours` after queueing. */
    delivery: { retryBaseSeconds: number; retryHours: number; concurrency: number };
  };
  resetCode: { digits: number; ttlSeconds: number; maxAttempts: number };
  /** Verification and email-change codes: the reset code's digits and tries, a lifetime of their own. */
  emailCode: { ttlSeconds: number; requireVerified: boolean };
  securityEvents: { retentionDays: number; newSignInNotice: boolean };
  trustProxy: boolean;
  redisUrl: string | undefined;
  graphiql: boolean;
  introspection: boolean;
  rateLimits: { enabled: boolean; rules: RateLimitRules };
  maxBodyBytes: number;
  log: { level: PinoLevel; format: LogFormat };
  /** Prometheus metrics on a listener of their own; off without a port. */
  metrics: { port: number | undefined; host: string };
  shutdownGraceSeconds: number;
  /** Seconds between purges of dead rows inside the server; 0: no timer (`npm run purge` only). */
  purgeIntervalSeconds: number;
  passkeys: PasskeyConfig;
  /** Sign-in with identity providers (src/services/providers/provider-config.ts). */
  providers: ProvidersConfig;
  /** The operator API's listener (src/admin/); off without a port. */
  admin: { port: number | undefined; host: string; maxBodyBytes: number };
  /** How long an invitation code (a reset code mailed by createUser or sendInvitation) works. */
  invitationTtlSeconds: number;
}

export interface PasskeyConfig {
  /** False in production until PASSKEY_RP_ID and PASSKEY_ORIGINS are both set: passkey operations answer FORBIDDEN. */
  enabled: boolean;
  rpId: string;
  /** Exact origins whose answers count (https://, http://localhost, android:apk-key-hash:…). */
  origins: string[];
  challengeTtlSeconds: number;
  maxPerUser: number;
}

export type CookieSameSite = 'lax' | 'strict' | 'none';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * For the commands (`npm start` and the scripts): the configuration, or every problem on standard
 * error and exit 1. Written there and not logged: the logger's own settings may be what is wrong.
 */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

/** Parses the environment; throws ConfigError listing every problem at once. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset", as they do in most deployment tools.
  const raw = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(raw);
  const problems: string[] = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  const rateLimitRules = parseRateLimits(raw, problems);
  // Checks across variables run even when another variable failed, so one start reports everything.
  const production = raw.NODE_ENV === 'production';
  if (production && !raw.JWT_SECRET) problems.push('JWT_SECRET: required in production (at least 32 random characters)');
  if (production && !raw.ENCRYPTION_KEY) problems.push('ENCRYPTION_KEY: required in production (64 hex characters, e.g. from `openssl rand -hex 32`)');
  const idle = envSchema.shape.SESSION_IDLE_SECONDS.safeParse(raw.SESSION_IDLE_SECONDS);
  const absolute = envSchema.shape.SESSION_ABSOLUTE_SECONDS.safeParse(raw.SESSION_ABSOLUTE_SECONDS);
  if (idle.success && absolute.success && absolute.data < idle.data) {
    problems.push('SESSION_ABSOLUTE_SECONDS: must not be shorter than SESSION_IDLE_SECONDS');
  }
  for (const entry of list.parse(raw.CORS_ORIGINS ?? '')) {
    const problem = corsOriginProblem(entry);
    if (problem) problems.push(`CORS_ORIGINS: ${problem}`);
  }
  // SameSite=None sends the cookie on every cross-site request; browsers accept it only when Secure.
  const secureCookie = bool.safeParse(raw.COOKIE_SECURE);
  if (raw.COOKIE_SAME_SITE === 'none' && !(secureCookie.success ? secureCookie.data : production)) {
    problems.push('COOKIE_SAME_SITE: "none" needs a Secure cookie (COOKIE_SECURE=true, served over HTTPS); browsers drop a SameSite=None cookie that is not Secure');
  }
  // The port as configured (4000 when it is not a valid one, which is reported above), for the default origins and PUBLIC_URL.
  const portParsed = envSchema.shape.PORT.safeParse(raw.PORT);
  const port = portParsed.success ? portParsed.data : 4000;
  const passkeys = passkeyConfig(raw, production, port, problems);
  const providers = parseProviderConfig(raw, { production, host: raw.HOST, port, cookieSecure: secureCookie.success ? secureCookie.data : production }, problems);
  if (parsed.success && parsed.data.ADMIN_PORT !== undefined && parsed.data.ADMIN_PORT !== 0) {
    const { ADMIN_PORT, PORT, METRICS_PORT } = parsed.data;
    if (ADMIN_PORT === PORT) problems.push('ADMIN_PORT: must differ from PORT (the operator API never shares the public listener)');
    if (ADMIN_PORT === METRICS_PORT) problems.push('ADMIN_PORT: must differ from METRICS_PORT');
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const env = parsed.data;

  const dataDir = resolve(env.DATA_DIR);
  const secure = env.COOKIE_SECURE ?? production;
  return {
    production,
    port: env.PORT,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL,
    dataDir,
    jwt: {
      secret: env.JWT_SECRET ?? developmentSecret(dataDir),
      previousSecret: env.JWT_SECRET_PREVIOUS,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
    },
    encryption: {
      key: env.ENCRYPTION_KEY ?? developmentEncryptionKey(dataDir),
      previousKey: env.ENCRYPTION_KEY_PREVIOUS,
    },
    session: { idleSeconds: env.SESSION_IDLE_SECONDS, absoluteSeconds: env.SESSION_ABSOLUTE_SECONDS, reauthMaxAgeSeconds: env.REAUTH_MAX_AGE_SECONDS },
    password: { minLength: env.PASSWORD_MIN_LENGTH, maxLength: 256 },
    argon2: { memoryCost: env.ARGON2_MEMORY_KIB, timeCost: env.ARGON2_ITERATIONS, parallelism: env.ARGON2_PARALLELISM },
    // The __Host- prefix makes browsers refuse the cookie unless it is Secure, host-only and Path=/.
    cookie: { name: env.COOKIE_NAME ?? (secure ? '__Host-access_token' : 'access_token'), secure, sameSite: env.COOKIE_SAME_SITE },
    corsOrigins: env.CORS_ORIGINS,
    bearerTokens: env.BEARER_TOKENS,
    mail: {
      smtpUrl: env.SMTP_URL,
      from: env.MAIL_FROM,
      appName: env.APP_NAME,
      delivery: { retryBaseSeconds: env.MAIL_RETRY_BASE_SECONDS, retryHours: env.MAIL_RETRY_HOURS, concurrency: env.MAIL_SEND_CONCURRENCY },
    },
    resetCode: { digits: env.RESET_CODE_DIGITS, ttlSeconds: env.RESET_CODE_TTL_SECONDS, maxAttempts: env.RESET_CODE_MAX_ATTEMPTS },
    emailCode: { ttlSeconds: env.VERIFY_CODE_TTL_SECONDS, requireVerified: env.REQUIRE_VERIFIED_EMAIL },
    securityEvents: { retentionDays: env.SECURITY_EVENT_RETENTION_DAYS, newSignInNotice: env.NEW_SIGN_IN_NOTICE },
    trustProxy: env.TRUST_PROXY,
    redisUrl: env.REDIS_URL,
    graphiql: env.GRAPHIQL ?? !production,
    introspection: env.INTROSPECTION ?? !production,
    rateLimits: {
      enabled: env.RATE_LIMITS === 'on',
      rules: rateLimitRules,
    },
    maxBodyBytes: env.MAX_BODY_BYTES,
    log: { level: env.LOG_LEVEL, format: env.LOG_FORMAT ?? (production ? 'json' : 'pretty') },
    metrics: { port: env.METRICS_PORT, host: env.METRICS_HOST },
    shutdownGraceSeconds: env.SHUTDOWN_GRACE_SECONDS,
    purgeIntervalSeconds: env.PURGE_INTERVAL_SECONDS,
    passkeys: { ...passkeys, challengeTtlSeconds: env.PASSKEY_CHALLENGE_TTL_SECONDS, maxPerUser: env.PASSKEY_MAX_PER_USER },
    providers,
    admin: { port: env.ADMIN_PORT, host: env.ADMIN_HOST, maxBodyBytes: env.ADMIN_MAX_BODY_BYTES },
    invitationTtlSeconds: env.INVITATION_TTL_SECONDS,
  };
}

/**
 * The RP ID and origins. Outside production: localhost, and the server's own http://localhost
 * origin plus each CORS origin at or under the RP ID. In production nothing is assumed: passkeys
 * stay off until both are set.
 */
function passkeyConfig(
  raw: Record<string, string | undefined>,
  production: boolean,
  port: number,
  problems: string[],
): Pick<PasskeyConfig, 'enabled' | 'rpId' | 'origins'> {
  const rpId = raw.PASSKEY_RP_ID ?? (production ? undefined : 'localhost');
  const given = raw.PASSKEY_ORIGINS === undefined ? undefined : list.parse(raw.PASSKEY_ORIGINS);
  if (rpId === undefined || (production && given === undefined)) return { enabled: false, rpId: '', origins: [] };
  const rpIdError = rpIdProblem(rpId);
  if (rpIdError) {
    problems.push(`PASSKEY_RP_ID: ${rpIdError}`);
    return { enabled: false, rpId, origins: [] };
  }
  if (given) {
    for (const entry of given) {
      const problem = passkeyOriginProblem(entry, rpId);
      if (problem) problems.push(`PASSKEY_ORIGINS: ${problem}`);
    }
    if (given.length === 0) problems.push('PASSKEY_ORIGINS: list at least one origin');
    return { enabled: true, rpId, origins: given };
  }
  const own = `http://localhost:${port}`;
  const origins = [...new Set([own, ...list.parse(raw.CORS_ORIGINS ?? '')])].filter((origin) => !passkeyOriginProblem(origin, rpId));
  // A site's own RP ID with nothing under it would refuse every passkey answer: say so now.
  if (origins.length === 0) problems.push(`PASSKEY_ORIGINS: no default origin is at or under PASSKEY_RP_ID ${rpId}; list the site's origins`);
  return { enabled: true, rpId, origins };
}

/** Outside production a missing JWT_SECRET is generated once and kept in the data directory. */
function developmentSecret(dataDir: string): string {
  return keptInDataDir(dataDir, 'jwt-secret', (v) => v.length >= 32, () => randomBytes(48).toString('base64url'));
}

/** Likewise ENCRYPTION_KEY: losing it would make every stored authenticator secret unreadable. */
function developmentEncryptionKey(dataDir: string): Buffer {
  const hex = keptInDataDir(dataDir, 'encryption-key', (v) => /^[0-9a-f]{64}$/i.test(v), () => randomBytes(32).toString('hex'));
  return Buffer.from(hex, 'hex');
}

function keptInDataDir(dataDir: string, name: string, valid: (value: string) => boolean, generate: () => string): string {
  const file = join(dataDir, name);
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (valid(existing)) return existing;
  } catch {
    // Not there yet: generate it below.
  }
  mkdirSync(dataDir, { recursive: true });
  const generated = generate();
  writeFileSync(file, `${generated}\n`, { mode: 0o600 });
  return generated;
}

