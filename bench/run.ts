/**
 * `npm run bench` — runs every registered benchmark module, prints each figure next to its
 * same-run baseline, and writes bench-results/latest.json.
 *
 *   node bench/run.ts [name-filter ...] [--strict]
 *
 * Filters keep the modules whose name contains any of them. `--strict` exits non-zero when a
 * row is BELOW its target (by default only a failing module does).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { apiBench } from './api.ts';
import { bundlesBench } from './bundles.ts';
import { carValidationBench } from './car-validation.ts';
import { gatewayBench } from './gateway.ts';
import { type BenchModule, type BenchRow, verdict } from './harness.ts';
import { putBench } from './put.ts';
import { stagedIngestBench } from './staged-ingest.ts';
import { type UsageRecord, usageRecords } from './usage.ts';

/** Register new benchmark modules here. */
export const benches: BenchModule[] = [
  carValidationBench,
  apiBench,
  gatewayBench,
  bundlesBench,
  stagedIngestBench,
  putBench,
];

interface ModuleResult {
  name: string;
  rows: BenchRow[];
  /** What each operation the module metered costs (bench/usage.ts), for `npm run cost`. */
  usage: UsageRecord[];
  error?: string;
}

const RESULTS_DIR = join(import.meta.dirname, '..', 'bench-results');

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return value >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

function printTable(results: ModuleResult[]): void {
  const header = ['bench', 'value', 'baseline', 'ratio', 'target', 'status'];
  const lines: string[][] = [];
  for (const result of results) {
    if (result.error !== undefined) {
      lines.push([result.name, 'ERROR', result.error, '', '', 'FAIL']);
      continue;
    }
    for (const row of result.rows) {
      lines.push([
        `${result.name}: ${row.name}`,
        `${formatNumber(row.value)} ${row.unit}`,
        `${formatNumber(row.baseline.value)} ${row.unit} (${row.baseline.name})`,
        row.ratio.toFixed(2),
        row.target === undefined ? '-' : `>= ${row.target}`,
        verdict(row),
      ]);
    }
  }
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => (line[column] ?? '').length)),
  );
  const render = (cells: string[]) =>
    cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ');
  console.log(render(header));
  console.log(render(widths.map((width) => '-'.repeat(width))));
  for (const line of lines) console.log(render(line));
}

async function main(args: string[]): Promise<number> {
  const strict = args.includes('--strict');
  const filters = args.filter((arg) => !arg.startsWith('--'));
  const selected = benches.filter(
    (bench) => filters.length === 0 || filters.some((filter) => bench.name.includes(filter)),
  );
  if (selected.length === 0) {
    console.error(`no benchmark matches ${filters.join(', ')}`);
    return 1;
  }

  const results: ModuleResult[] = [];
  for (const bench of selected) {
    console.error(`running ${bench.name} ...`);
    try {
      const rows = await bench.run();
      results.push({ name: bench.name, rows, usage: usageRecords() });
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      results.push({ name: bench.name, rows: [], usage: usageRecords(), error: message });
    }
  }

  printTable(results);

  await mkdir(RESULTS_DIR, { recursive: true });
  const report = {
    finishedAt: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    parallelism: availableParallelism(),
    modules: results.map((result) => ({
      ...result,
      rows: result.rows.map((row) => ({ ...row, status: verdict(row) })),
    })),
  };
  const path = join(RESULTS_DIR, 'latest.json');
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
  console.error(`wrote ${path}`);

  const failed = results.some((result) => result.error !== undefined);
  const below = results.some((result) => result.rows.some((row) => verdict(row) === 'BELOW'));
  return failed || (strict && below) ? 1 : 0;
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
