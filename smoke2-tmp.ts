import { randomBytes } from 'node:crypto';
import { encodeCar, validateCar } from './lambdas/core/ipfs/car.ts';
import { packDirectory } from './lambdas/core/ipfs/unixfs.ts';
const files = Array.from({ length: 4000 }, (_, i) => ({ name: `f${i}.bin`, content: randomBytes(1024) }));
const d = await packDirectory(files); if (!d.ok) throw 1;
const car = await encodeCar(d.value.root, d.value.blocks);
const t = performance.now();
for (let i = 0; i < 100; i++) await validateCar(car);
console.log((performance.now() - t) / 100);
