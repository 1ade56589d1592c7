/**
 * CAR validation throughput against plain SHA-256 over the same bytes. validateCar has to hash
 * every byte twice (each block against its CID, and the whole CAR for its CAR CID), so keeping
 * up with a single SHA-256 pass depends on running the two passes concurrently.
 */
import { createHash, randomBytes } from 'node:crypto';
import { encodeCar, validateCar } from '../lambdas/core/ipfs/car.ts';
import { packDirectory, packFile } from '../lambdas/core/ipfs/unixfs.ts';
import {
  type BenchModule,
  type BenchRow,
  measurePair,
  megabytesPerSecond,
  throughputRow,
} from './harness.ts';

const LARGE_FILE_BYTES = 4 * 1024 * 1024;
const SMALL_FILES = 4000;
const SMALL_FILE_BYTES = 1024;

async function expectValid(car: Uint8Array): Promise<void> {
  const result = await validateCar(car);
  if (!result.ok) throw new Error(`bench CAR is invalid: ${result.error.message}`);
  if (result.value.structure !== 'complete') throw new Error('bench CAR is not complete');
}

async function compareWithSha256(
  name: string,
  car: Uint8Array,
  iterations: number,
  target?: number,
): Promise<BenchRow> {
  await expectValid(car);
  const { task, baseline } = await measurePair(
    () => validateCar(car),
    () => createHash('sha256').update(car).digest(),
    { warmup: 10, iterations },
  );
  return throughputRow({
    name,
    value: megabytesPerSecond(car.byteLength, task.medianMs),
    unit: 'MB/s',
    baseline: {
      name: 'node:crypto sha256, same bytes',
      value: megabytesPerSecond(car.byteLength, baseline.medianMs),
    },
    ...(target === undefined ? {} : { target }),
  });
}

export const carValidationBench: BenchModule = {
  name: 'car-validation',
  async run() {
    const file = await packFile(randomBytes(LARGE_FILE_BYTES));
    if (!file.ok) throw new Error(file.error.message);
    const largeCar = await encodeCar(file.value.root, file.value.blocks);

    // Many small blocks: shows the per-block cost (CID decoding, hasher set-up, DAG walk).
    const files = Array.from({ length: SMALL_FILES }, (_, i) => ({
      name: `f${i}.bin`,
      content: randomBytes(SMALL_FILE_BYTES),
    }));
    const dir = await packDirectory(files);
    if (!dir.ok) throw new Error(dir.error.message);
    const smallBlocksCar = await encodeCar(dir.value.root, dir.value.blocks);

    const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    return [
      await compareWithSha256(
        `validateCar ${mib(largeCar.byteLength)} MiB CAR, ${file.value.blocks.length} blocks`,
        largeCar,
        60,
        0.8,
      ),
      await compareWithSha256(
        `validateCar ${mib(smallBlocksCar.byteLength)} MiB CAR, ${dir.value.blocks.length} blocks`,
        smallBlocksCar,
        30,
      ),
    ];
  },
};
