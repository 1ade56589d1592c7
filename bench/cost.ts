/**
 * `npm run cost`: the monthly cost of running pinstack at 100 GB, 1 TB and 10 TB stored with
 * 10k and 100k uploads a month, line item by line item, from the per-operation usage the
 * benchmarks measured (bench-results/latest.json, written by `npm run bench`) times the list
 * prices in bench/prices.json, next to Pinata's published price for the same storage.
 *
 * Measured: requests per operation by service, DynamoDB capacity, Lambda time per operation
 * (scaled by the bytes it handles), bytes put to S3 per byte uploaded, log bytes; and from the
 * synthesized stack, the alarms and the dashboard. Assumed (the workload, in prices.json): how
 * often each upload is checked or read. An operation no benchmark has measured yet shows as
 * "not measured" instead of a guess.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { functions, type Trigger } from '../system/functions.ts';
import { METRICS } from '../system/metrics.ts';
import { STATUS_COMPONENTS } from '../system/status.ts';
import type { UsageRecord } from './usage.ts';

const ROOT = join(import.meta.dirname, '..');
type Prices = typeof import('./prices.json');

export const SCENARIOS = [100, 1000, 10_000].flatMap((storedGB) =>
  [10_000, 100_000].map((uploads) => ({ storedGB, uploads })),
);

export interface CostLine {
  item: string;
  monthly: number | undefined;
  /** What drives it, in a few words. */
  driver: string;
}

const GB = 1024 ** 3;
const avg = (records: UsageRecord[], f: (r: UsageRecord) => number) =>
  records.length ? records.reduce((s, r) => s + f(r), 0) / records.length : undefined;

/** One operation's usage, scaled to `bytes` (Lambda time and S3 bytes grow with them). */
function perOperation(records: UsageRecord[], bytes: number) {
  if (records.length === 0) return undefined;
  const scale = (r: UsageRecord) => (r.bytesIn > 0 ? bytes / r.bytesIn : 1);
  const sumRequests = (pattern: RegExp) =>
    avg(records, (r) =>
      Object.entries(r.requests)
        .filter(([k]) => pattern.test(k))
        .reduce((s, [, n]) => s + n, 0),
    ) ?? 0;
  return {
    gbSeconds:
      avg(records, (r) =>
        r.lambda.reduce((s, l) => s + (l.memoryMB / 1024) * (l.durationMs / 1000) * scale(r), 0),
      ) ?? 0,
    invocations: avg(records, (r) => r.lambda.reduce((s, l) => s + l.invocations, 0)) ?? 0,
    s3Puts: sumRequests(/^s3:(Put|Post|Copy|List)/),
    s3Gets: sumRequests(/^s3:(Get|Head)/),
    sqs: sumRequests(/^sqs:/),
    readUnits: avg(records, (r) => r.dynamodb.readUnits) ?? 0,
    writeUnits: avg(records, (r) => r.dynamodb.writeUnits) ?? 0,
    s3BytesPerByte: avg(records, (r) => (r.bytesIn > 0 ? r.s3.bytesPut / r.bytesIn : 0)) ?? 0,
    logBytes: avg(records, (r) => r.logBytes) ?? 0,
    bytesOut: avg(records, (r) => r.bytesOut) ?? 0,
  };
}

/** Fixed counts from the deployment's description: custom metrics, alarms, dashboards. */
function fixedCounts() {
  const schedules = functions.flatMap((fn) =>
    (fn.triggers as readonly Trigger[]).filter((t) => t.kind === 'schedule'),
  );
  const queues = new Set(STATUS_COMPONENTS.flatMap((c) => c.queues)).size;
  const metricSeries = Object.values(METRICS).reduce(
    (n, spec) =>
      n +
      (spec.dimensions.length === 0
        ? 1
        : (spec.dimensions as readonly string[]).includes('cron')
          ? schedules.length
          : 4),
    0,
  );
  const alarms =
    functions.length * 3 + queues * 2 + 1 /* schedule DLQ */ + schedules.length + 2 /* API */;
  return { metricSeries, alarms, dashboards: 1, queues };
}

export function costTable(
  usage: UsageRecord[],
  prices: Prices,
  scenario: { storedGB: number; uploads: number },
): CostLine[] {
  const uploadBytes = (scenario.storedGB * GB) / (12 * scenario.uploads);
  const upload = perOperation(
    usage.filter((r) => r.kind === 'upload'),
    uploadBytes,
  );
  const check = perOperation(
    usage.filter((r) => r.kind === 'check'),
    0,
  );
  const read = perOperation(
    usage.filter((r) => r.kind === 'gateway-read'),
    0,
  );
  const { workload } = prices;
  const checks = scenario.uploads * workload.checksPerUpload;
  const reads = scenario.uploads * workload.gatewayReadsPerUpload;
  const ops = [
    { op: upload, n: scenario.uploads },
    { op: check, n: checks },
    { op: read, n: reads },
  ];
  const total = (f: (o: NonNullable<typeof upload>) => number) =>
    ops.some(({ op }) => !op) && ops.every(({ op }) => !op)
      ? undefined
      : ops.reduce((s, { op, n }) => s + (op ? f(op) * n : 0), 0);
  const m = (n: number | undefined, price: number, per = 1) =>
    n === undefined ? undefined : (n / per) * price;
  const fixed = fixedCounts();
  const storedBytes = scenario.storedGB * (upload?.s3BytesPerByte || 1);
  const logsGB = (total((o) => o.logBytes) ?? 0) / GB;
  const apiRequests =
    scenario.uploads * Math.max(1, Math.ceil(uploadBytes / prices.apiGateway.meteredBytes)) +
    checks;
  return [
    {
      item: 'S3 storage',
      monthly: storedBytes * prices.s3.storagePerGBMonth,
      driver: 'stored CAR bytes (measured CAR/content ratio)',
    },
    {
      item: 'S3 requests',
      monthly:
        (m(
          total((o) => o.s3Puts),
          prices.s3.putPer1000,
          1000,
        ) ?? 0) +
        (m(
          total((o) => o.s3Gets),
          prices.s3.getPer1000,
          1000,
        ) ?? 0),
      driver: 'PUTs per upload, GETs per read (measured)',
    },
    {
      item: 'DynamoDB writes',
      monthly: m(
        total((o) => o.writeUnits),
        prices.dynamodb.writePerMillionUnits,
        1e6,
      ),
      driver: 'write units per upload, index writes included (measured)',
    },
    {
      item: 'DynamoDB reads',
      monthly: m(
        total((o) => o.readUnits),
        prices.dynamodb.readPerMillionUnits,
        1e6,
      ),
      driver: 'read units per upload and check (measured)',
    },
    {
      item: 'DynamoDB storage',
      monthly: Math.max(0, (scenario.uploads * 12 * 4096) / GB) * prices.dynamodb.storagePerGBMonth,
      driver: 'records, about 4 KB per upload with its content, CARs and marks',
    },
    {
      item: 'SQS',
      monthly: m(
        (total((o) => o.sqs) ?? 0) + fixed.queues * prices.sqs.idlePollRequestsPerQueueMonth,
        prices.sqs.perMillionRequests,
        1e6,
      ),
      driver: 'messages per upload (measured) and consumers’ idle long polls',
    },
    {
      item: 'Lambda GB-s',
      monthly: m(
        total((o) => o.gbSeconds),
        prices.lambda.perGBSecond,
      ),
      driver: 'handler time × memory, scaled by upload size (measured)',
    },
    {
      item: 'Lambda requests',
      monthly: m(
        total((o) => o.invocations),
        prices.lambda.perMillionRequests,
        1e6,
      ),
      driver: 'one per API request or message batch',
    },
    {
      item: 'API Gateway',
      monthly: m(apiRequests, prices.apiGateway.httpPerMillionRequests, 1e6),
      driver: 'requests, metered per 512 KB of body',
    },
    {
      item: 'CloudFront + data out',
      monthly: read
        ? ((reads * read.bytesOut) / GB) * prices.cloudfront.perGBOut +
          (reads / 1e6) * prices.cloudfront.perMillionHttpsRequests
        : undefined,
      driver: read
        ? 'gateway reads × bytes served (measured)'
        : 'not measured yet: the gateway benchmark records it',
    },
    {
      item: 'CloudWatch logs',
      monthly:
        logsGB *
        (prices.cloudwatch.logsIngestedPerGB +
          prices.cloudwatch.logsStoredPerGBMonth * prices.workload.logRetentionMonths),
      driver: 'log and metric lines per operation (measured)',
    },
    {
      item: 'CloudWatch metrics, alarms, dashboard',
      monthly:
        fixed.metricSeries * prices.cloudwatch.perMetricMonth +
        fixed.alarms * prices.cloudwatch.perAlarmMonth +
        fixed.dashboards * prices.cloudwatch.perDashboardMonth,
      driver: `${fixed.metricSeries} custom metrics, ~${fixed.alarms} alarms, 1 dashboard`,
    },
    {
      item: 'X-Ray',
      monthly: m(
        (total((o) => o.invocations) ?? 0) * prices.xray.sampledShare,
        prices.xray.perMillionTracesRecorded,
        1e6,
      ),
      driver: 'active tracing, sampled',
    },
  ];
}

export function pinataMonthly(prices: Prices, storedGB: number): number {
  return Math.min(
    ...prices.pinata.plans.map(
      (plan) =>
        plan.perMonth + Math.max(0, storedGB - plan.includedGB) * prices.pinata.overagePerGBMonth,
    ),
  );
}

const money = (n: number | undefined) => (n === undefined ? 'not measured' : `$${n.toFixed(2)}`);

async function main() {
  const prices = JSON.parse(await readFile(join(ROOT, 'bench', 'prices.json'), 'utf8')) as Prices;
  let report: { finishedAt: string; modules: { usage?: UsageRecord[] }[] };
  try {
    report = JSON.parse(await readFile(join(ROOT, 'bench-results', 'latest.json'), 'utf8'));
  } catch {
    console.error(
      'no bench-results/latest.json: run `npm run bench` first (it measures what this prices)',
    );
    return 1;
  }
  const usage = report.modules.flatMap((m) => m.usage ?? []);
  if (!usage.some((r) => r.kind === 'upload')) {
    console.error('the benchmarks recorded no upload usage: run `npm run bench api`');
    return 1;
  }
  console.log(
    `pinstack monthly cost, ${prices.region} list prices of ${prices.retrieved}, usage measured ${report.finishedAt}`,
  );
  console.log(`measured operations: ${usage.map((r) => r.operation).join('; ')}\n`);
  const header = [
    'line item',
    ...SCENARIOS.map(
      (s) =>
        `${s.storedGB >= 1000 ? `${s.storedGB / 1000} TB` : `${s.storedGB} GB`} / ${s.uploads / 1000}k`,
    ),
  ];
  const tables = SCENARIOS.map((s) => costTable(usage, prices, s));
  const rows = (tables[0] ?? []).map((line, i) => [
    line.item,
    ...tables.map((t) => money(t[i]?.monthly)),
  ]);
  rows.push([
    'total (AWS)',
    ...tables.map((t) => money(t.reduce((s, l) => s + (l.monthly ?? 0), 0))),
  ]);
  rows.push([
    'Pinata, same storage',
    ...SCENARIOS.map((s) => money(pinataMonthly(prices, s.storedGB))),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
  console.log('\nWhat drives each line:');
  for (const entry of tables[0] ?? []) console.log(`- ${entry.item}: ${entry.driver}`);
  return 0;
}

if (import.meta.main) process.exitCode = await main();
