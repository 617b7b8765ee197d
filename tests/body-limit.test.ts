// Oversized bodies: every client gets its 413 with the JSON error, whether it declared the size or
// sent chunks, and however much it keeps writing after the answer; the server keeps serving, and
// a keep-alive connection that sent one can be used again.
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ME } from './support/operations.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

const LIMIT = 65_536;
const EXPECTED_BODY = { errors: [{ message: `Request body is larger than ${LIMIT} bytes.`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] };

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

interface Answer {
  status: number;
  contentType: string | undefined;
  body: string;
}

/**
 * POSTs `total` bytes and writes every one of them even after the answer has come, as a plain
 * client does; resolves with the answer, or rejects if the connection was reset before it was read.
 */
function postWholeBody(total: number, chunked: boolean, agent?: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (!chunked) headers['content-length'] = String(total);
    const req = request(t.graphqlUrl, { method: 'POST', headers, ...(agent ? { agent } : { agent: false }) });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    const chunk = Buffer.alloc(64 * 1024, ' ');
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        const part = chunk.subarray(0, Math.min(chunk.length, total - sent));
        sent += part.length;
        if (!req.write(part)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

function expect413(answer: Answer): void {
  expect(answer.status).toBe(413);
  expect(answer.contentType).toBe('application/json');
  expect(JSON.parse(answer.body)).toEqual(EXPECTED_BODY);
}

describe('bodies over MAX_BODY_BYTES', () => {
  // Repeats: a reset that loses the answer shows only some of the time.
  for (const [size, label, repeats] of [
    [LIMIT + 1, '64 KiB + 1 byte', 40],
    [2 * 1024 * 1024, '2 MB', 20],
    [20 * 1024 * 1024, '20 MB', 4],
  ] as const) {
    for (const chunked of [false, true]) {
      it(`answers 413 to every ${label} body ${chunked ? 'sent in chunks' : 'with Content-Length'} (${repeats} in a row)`, async () => {
        for (let i = 0; i < repeats; i++) expect413(await postWholeBody(size, chunked));
      });
    }
  }

  it('answers 413 to many at once, and keeps answering ordinary requests', async () => {
    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => postWholeBody(2 * 1024 * 1024, i % 2 === 1)));
    for (const answer of answers) expect413(answer);
    expect((await t.client().graphql(ME)).data).toEqual({ me: null });
  });

  it('answers 413 to a client that asks first (Expect: 100-continue), which then never sends the body', async () => {
    let sent = 0;
    const answer = await new Promise<Answer>((resolve, reject) => {
      const req = request(t.graphqlUrl, {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': String(2 * 1024 * 1024), expect: '100-continue' },
      });
      req.on('continue', () => {
        sent = 2 * 1024 * 1024;
        req.end(Buffer.alloc(sent, ' '));
      });
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body });
          req.destroy();
        });
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect413(answer);
    expect(sent).toBe(0);
  });

  it('lets a client that asks first send a body under the limit', async () => {
    const body = JSON.stringify({ query: '{ me { id } }' });
    const answer = await new Promise<string>((resolve, reject) => {
      const req = request(t.graphqlUrl, {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), expect: '100-continue' },
      });
      req.on('continue', () => req.end(body));
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(JSON.parse(answer)).toEqual({ data: { me: null } });
  });

  it('keeps a keep-alive connection usable after a 413', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const sockets = new Set<unknown>();
      agent.on('free', (socket) => sockets.add(socket));
      expect413(await postWholeBody(LIMIT + 1, false, agent));
      const ok = await new Promise<string>((resolve, reject) => {
        const req = request(t.graphqlUrl, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve(body));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ query: '{ me { id } }' }));
      });
      expect(JSON.parse(ok)).toEqual({ data: { me: null } });
      // Both requests went over the one connection.
      expect(sockets.size).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it('still serves a body of exactly the limit, declared or in chunks', async () => {
    const query = JSON.stringify({ query: '{ me { id } }' });
    const body = query.slice(0, -1) + ' '.repeat(LIMIT - query.length) + '}';
    expect(Buffer.byteLength(body)).toBe(LIMIT);
    const declared = await fetch(t.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(declared.status).toBe(200);
    expect(await declared.json()).toEqual({ data: { me: null } });
    const chunked = await new Promise<Answer>((resolve, reject) => {
      const req = request(t.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: text }));
      });
      req.on('error', reject);
      for (let i = 0; i < body.length; i += 1000) req.write(body.slice(i, i + 1000));
      req.end();
    });
    expect(chunked.status).toBe(200);
    expect(JSON.parse(chunked.body)).toEqual({ data: { me: null } });
  });
});
