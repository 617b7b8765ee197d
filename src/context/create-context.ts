// The GraphQL context: the services, the caller's session (if valid) and its client address.
import type { Services } from '../services/create-services.ts';
import type { ResumedSession } from '../services/sessions.ts';
import type { RequestAuth } from './request-auth.ts';
import type { SessionCookies } from './use-session-cookie.ts';

/** What the HTTP layer hands every request (see src/server/http-server.ts). */
export interface ServerContext {
  clientIp: string;
}

export interface Context {
  services: Services;
  auth: RequestAuth;
  viewer: ResumedSession | null;
  clientIp: string;
}

export type SignedInContext = Context & { viewer: ResumedSession };

export function createContextFactory(services: Services, cookies: SessionCookies) {
  return async ({ request, clientIp }: ServerContext & { request: Request }): Promise<Context> => {
    const auth = cookies.authFor(request);
    return { services, auth, viewer: await auth.current(), clientIp };
  };
}
