// Request ids and access lines for answers Yoga never sees: the HTTP layer's own refusals (a body
// over MAX_BODY_BYTES) and failures. Runs first on every request: it fixes the request's id (the
// caller's own when sane) and hands it to Yoga through the request, so both agree on it.
import type { IncomingMessage, Server } from 'node:http';
import type { Logger } from '../logger.ts';
import type { Metrics } from './metrics.ts';
import { requestIdFrom } from './request-scope.ts';
import { httpLabels, REQUEST_ID_HEADER } from './use-request-observability.ts';

export function observeHttpRequests(
  server: Server,
  deps: {
    logger: Logger;
    metrics: Metrics;
    graphqlEndpoint: string;
    /** Requests whose answer came from Yoga (and was logged there). */
    answeredByYoga: WeakSet<IncomingMessage>;
    clientIp: (req: IncomingMessage) => string;
    /** The operator API's listener: its lines say `"api":"admin"`, as Yoga's do. */
    api?: 'admin';
  },
): void {
  server.prependListener('request', (req: IncomingMessage, res) => {
    const header = req.headers['x-request-id'];
    const id = requestIdFrom(typeof header === 'string' ? header : null);
    req.headers['x-request-id'] = id;
    res.setHeader(REQUEST_ID_HEADER, id);
    const startedAt = performance.now();
    res.once('finish', () => {
      if (deps.answeredByYoga.has(req)) return;
      const seconds = (performance.now() - startedAt) / 1000;
      const path = (req.url ?? '/').split('?')[0]!.slice(0, 200);
      deps.metrics.httpRequest({ ...httpLabels(deps.graphqlEndpoint, path, req.method), status: res.statusCode }, seconds);
      deps.logger[res.statusCode >= 500 ? 'warn' : 'info'](`${req.method} ${path} ${res.statusCode}`, {
        requestId: id,
        method: req.method,
        path,
        status: res.statusCode,
        durationMs: Math.round(seconds * 10_000) / 10,
        clientIp: deps.clientIp(req),
        ...(deps.api ? { api: deps.api } : {}),
      });
    });
  });
}
