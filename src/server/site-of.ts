// A URL's "site" as browsers decide SameSite: the scheme and the registrable domain (public suffix
// plus one label, private suffixes such as github.io included); an IP address or a single-label
// host (localhost) is its own site. Ports never matter.
import { getDomain } from 'tldts';

export function siteOf(scheme: string, hostname: string): string {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return `${scheme.replace(/:$/, '')}://${getDomain(host, { allowPrivateDomains: true }) ?? host}`;
}
