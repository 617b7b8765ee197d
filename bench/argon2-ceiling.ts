// The raw argon2id verify ceiling: how many verifications a second this machine does with the
// product's parameters, `concurrency` at a time, with nothing else in the process. Prints JSON.
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import argon2 from 'argon2';

const [memoryCost, timeCost, parallelism, concurrency, seconds] = process.argv.slice(2).map(Number) as [number, number, number, number, number];
const options = { type: argon2.argon2id, memoryCost, timeCost, parallelism } as const;
const hash = await argon2.hash('violet-harbor-cactus-42', options);

async function verifyFor(ms: number): Promise<number> {
  const until = performance.now() + ms;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        await argon2.verify(hash, 'violet-harbor-cactus-42');
        done++;
      }
    }),
  );
  return done;
}

await verifyFor(1000); // warm-up
const started = performance.now();
const done = await verifyFor(seconds * 1000);
const elapsed = (performance.now() - started) / 1000;
console.log(JSON.stringify({ perSecond: done / elapsed, concurrency, cores: availableParallelism() }));
