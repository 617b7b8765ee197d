// Who is asking, as the rate limits and the security event log see it. Built once per request by
// the context (src/context/create-context.ts) and handed to every service that needs it.
export interface Caller {
  /** The client address as the rate limits count it (the proxy's view with TRUST_PROXY). */
  ip: string;
  /** The User-Agent header as sent, cut to USER_AGENT_MAX characters; null when absent. */
  userAgent: string | null;
  /** The device cookie the request carried (src/context/device-cookie.ts), unchecked; null when absent. */
  deviceToken: string | null;
}

export const USER_AGENT_MAX = 256;

export function createCaller(ip: string, userAgent: string | null | undefined, deviceToken: string | null = null): Caller {
  // Cut by code points, so a cut never leaves half a surrogate pair behind.
  const agent = userAgent ? Array.from(userAgent).slice(0, USER_AGENT_MAX).join('') : null;
  return { ip, userAgent: agent || null, deviceToken };
}
