// Oversized bodies as a hostile client sends them, with and without Content-Length; each is counted
// as answered only when the client actually read the 413.
import { request } from 'node:http';

export function sendLargeBody(url: URL, bytes: number, chunked: boolean): Promise<number | 'reset'> {
  return new Promise((resolve) => {
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(chunked ? {} : { 'content-length': String(bytes) }) },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve('reset'));
    });
    req.on('error', () => resolve('reset'));
    const chunk = Buffer.alloc(64 * 1024, ' ');
    let sent = 0;
    const pump = () => {
      while (sent < bytes && !req.destroyed) {
        const part = chunk.subarray(0, Math.min(chunk.length, bytes - sent));
        sent += part.length;
        if (!req.write(part)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

/** `total` oversized bodies, `concurrency` at a time; how many got their 413 and how many did not. */
export async function hostileBurst(url: URL, total: number, concurrency: number, bytes: number) {
  let next = 0;
  let refused = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const status = await sendLargeBody(url, bytes, next++ % 2 === 1);
        if (status === 413) refused++;
        else failed++;
      }
    }),
  );
  return { refused, failed };
}
