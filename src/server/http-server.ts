// The Node HTTP layer in front of Yoga: bounded request bodies and the client address. Yoga's own
// Node integration turns the request into its Fetch objects and writes the response back.
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { YogaServerInstance } from 'graphql-yoga';
import type { Context, ServerContext } from '../context/create-context.ts';

/** Hands a request to a Yoga server (the public API's or the operator API's) through its Node adapter. */
export type YogaNodeHandler = (req: IncomingMessage, res: ServerResponse, serverContext: ServerContext) => unknown;

/** The public API's Yoga as a YogaNodeHandler, at its endpoint's own path only. */
export function nodeHandlerOf(yoga: YogaServerInstance<ServerContext, Context>): YogaNodeHandler {
  const endpoint = yoga.graphqlEndpoint;
  return (req, res, serverContext) => {
    // Yoga serves its endpoint, GraphiQL included, at any URL that ends with it (for mounts behind a
    // prefix): /admin/graphql on this port would be the public API. Here only the endpoint is.
    const url = req.url ?? '/';
    const path = url.split('?')[0];
    if (path !== endpoint && path !== `${endpoint}/` && (url.endsWith(endpoint) || url.endsWith(`${endpoint}/`))) {
      res.writeHead(404, { 'content-length': 0 }).end();
      return;
    }
    return yoga.handle(req, res, serverContext);
  };
}

export interface RequestHandlerOptions {
  yoga: YogaNodeHandler;
  maxBodyBytes: number;
  /** Trust the last X-Forwarded-For hop (the proxy's own view of the client). */
  trustProxy: boolean;
}

// After a 413, the rest of the body is read and thrown away, so the client (still writing) reads
// the answer instead of a connection reset; past these bounds the connection is dropped.
export const DRAIN_MAX_BYTES = 64 * 1024 * 1024;
export const DRAIN_MAX_MS = 10_000;

/** Handles one request: the body limit here, everything else in Yoga. */
export function createRequestHandler(options: RequestHandlerOptions): RequestListener {
  const { yoga, maxBodyBytes, trustProxy } = options;
  return (req, res) => {
    const serverContext: ServerContext = { clientIp: clientIp(req, trustProxy) };
    const declared = req.headers['content-length'];
    // Node's parser never hands over more than Content-Length bytes, so checking it suffices.
    if (declared !== undefined && Number(declared) > maxBodyBytes) return refuseTooLarge(req, res, maxBodyBytes);
    // A client that asked before sending (Expect: 100-continue) is told to go on only now, so an
    // oversized body declared that way is never sent at all.
    if (req.headers.expect?.toLowerCase() === '100-continue') res.writeContinue();
    if (declared !== undefined || req.headers['transfer-encoding'] === undefined) return void yoga(req, res, serverContext);
    // A chunked body has no declared size: read it up to the limit, then hand Yoga the bytes.
    readChunkedBody(req, maxBodyBytes).then(
      (body) => {
        if (!body) return refuseTooLarge(req, res, maxBodyBytes);
        // Yoga's Node adapter takes an already-read body from `req.body`, where body parsers leave it.
        void yoga(Object.assign(req, { body }), res, serverContext);
      },
      () => res.destroy(),
    );
  };
}

/** The Node server; slow clients cannot hold a connection open forever (slowloris). */
export function createHttpServer(handler: RequestListener): Server {
  const server = createServer(handler);
  // Without this listener Node would send 100 Continue itself, before the body limit is checked.
  server.on('checkContinue', handler);
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  return server;
}

/** The body, or null once it passes `limit` (the reading stops there; the rest stays unread). */
function readChunkedBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData).off('end', onEnd).off('error', reject);
        req.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolve(Buffer.concat(chunks, size));
    req.on('data', onData).on('end', onEnd).on('error', reject);
  });
}

/**
 * Answers 413 at once, then reads and discards what the client is still sending, bounded in bytes
 * and time. Closing with unread bytes would make the kernel reset the connection, and a client
 * still writing would often lose the answer with it.
 */
function refuseTooLarge(req: IncomingMessage, res: ServerResponse, limit: number): void {
  const body = JSON.stringify({ errors: [{ message: `Request body is larger than ${limit} bytes.`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
  res.writeHead(413, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
  let drained = 0;
  const drop = () => req.socket.destroy();
  const timer = setTimeout(drop, DRAIN_MAX_MS).unref();
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_MAX_BYTES) drop();
  });
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

/** The client address as the rate limits count it: the last X-Forwarded-For hop only behind a trusted proxy. */
export function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',');
    const last = hops.map((h) => h.trim()).filter(Boolean).at(-1);
    if (last) return last;
  }
  return req.socket.remoteAddress ?? 'unknown';
}
