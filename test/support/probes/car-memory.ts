/**
 * Run in a fresh process by test/unit/ipfs/car-memory.test.ts: validates the CAR file given
 * as argv[2] `argv[3]` times at once, as carFromUpload does for concurrent requests, and prints
 * how far that took the process's peak RSS (kernel high-water mark) above where it started.
 */
import { readFileSync } from 'node:fs';
import { carFromUpload } from '../../../lambdas/core/prepare.ts';

const [path = '', times = '1'] = process.argv.slice(2);
const bodies = Array.from({ length: Number(times) }, () => new Uint8Array(readFileSync(path)));
const peak = () => process.resourceUsage().maxRSS * 1024;
const before = Math.max(peak(), process.memoryUsage().rss);
const results = await Promise.all(bodies.map((body) => carFromUpload(body)));
const growth = peak() - before;
console.log(
  JSON.stringify({
    ok: results.every((result) => result.ok),
    structures: results.map((result) => (result.ok ? result.value.structure : result.error)),
    bodyBytes: bodies[0]?.byteLength ?? 0,
    growthBytes: growth,
  }),
);
