// With CORS origins configured, every answer depends on the request's Origin (allowed origins get
// CORS headers, others none). Yoga says so only when several origins match; a cache in front of GET
// queries must be told always, or it may hand one origin's answer to another.
import type { Plugin } from 'graphql-yoga';

export function useVaryOrigin(): Plugin {
  return {
    onResponse({ response }) {
      const vary = response.headers.get('vary') ?? '';
      if (!/(^|,)\s*origin\s*(,|$)/i.test(vary)) response.headers.append('Vary', 'Origin');
    },
  };
}
