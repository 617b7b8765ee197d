// Wires the services together from configuration and the open database.
import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { DatabaseOutage } from '../db/database-outage.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Logger } from '../logger.ts';
import { type AccountService, createAccountService } from './accounts.ts';
import { type BackgroundTasks, createBackgroundTasks } from './background-tasks.ts';
import { createMailer, type Mailer } from './mailer.ts';
import { createPasswordResetService, type PasswordResetService } from './password-reset.ts';
import { createPasswordHasher } from './passwords.ts';
import { createPurger, type Purger } from './purge/purge.ts';
import { createPurgeRules } from './purge/rules.ts';
import { createResetCodes } from './reset-codes.ts';
import { createSessionService, type SessionService } from './sessions.ts';
import { createRateLimits, type RateLimitStore } from './rate-limits.ts';
import { createSecurityEvents, type SecurityEvents } from './security-events.ts';
import {
  meteredAccounts,
  meteredMailer,
  meteredPasswords,
  meteredRateLimits,
  noServiceMetrics,
  type ServiceMetrics,
} from './service-metrics.ts';
import { createTokenSigner } from './tokens.ts';

export interface Services {
  prisma: PrismaClient;
  accounts: AccountService;
  sessions: SessionService;
  passwordReset: PasswordResetService;
  securityEvents: SecurityEvents;
  background: BackgroundTasks;
  mailer: Mailer;
  /** Deletes dead rows (expired sessions, codes, counters); on a timer in the server, and `npm run purge`. */
  purger: Purger;
}

export function createServices(deps: {
  config: Config;
  prisma: PrismaClient;
  rateLimitStore: RateLimitStore;
  logger: Logger;
  /** Counters and timings for monitoring; none in tests that do not read them. */
  metrics?: ServiceMetrics;
  outage?: DatabaseOutage;
}): Services {
  const { config, prisma, logger, metrics = noServiceMetrics } = deps;
  const limits = meteredRateLimits(createRateLimits({ ...config.rateLimits, store: deps.rateLimitStore }), metrics);
  const passwords = meteredPasswords(createPasswordHasher(config.argon2), metrics);
  const sessions = createSessionService({ prisma, tokens: createTokenSigner(config.jwt), config: config.session });
  const background = createBackgroundTasks(logger, (error) => deps.outage?.report(error) ?? false);
  const mailer = meteredMailer(
    createMailer({ smtpUrl: config.mail.smtpUrl, from: config.mail.from, outboxDir: join(config.dataDir, 'mail') }, logger),
    metrics,
  );
  return {
    prisma,
    accounts: meteredAccounts(createAccountService({ prisma, passwords, sessions, policy: config.password, limits }), metrics),
    sessions,
    passwordReset: createPasswordResetService({
      prisma,
      passwords,
      codes: createResetCodes({ digits: config.resetCode.digits, secret: config.jwt.secret }),
      mailer,
      background,
      policy: config.password,
      limits,
      config: { appName: config.mail.appName, ...config.resetCode },
    }),
    securityEvents: createSecurityEvents({ prisma }),
    background,
    mailer,
    purger: createPurger({ prisma, rules: createPurgeRules(config) }),
  };
}
