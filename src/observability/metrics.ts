// Prometheus metrics (prom-client), one registry per app. Created only when METRICS_PORT is set;
// otherwise every recorder is a no-op and nothing is measured. Label values come from closed sets
// (routes, methods, status codes, root fields of the schema, error codes, rule and mail names),
// never from what a client sends, so the number of series stays bounded.
import type pg from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { MAIL_RESULTS } from '../services/mail/mail-sender.ts';
import { MAIL_KINDS } from '../services/mail/mailer.ts';
import { HASH_FORMATS } from '../services/passwords/legacy-hashes.ts';
import { RATE_LIMIT_RULES } from '../services/security/rate-limits.ts';
import { noServiceMetrics, type ServiceMetrics, SIGN_IN_METHODS, SIGN_IN_OUTCOMES } from '../services/service-metrics.ts';

export interface HttpRequestLabels {
  route: string;
  method: string;
  status: number;
}

export interface Metrics extends ServiceMetrics {
  httpRequest(labels: HttpRequestLabels, seconds: number): void;
  /** One executed root field (or `none` for a GraphQL request refused before execution) and its outcome. */
  graphqlField(field: string, outcome: string): void;
  /** The operator API's graphqlField: an admin root field (or `none`) and its outcome. */
  adminField(field: string, outcome: string): void;
  /** The Prometheus text exposition, or undefined when metrics are off. */
  scrape(): Promise<{ contentType: string; body: string } | undefined>;
}

export const noMetrics: Metrics = {
  ...noServiceMetrics,
  httpRequest() {},
  graphqlField() {},
  adminField() {},
  scrape: async () => undefined,
};

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(deps: {
  pool: pg.Pool | undefined;
  inFlight: () => number;
  /** The outbox's backlog, read from the database at each scrape. */
  mailBacklog: () => Promise<{ pending: number; oldestSeconds: number }>;
}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  // Process and Node.js metrics: CPU, memory, heap, event-loop lag, GC, handles.
  collectDefaultMetrics({ register: registry });

  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from the request arriving to its response being handed to the socket; _count is the number of requests.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: SECONDS_BUCKETS,
    registers,
  });
  new Gauge({
    name: 'http_requests_in_flight',
    help: 'Requests being handled right now.',
    registers,
    collect() {
      this.set(deps.inFlight());
    },
  });
  const graphqlRequests = new Counter({
    name: 'graphql_requests_total',
    help: 'GraphQL root fields requested, by field and outcome (OK or the error code); field="none" for requests refused before execution.',
    labelNames: ['field', 'outcome'] as const,
    registers,
  });
  const adminRequests = new Counter({
    name: 'auth_admin_requests_total',
    help: 'Operator API root fields requested, by field and outcome (OK or the error code); field="none" for requests refused before execution.',
    labelNames: ['field', 'outcome'] as const,
    registers,
  });
  const signIns = new Counter({
    name: 'auth_sign_ins_total',
    help: 'Sign-in attempts by method (password: signIn; passkey: finishPasskeySignIn; provider: a provider callback or finishProviderSignIn) and outcome.',
    labelNames: ['method', 'outcome'] as const,
    registers,
  });
  const mails = new Counter({
    name: 'auth_mails_total',
    help: 'Mail delivery attempts by kind and result: sent, retried (a transient failure), failed (given up) or dropped (its code no longer valid).',
    labelNames: ['kind', 'result'] as const,
    registers,
  });
  // Both read from one query per scrape: the second gauge's collect waits for the first's.
  let backlog: Promise<{ pending: number; oldestSeconds: number }> | undefined;
  new Gauge({
    name: 'auth_mail_outbox_pending',
    help: 'Mails in the outbox: waiting to be sent, or being sent.',
    registers,
    async collect() {
      backlog = deps.mailBacklog();
      this.set((await backlog).pending);
    },
  });
  new Gauge({
    name: 'auth_mail_outbox_oldest_seconds',
    help: 'Age of the oldest mail in the outbox; 0 when there is none.',
    registers,
    async collect() {
      this.set((await (backlog ?? deps.mailBacklog())).oldestSeconds);
    },
  });
  const rateLimitRefusals = new Counter({
    name: 'auth_rate_limit_refusals_total',
    help: 'Attempts refused with RATE_LIMITED, by rule.',
    labelNames: ['rule'] as const,
    registers,
  });
  const passwordHash = new Histogram({
    name: 'auth_password_hash_duration_seconds',
    help: 'Password hashing time per hash or verification: argon2id, and imported formats until rewritten (unknown-account verifications included).',
    labelNames: ['operation'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const rehashes = new Counter({
    name: 'auth_password_rehashes_total',
    help: 'Stored password hashes rewritten as argon2id with today\'s parameters at a sign-in, by the format they had (argon2: argon2i, or argon2id with other parameters).',
    labelNames: ['from'] as const,
    registers,
  });
  const pool = deps.pool;
  if (pool) {
    new Gauge({
      name: 'db_pool_connections',
      help: 'PostgreSQL pool connections: in_use, idle, and waiting (requests queued for a connection).',
      labelNames: ['state'] as const,
      registers,
      collect() {
        this.set({ state: 'in_use' }, pool.totalCount - pool.idleCount);
        this.set({ state: 'idle' }, pool.idleCount);
        this.set({ state: 'waiting' }, pool.waitingCount);
      },
    });
  }

  // Known series start at 0, so rate() and ratios work from the first scrape.
  for (const method of SIGN_IN_METHODS) for (const outcome of SIGN_IN_OUTCOMES) signIns.inc({ method, outcome }, 0);
  for (const kind of MAIL_KINDS) for (const result of MAIL_RESULTS) mails.inc({ kind, result }, 0);
  for (const rule of RATE_LIMIT_RULES) rateLimitRefusals.inc({ rule }, 0);
  for (const from of HASH_FORMATS) rehashes.inc({ from }, 0);

  return {
    httpRequest: ({ route, method, status }, seconds) => httpDuration.observe({ route, method, status: String(status) }, seconds),
    graphqlField: (field, outcome) => graphqlRequests.inc({ field, outcome }),
    adminField: (field, outcome) => adminRequests.inc({ field, outcome }),
    signIn: (method, outcome) => signIns.inc({ method, outcome }),
    mail: (kind, result) => mails.inc({ kind, result }),
    rateLimitRefused: (rule) => rateLimitRefusals.inc({ rule }),
    passwordHash: (operation, seconds) => passwordHash.observe({ operation }, seconds),
    passwordRehash: (from) => rehashes.inc({ from }),
    scrape: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}
