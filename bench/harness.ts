/**
 * A small benchmark harness. Every figure is reported next to a baseline measured in the same
 * process and run, so the ratio means something on any machine; absolute numbers do not.
 *
 * To add a benchmark: write a module exporting a `BenchModule` and add it to the list in
 * bench/run.ts.
 */

export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  baseline: { name: string; value: number };
  /** Normalised so that higher is better: throughput / baseline, or baseline / latency. */
  ratio: number;
  /** Minimum acceptable `ratio`; rows without a target are informational. */
  target?: number;
}

export interface BenchModule {
  name: string;
  run(): Promise<BenchRow[]>;
}

export interface MeasureOptions {
  /** Untimed runs first, so JIT tiers and caches settle. */
  warmup?: number;
  iterations?: number;
}

export interface Measurement {
  medianMs: number;
  minMs: number;
  maxMs: number;
  iterations: number;
}

type Task<I = void> = (input: I) => unknown;

async function timeOnce<I>(task: Task<I>, input: I): Promise<number> {
  const started = performance.now();
  await task(input);
  return performance.now() - started;
}

function summarise(samples: number[]): Measurement {
  const sorted = samples.toSorted((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median =
    sorted.length % 2 === 1
      ? (sorted[middle] as number)
      : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return {
    medianMs: median,
    minMs: sorted[0] as number,
    maxMs: sorted[sorted.length - 1] as number,
    iterations: sorted.length,
  };
}

/**
 * Measures a task and its baseline alternately, one run each per step, so both see the same
 * machine load (other processes, GC, CPU frequency) instead of one getting a quiet moment.
 */
export async function measurePair<I = void>(
  task: Task<I>,
  baseline: Task<I>,
  options: MeasureOptions & {
    /** Makes each step's input, untimed, so only one step's data is alive at a time. */
    prepare?: () => I | Promise<I>;
  } = {},
): Promise<{ task: Measurement; baseline: Measurement }> {
  const { warmup = 5, iterations = 30 } = options;
  const prepare = options.prepare ?? (() => undefined as I);
  for (let i = 0; i < warmup; i++) {
    const input = await prepare();
    await baseline(input);
    await task(input);
  }
  const taskSamples: number[] = [];
  const baselineSamples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const input = await prepare();
    baselineSamples.push(await timeOnce(baseline, input));
    taskSamples.push(await timeOnce(task, input));
  }
  return { task: summarise(taskSamples), baseline: summarise(baselineSamples) };
}

/** Megabytes (10^6 bytes) per second for `bytes` processed in `ms`. */
export function megabytesPerSecond(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}

interface RowInput {
  name: string;
  value: number;
  unit: string;
  baseline: { name: string; value: number };
  target?: number;
}

/** A row where bigger is better (MB/s, ops/s): ratio = value / baseline. */
export function throughputRow(input: RowInput): BenchRow {
  return { ...input, ratio: input.value / input.baseline.value };
}

/** A row where smaller is better (ms): ratio = baseline / value, so ≥ target still passes. */
export function latencyRow(input: RowInput): BenchRow {
  return { ...input, ratio: input.baseline.value / input.value };
}

export type Verdict = 'PASS' | 'BELOW' | 'INFO';

export function verdict(row: BenchRow): Verdict {
  if (row.target === undefined) return 'INFO';
  return row.ratio >= row.target ? 'PASS' : 'BELOW';
}

/** The p-th percentile of sorted samples (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/**
 * Runs `task` from `concurrency` workers at once, `perWorker` times each; returns every
 * latency in ms, sorted.
 */
export async function concurrentLatencies(
  task: () => Promise<void>,
  load: { concurrency: number; perWorker: number },
): Promise<number[]> {
  const samples: number[] = [];
  await Promise.all(
    Array.from({ length: load.concurrency }, async () => {
      for (let i = 0; i < load.perWorker; i++) {
        const started = performance.now();
        await task();
        samples.push(performance.now() - started);
      }
    }),
  );
  return samples.sort((a, b) => a - b);
}
