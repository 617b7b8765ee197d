// CSRF prevention in the manner of Apollo Server: a browser sends a cross-site request without a
// CORS preflight only with a "simple" content type (form posts, text/plain). Refusing those, and
// every POST that is not JSON, means a cross-site page can only reach us through a preflight,
// which CORS answers for configured origins alone. GET never runs mutations (Yoga answers 405).
import type { Plugin } from 'graphql-yoga';

const JSON_TYPES = new Set(['application/json', 'application/graphql-response+json', 'application/graphql+json']);

export function useCsrfPrevention(): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      if (request.method !== 'POST') return;
      const mediaType = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (JSON_TYPES.has(mediaType)) return;
      endResponse(
        new fetchAPI.Response(
          JSON.stringify({
            errors: [{ message: 'POST requests must have Content-Type: application/json (CSRF protection).' }],
          }),
          { status: 415, headers: { 'content-type': 'application/json; charset=utf-8' } },
        ),
      );
    },
  };
}
