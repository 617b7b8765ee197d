// The Node HTTP layer in front of Yoga: bounded request bodies, the client address, and the
// conversion between Node's request/response and the Fetch API objects Yoga speaks.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { YogaServerInstance } from 'graphql-yoga';
import type { Context, ServerContext } from '../context/create-context.ts';
import type { Logger } from '../logger.ts';

export interface HttpServerOptions {
  yoga: YogaServerInstance<ServerContext, Context>;
  maxBodyBytes: number;
  /** Trust the last X-Forwarded-For hop (the proxy's own view of the client). */
  trustProxy: boolean;
  logger: Logger;
}

class PayloadTooLarge extends Error {}

export function createHttpServer(options: HttpServerOptions): Server {
  const server = createServer((req, res) => {
    handle(req, res, options).catch((error: unknown) => {
      options.logger.error('[http] request failed', error);
      if (!res.headersSent) sendJson(res, 500, 'Unexpected error.');
      else res.destroy();
    });
  });
  // Slow clients cannot hold a connection open forever (slowloris).
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  return server;
}

async function handle(req: IncomingMessage, res: ServerResponse, options: HttpServerOptions): Promise<void> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > options.maxBodyBytes) return refuseTooLarge(req, res, options.maxBodyBytes);

  let body: Buffer | undefined;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    try {
      body = await readBody(req, options.maxBodyBytes);
    } catch (error) {
      if (error instanceof PayloadTooLarge) return refuseTooLarge(req, res, options.maxBodyBytes);
      throw error;
    }
  }

  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  const url = URL.parse(req.url ?? '/', 'http://localhost');
  if (!url) return sendJson(res, 400, 'Malformed request target.');
  const request = new Request(url, {
    method: req.method ?? 'GET',
    headers,
    ...(body ? { body: Uint8Array.from(body) } : {}),
  });
  const response = await options.yoga.fetch(request, { clientIp: clientIp(req, options.trustProxy) });

  const responseHeaders: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') responseHeaders[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) responseHeaders['set-cookie'] = cookies;
  const payload = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, responseHeaders);
  res.end(req.method === 'HEAD' ? undefined : payload);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop reading: the rest of an oversized body is never buffered.
        req.pause();
        reject(new PayloadTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function refuseTooLarge(req: IncomingMessage, res: ServerResponse, limit: number): void {
  res.setHeader('Connection', 'close');
  sendJson(res, 413, `Request body is larger than ${limit} bytes.`);
  // Close once the answer is out, without draining what the client still sends.
  res.on('finish', () => req.destroy());
}

function sendJson(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ errors: [{ message }] }));
}

function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',');
    const last = hops.map((h) => h.trim()).filter(Boolean).at(-1);
    if (last) return last;
  }
  return req.socket.remoteAddress ?? 'unknown';
}
