// Load from autocannon: keep-alive connections, a warm-up that is thrown away, then a fixed
// duration whose throughput, latency and failures are kept.
import autocannon from 'autocannon';

export interface LoadOptions {
  url: URL;
  body: string;
  headers?: Record<string, string>;
  /** Every answer must be exactly this (a GraphQL error inside a 200 is a failure too). */
  expectBody?: string;
  /** A body of its own for each request (e.g. a fresh email for signUp). */
  bodyFor?: (i: number) => string;
  connections: number;
  seconds: number;
  warmupSeconds: number;
  /** Requests a second over all connections; unset: as fast as the server answers. */
  rate?: number;
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  /** Socket errors, timeouts, non-2xx answers and answers other than expected. */
  errors: number;
  seconds: number;
}

let sequence = 0;

function fire(options: LoadOptions, seconds: number): Promise<autocannon.Result> {
  const { bodyFor } = options;
  return autocannon({
    url: options.url.href,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: options.body,
    connections: options.connections,
    duration: seconds,
    ...(options.rate ? { overallRate: options.rate } : {}),
    ...(options.expectBody ? { verifyBody: (body) => body === options.expectBody } : {}),
    ...(bodyFor ? { requests: [{ setupRequest: (request) => ({ ...request, body: bodyFor(sequence++) }) }] } : {}),
  });
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  if (options.warmupSeconds > 0) await fire(options, options.warmupSeconds);
  const result = await fire(options, options.seconds);
  return {
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx + result.mismatches,
    seconds: result.duration,
  };
}
