// A fetch for openid-client's `customFetch` that sends requests for a real provider's origin to a
// loopback server instead. Why: openid-client 6 accepts Microsoft's "{tenantid}" issuer template
// only when discovery starts at https://login.microsoftonline.com (`server.origin` is compared with
// that string). Start the Microsoft profile with issuerOrigin 'https://login.microsoftonline.com',
// discover https://login.microsoftonline.com/common/v2.0 through this fetch, and openid-client runs
// its own Entra ID code path; the endpoints discovery lists are the loopback ones (plain http).
import type { CustomFetch } from 'openid-client';

export function loopbackFetch(origins: Record<string, string>): CustomFetch {
  return (url, options) => {
    const target = new URL(url);
    const loopback = origins[target.origin];
    // RequestInit: openid-client's body type (Uint8Array<ArrayBufferLike>) is one fetch takes at run time.
    return fetch(loopback === undefined ? target : new URL(target.pathname + target.search, loopback), options as RequestInit);
  };
}
