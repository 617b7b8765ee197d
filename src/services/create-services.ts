// Wires the services together from configuration and the open database.
import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { DatabaseOutage } from '../db/database-outage.ts';
import type { SqlClient } from '../db/open-database.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Logger } from '../logger.ts';
import { type AccountSessions, createAccountSessions } from './sessions/account-sessions.ts';
import { type AccountService, createAccountService } from './accounts.ts';
import { type BackgroundTasks, createBackgroundTasks } from './background-tasks.ts';
import { createOneTimeCodes } from './codes/one-time-codes.ts';
import { createEmailChange, type EmailChange } from './email/email-change.ts';
import { createEmailVerification, type EmailVerification } from './email/email-verification.ts';
import { createMailOutbox, type MailOutbox } from './mail/mail-outbox.ts';
import { createMailSender, type MailSender } from './mail/mail-sender.ts';
import { createMailTransport } from './mail/mailer.ts';
import { createCredentialChecker } from './passwords/credentials.ts';
import { createPasswordChange, type PasswordChange } from './passwords/password-change.ts';
import { createPasswordResetService, type PasswordResetService } from './passwords/password-reset.ts';
import { createPasswordHasher } from './passwords/passwords.ts';
import { createReauthentication } from './passwords/reauthentication.ts';
import { createDecoyCredentials } from './passkeys/decoy-credentials.ts';
import { createPasskeyService, type PasskeyService } from './passkeys/passkeys.ts';
import { createProviderAccounts } from './providers/provider-accounts.ts';
import { createProviderClients, type ProviderClientOptions } from './providers/provider-clients.ts';
import { createProviderFlows } from './providers/provider-flows.ts';
import { createIdentityLinker, createProviderLinks, type ProviderLinks } from './providers/provider-links.ts';
import { createProviderTokens } from './providers/provider-tokens.ts';
import { createProviderSignIn, type ProviderSignIn } from './providers/provider-sign-in.ts';
import { createPurger, type Purger } from './purge/purge.ts';
import { createPurgeRules } from './purge/rules.ts';
import { createOperatorKeys, type OperatorKeys } from './operators/operator-keys.ts';
import { createUserDetails, type UserDetails } from './operators/user-details.ts';
import { createUserDirectory, type UserDirectory } from './operators/user-directory.ts';
import { createUserImport, type UserImport } from './operators/user-import.ts';
import { createRateLimits, type RateLimits, type RateLimitStore } from './security/rate-limits.ts';
import { createSecurityEvents, type SecurityEvents } from './security/security-events.ts';
import { createSignInNotice } from './security/sign-in-notice.ts';
import {
  meteredAccounts,
  meteredCredentials,
  meteredPasskeys,
  meteredProviderSignIn,
  meteredPasswords,
  meteredRateLimits,
  noServiceMetrics,
  type ServiceMetrics,
} from './service-metrics.ts';
import { createSessionStart } from './sessions/session-start.ts';
import { createSessionService, type SessionService } from './sessions/sessions.ts';
import { createTokenSigner } from './sessions/tokens.ts';
import { createDevices } from './security/devices.ts';
import { createSignInAttempts } from './security/sign-in-attempts.ts';
import { createSecretBox } from './security/secret-box.ts';
import { type Clock, createTotp } from './two-factor/totp.ts';
import { createTwoFactorService, type TwoFactorService } from './two-factor/two-factor.ts';
import { createUserAdmin, type UserAdmin } from './operators/user-admin.ts';

export interface Services {
  prisma: PrismaClient;
  accounts: AccountService;
  sessions: SessionService;
  accountSessions: AccountSessions;
  passwordReset: PasswordResetService;
  passwordChange: PasswordChange;
  emailVerification: EmailVerification;
  emailChange: EmailChange;
  securityEvents: SecurityEvents;
  twoFactor: TwoFactorService;
  background: BackgroundTasks;
  /** Where services queue mail, in their own transactions. */
  outbox: MailOutbox;
  /** Sends what the outbox holds; the app wakes it at start and stops it at shutdown. */
  mailSender: MailSender;
  passkeys: PasskeyService;
  /** Sign-in with identity providers. */
  providerSignIn: ProviderSignIn;
  /** Identities linked from a signed-in session: link, list, unlink. */
  providerLinks: ProviderLinks;
  /** Deletes dead rows (expired sessions, codes, counters); on a timer in the server, and `npm run purge`. */
  purger: Purger;
  /** What operators may do to users' accounts (the operator API and commands). */
  userAdmin: UserAdmin;
  /** The rate limits, for the operator API's gate (src/admin/use-operator-gate.ts). */
  rateLimits: RateLimits;
  /** Operator API keys: made by `npm run operator-key`, checked on every operator request. */
  operatorKeys: OperatorKeys;
  /** The operator API's reads: finding users, and what it shows of one. */
  userDirectory: UserDirectory;
  userDetails: UserDetails;
  /** User import: `npm run import-users` and importUsers. */
  userImport: UserImport;
}

export function createServices(deps: {
  config: Config;
  prisma: PrismaClient;
  /** The driver, for the session lookup on every signed-in request. */
  sql: SqlClient;
  rateLimitStore: RateLimitStore;
  logger: Logger;
  /** Counters and timings for monitoring; none in tests that do not read them. */
  metrics?: ServiceMetrics;
  outage?: DatabaseOutage;
  /** Milliseconds since the epoch; tests hand in a clock of their own to step through TOTP windows. */
  clock?: Clock;
  /** How provider clients reach their providers; tests send real providers' origins to loopback. */
  providerClients?: ProviderClientOptions;
}): Services {
  const { config, prisma, logger, metrics = noServiceMetrics } = deps;
  const appName = config.mail.appName;
  const policy = config.password;
  const clock = deps.clock ?? Date.now;
  const limits = meteredRateLimits(createRateLimits({ ...config.rateLimits, store: deps.rateLimitStore }), metrics);
  const passwords = meteredPasswords(createPasswordHasher(config.argon2), metrics);
  const credentials = meteredCredentials(createCredentialChecker({ prisma, passwords, policy }), metrics);
  const reauthentication = createReauthentication({ credentials, maxAgeSeconds: config.session.reauthMaxAgeSeconds });
  const sessions = createSessionService({ prisma, sql: deps.sql, tokens: createTokenSigner(config.jwt), config: config.session });
  const background = createBackgroundTasks(logger, (error) => deps.outage?.report(error) ?? false);
  const box = createSecretBox(config.encryption);
  const outbox = createMailOutbox({ prisma, box });
  const events = createSecurityEvents({ prisma, retentionDays: config.securityEvents.retentionDays });
  // Verification and email-change codes follow the reset code's rules, with a lifetime of their own.
  const { digits, maxAttempts, ttlSeconds } = config.resetCode;
  const emailCodePolicy = { digits, maxAttempts, ttlSeconds: config.emailCode.ttlSeconds };
  const codes = createOneTimeCodes({
    prisma,
    secret: config.jwt.secret,
    policies: { password_reset: { digits, maxAttempts, ttlSeconds }, email_verification: emailCodePolicy, email_change: emailCodePolicy },
  });
  const emailVerification = createEmailVerification({
    outbox,
    codes,
    limits,
    events,
    config: { appName, required: config.emailCode.requireVerified },
  });
  const signInNotice = createSignInNotice({
    outbox,
    events,
    config: { enabled: config.securityEvents.newSignInNotice, appName },
  });
  const devices = createDevices({ prisma, clock });
  const twoFactor = createTwoFactorService({
    prisma,
    reauthentication,
    policy,
    limits,
    totp: createTotp(clock),
    box,
    events,
    outbox,
    appName,
  });
  const passwordReset = createPasswordResetService({ outbox, passwords, codes, policy, limits, events, appName });
  const mailSender = createMailSender({
    prisma,
    outbox,
    transport: createMailTransport({ smtpUrl: config.mail.smtpUrl, from: config.mail.from, outboxDir: join(config.dataDir, 'mail') }, logger),
    codeIsLive: codes.isLive,
    prepare: passwordReset.prepareCodeMail,
    background,
    logger,
    count: metrics.mail,
    config: { from: config.mail.from, ...config.mail.delivery },
  });
  outbox.onQueued(mailSender.wake);
  const sessionStart = createSessionStart({
    prisma,
    sessions,
    twoFactor,
    signInNotice,
    devices,
    // Offered only where a passkey can be used: not while passkeys are off.
    hasPasskey: async (userId) => config.passkeys.enabled && (await prisma.passkey.count({ where: { userId } })) > 0,
  });
  // Identity providers: clients (no network call until first use), flows, the account rules.
  const providers = config.providers;
  const providerName = (id: string) => providers.providers.find((p) => p.id === id)?.name ?? id;
  const providerClients = createProviderClients(providers, deps.providerClients);
  const providerTokens = createProviderTokens({ prisma, box, clients: providerClients, background });
  const providerFlows = createProviderFlows({ prisma, box, ttlSeconds: providers.flowTtlSeconds });
  const providerAccounts = createProviderAccounts({
    prisma,
    outbox,
    events,
    box,
    providerName,
    config: { signUp: providers.signUp, linkByEmail: providers.linkByEmail, appName },
  });
  const identityLinker = createIdentityLinker({ prisma, accounts: providerAccounts });
  const providerSignIn = meteredProviderSignIn(
    createProviderSignIn({
      clients: providerClients,
      flows: providerFlows,
      accounts: providerAccounts,
      linker: identityLinker,
      sessionStart,
      limits,
      logger,
      config: providers,
    }),
    metrics,
  );
  const accounts = meteredAccounts(
    createAccountService({
      outbox,
      passwords,
      sessionStart,
      policy,
      limits,
      credentials,
      events,
      emailVerification,
      background,
      attempts: createSignInAttempts({ limits, devices }),
      reauthentication,
      providerTokens,
    }),
    metrics,
  );
  const passkeys = meteredPasskeys(
    createPasskeyService({
      prisma,
      outbox,
      events,
      limits,
      reauthentication,
      checkSignInPassword: accounts.checkPassword,
      twoFactor,
      sessionStart,
      decoys: createDecoyCredentials(config.jwt.secret),
      config: { ...config.passkeys, appName },
    }),
    metrics,
  );
  const accountSessions = createAccountSessions({ prisma, events });
  const providerLinks = createProviderLinks({
    prisma,
    outbox,
    events,
    limits,
    reauthentication,
    sessionStart,
    signIn: providerSignIn,
    flows: providerFlows,
    linker: identityLinker,
    clients: providerClients,
    tokens: providerTokens,
    providerName,
    passkeysEnabled: config.passkeys.enabled,
    appName,
  });
  return {
    prisma,
    accounts,
    sessions,
    accountSessions,
    passwordReset,
    passwordChange: createPasswordChange({ outbox, reauthentication, passwords, sessions, limits, events, policy, appName }),
    emailVerification,
    emailChange: createEmailChange({ prisma, outbox, reauthentication, codes, limits, events, policy, appName }),
    securityEvents: events,
    twoFactor,
    background,
    outbox,
    mailSender,
    passkeys,
    providerSignIn,
    providerLinks,
    purger: createPurger({ prisma, rules: createPurgeRules(config) }),
    rateLimits: limits,
    operatorKeys: createOperatorKeys({ prisma }),
    // Cursors are authenticated with a key of their own, derived from JWT_SECRET.
    userDirectory: createUserDirectory({ prisma, cursorKey: `user-cursor:${config.jwt.secret}` }),
    userDetails: createUserDetails({ prisma, accountSessions, events, providerLinks }),
    userImport: createUserImport({ prisma, events }),
    userAdmin: createUserAdmin({
      prisma,
      outbox,
      codes,
      limits,
      events,
      providerTokens,
      config: { appName, invitationTtlSeconds: config.invitationTtlSeconds },
    }),
  };
}
