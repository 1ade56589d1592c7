import { createHash, hash, randomBytes } from 'node:crypto';
import { CarBufferReader } from '@ipld/car/buffer-reader';
import { encodeCar } from './lambdas/core/ipfs/car.ts';
import { packDirectory } from './lambdas/core/ipfs/unixfs.ts';
import { measure } from './bench/harness.ts';
const files = Array.from({ length: 4000 }, (_, i) => ({ name: `f${i}.bin`, content: randomBytes(1024) }));
const d = await packDirectory(files); if (!d.ok) throw 1;
const car = await encodeCar(d.value.root, d.value.blocks);
const blocks = CarBufferReader.fromBytes(car).blocks();
for (let r = 0; r < 2; r++) {
console.log('createHash', (await measure(() => { for (const b of blocks) createHash('sha256').update(b.bytes).digest(); })).medianMs);
console.log('hash', (await measure(() => { for (const b of blocks) hash('sha256', b.bytes, 'buffer'); })).medianMs);
console.log('hash+cmp', (await measure(() => { for (const b of blocks) { const d = hash('sha256', b.bytes, 'buffer'); const e = b.cid.multihash.digest; if (d.length !== e.length || Buffer.compare(d, e) !== 0) throw 1; } })).medianMs);
}
