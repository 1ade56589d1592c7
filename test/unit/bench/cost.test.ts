/**
 * `npm run cost` prices what the benchmarks measured: each line moves with the measured
 * figure it rests on, and a kind of operation no benchmark measured shows as not measured.
 */
import { describe, expect, it } from 'vitest';
import { costTable, pinataMonthly } from '../../../bench/cost.ts';
import prices from '../../../bench/prices.json' with { type: 'json' };
import type { UsageRecord } from '../../../bench/usage.ts';

const upload = (writeUnits: number, durationMs: number): UsageRecord => ({
  operation: 'POST /upload',
  kind: 'upload',
  runs: 1,
  bytesIn: 1_000_000,
  bytesOut: 400,
  lambda: [{ function: 'api-write', memoryMB: 2048, invocations: 1, durationMs }],
  requests: { 's3:PutObject': 1, 'dynamodb:UpdateItem': 3, 'sqs:SendMessage': 1 },
  dynamodb: { readUnits: 2, writeUnits },
  s3: { bytesPut: 1_010_000 },
  logBytes: 300,
});

const line = (usage: UsageRecord[], item: string) =>
  costTable(usage, prices, { storedGB: 1000, uploads: 100_000 }).find((l) => l.item === item)
    ?.monthly;

describe('the cost model', () => {
  it('moves each line with the measured figure it rests on', () => {
    expect(line([upload(20, 100)], 'DynamoDB writes')).toBeCloseTo(
      2 * (line([upload(10, 100)], 'DynamoDB writes') as number),
    );
    expect(line([upload(10, 200)], 'Lambda GB-s')).toBeCloseTo(
      2 * (line([upload(10, 100)], 'Lambda GB-s') as number),
    );
    // S3 keeps what the uploads put there: the measured CAR bytes per content byte.
    expect(line([upload(10, 100)], 'S3 storage')).toBeCloseTo(
      1000 * 1.01 * prices.s3.storagePerGBMonth,
    );
  });

  it('shows what no benchmark measured as not measured, not a guess', () => {
    expect(line([upload(10, 100)], 'CloudFront + data out')).toBeUndefined();
  });

  it('prices Pinata by its cheapest plan for the storage', () => {
    expect(pinataMonthly(prices, 100)).toBe(20);
    expect(pinataMonthly(prices, 10_000)).toBe(100 + 5000 * prices.pinata.overagePerGBMonth);
  });
});
