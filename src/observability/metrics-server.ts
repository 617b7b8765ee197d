// The metrics listener: GET /metrics on METRICS_HOST:METRICS_PORT (loopback by default), apart
// from the public port so the internet never sees it. Everything else there is 404.
import { createServer, type Server } from 'node:http';
import type { Logger } from '../logger.ts';
import type { Metrics } from './metrics.ts';

export function createMetricsServer(metrics: Metrics, logger: Logger): Server {
  return createServer((req, res) => {
    const path = req.url?.split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: metrics are at GET /metrics\n');
      return;
    }
    metrics.scrape().then(
      (scrape) => {
        if (!scrape) return void res.writeHead(404).end();
        res.writeHead(200, { 'content-type': scrape.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : scrape.body);
      },
      (error: unknown) => {
        logger.error('[metrics] scrape failed', error);
        res.writeHead(500).end();
      },
    );
  });
}
