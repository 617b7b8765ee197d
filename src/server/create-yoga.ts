// The GraphQL server: schema, context, and the plugins that guard and shape each request.
import { createYoga, type Plugin, useReadinessCheck, type YogaServerInstance } from 'graphql-yoga';
import type { Config } from '../config.ts';
import type { DatabaseOutage } from '../db/database-outage.ts';
import { type Context, createContextFactory, type ServerContext } from '../context/create-context.ts';
import { SESSION_TOKEN_HEADER } from '../context/token-transport.ts';
import { createDeviceCookies } from '../context/device-cookie.ts';
import { createFlowCookies } from '../context/flow-cookie.ts';
import { createSessionCookies } from '../context/use-session-cookie.ts';
import type { Logger } from '../logger.ts';
import { schema } from '../schema/index.ts';
import type { Services } from '../services/create-services.ts';
import { renderGraphiQL, useGraphiqlAssets } from './graphiql-assets.ts';
import { createErrorMask, yogaLogging } from './mask-error.ts';
import { useProviderCallback } from './provider-callback.ts';
import { useCrossSiteWarning } from './use-cross-site-warning.ts';
import { useCsrfPrevention } from './use-csrf-prevention.ts';
import { useDisableIntrospection } from './use-disable-introspection.ts';
import { useQueryLimits } from './use-query-limits.ts';
import { useVaryOrigin } from './use-vary-origin.ts';

export const GRAPHQL_ENDPOINT = '/graphql';

const GRAPHIQL_EXAMPLE = `# Run SignUp (or SignIn), then Dashboard: the browser keeps the session cookie.
mutation SignUp {
  signUp(input: { username: "ABC", email: "abc@example.com", password: "violet-harbor-cactus-42" }) {
    message
    user { id username email }
  }
}

mutation SignIn {
  signIn(input: { email: "abc@example.com", password: "violet-harbor-cactus-42" }) { message }
}

query Dashboard {
  dashboard { message session { expiresAt absoluteExpiresAt } }
}

mutation Logout {
  logout { message }
}
`;

export type GraphqlServer = YogaServerInstance<ServerContext, Context>;

export function createGraphqlServer(deps: {
  config: Config;
  services: Services;
  ping: () => Promise<boolean>;
  outage: DatabaseOutage;
  logger: Logger;
  /** The current request's id (the one in X-Request-Id), for INTERNAL_SERVER_ERROR's extensions. */
  requestId?: () => string | undefined;
  /** Plugins that run first: request scope and id, access log, metrics, draining. */
  plugins?: Array<Plugin | Plugin<{}, ServerContext>>;
}): GraphqlServer {
  const { config, services, ping, outage, logger } = deps;
  // Suggestions go with introspection: both tell a visitor the schema.
  const hideSuggestions = !config.introspection;
  const errors = createErrorMask({ logger, outage, hideSuggestions, ...(deps.requestId ? { requestId: deps.requestId } : {}) });
  const cookies = createSessionCookies({
    sessions: services.sessions,
    cookie: config.cookie,
    bearerTokens: config.bearerTokens,
    graphqlEndpoint: GRAPHQL_ENDPOINT,
  });
  // The session cookie's SameSite, as the contract asks of the device cookie.
  const devices = createDeviceCookies({ secure: config.cookie.secure, sameSite: config.cookie.sameSite, graphqlEndpoint: GRAPHQL_ENDPOINT });
  const allowedOrigins = new Set(config.corsOrigins);
  const flowCookies = createFlowCookies({ ...config.providers.flowCookie, maxAgeSeconds: config.providers.flowTtlSeconds, graphqlEndpoint: GRAPHQL_ENDPOINT });

  return createYoga<ServerContext, Context>({
    schema,
    context: createContextFactory(services, cookies, devices, flowCookies),
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    healthCheckEndpoint: '/health',
    graphiql: config.graphiql ? { title: config.mail.appName, credentials: 'same-origin', defaultQuery: GRAPHIQL_EXAMPLE } : false,
    // GraphiQL's code is served from here, not from a CDN: it works offline and runs no third-party
    // script. A small page naming cached, compressed assets, loaded on the first visit: the code
    // holds tens of MB a server with no visitors need not keep (graphiql-assets.ts).
    renderGraphiQL,
    landingPage: false,
    batching: false,
    // The HTTP layer bounds every body before Yoga sees it (src/server/http-server.ts). Yoga's own
    // limit pipes each body through a counting stream: half the CPU of a `me` request.
    maxRequestBodySize: false,
    // Credentials only for configured origins; every other origin gets no CORS headers at all.
    cors: (request) => {
      const origin = request.headers.get('origin');
      if (!origin || !allowedOrigins.has(origin)) return false;
      return {
        origin: [origin],
        credentials: true,
        methods: ['GET', 'POST'],
        maxAge: 600,
        // Scripts on an allowed origin may read the request id, and the token header when they asked for it.
        exposedHeaders: ['X-Request-Id', ...(config.bearerTokens ? [SESSION_TOKEN_HEADER] : [])],
      };
    },
    maskedErrors: { maskError: errors.maskError, errorMessage: 'Unexpected error.' },
    logging: yogaLogging(logger, errors, '[yoga]'),
    plugins: [
      ...(deps.plugins ?? []),
      ...(config.graphiql ? [useGraphiqlAssets()] : []),
      useCsrfPrevention(),
      useQueryLimits({ hideSuggestions }),
      ...(config.introspection ? [] : [useDisableIntrospection()]),
      ...(allowedOrigins.size > 0 ? [useVaryOrigin()] : []),
      ...(config.production
        ? []
        : [useCrossSiteWarning({ allowedOrigins, sameSite: config.cookie.sameSite, scheme: config.cookie.secure ? 'https' : 'http', logger })]),
      useProviderCallback({ services, config, cookies, devices, flowCookies }),
      cookies.plugin,
      devices.plugin,
      flowCookies.plugin,
      useReadinessCheck({ endpoint: '/ready', check: ping }),
    ],
  });
}
