// CSRF prevention in the manner of Apollo Server: a browser sends a cross-site request without a
// CORS preflight only with a "simple" content type (form posts, text/plain). Refusing those, and
// every POST that is not JSON (multipart included), means a cross-site page can only reach us
// through a preflight, which CORS answers for configured origins alone. GET never runs mutations
// (Yoga answers 405 METHOD_NOT_ALLOWED).
import type { Plugin } from 'graphql-yoga';
import { requestError } from './request-error.ts';

const JSON_TYPES = new Set(['application/json', 'application/graphql-response+json', 'application/graphql+json']);

export function useCsrfPrevention(): Plugin {
  return {
    // Before the body is read: thrown here, the refusal is answered like every other request error
    // (415 UNSUPPORTED_MEDIA_TYPE, in the media type the client accepts).
    onRequestParse({ request }) {
      if (request.method !== 'POST') return;
      const mediaType = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (!JSON_TYPES.has(mediaType)) throw requestError('UNSUPPORTED_MEDIA_TYPE');
    },
  };
}
