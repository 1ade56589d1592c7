/**
 * What `npm run cost` prices is what the benchmarks measure: the usage meter (bench/usage.ts)
 * counts the AWS requests, DynamoDB capacity and S3 bytes uploads really make on the local
 * stack, and the cost table's usage-driven lines are exactly those figures times the dated
 * prices.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costTable } from '../../bench/cost.ts';
import prices from '../../bench/prices.json' with { type: 'json' };
import { meter, type UsageRecord } from '../../bench/usage.ts';
import { apiClient, createTestToken } from '../support/api-client.ts';
import { seededBytes } from '../support/ipfs-fixtures.ts';
import { type TestStack, withLocalStack } from '../support/local-stack.ts';

let stack: TestStack;
let token: string;

beforeAll(async () => {
  stack = await withLocalStack();
  token = (await createTestToken(stack, 'metered')).token;
});

afterAll(async () => {
  await stack?.stop();
});

const SIZE = 300_000;

/** Uploads each body once under the meter, the queued work it sets off included. */
function meteredUploads(operation: string, bodies: Uint8Array[]): Promise<UsageRecord> {
  const api = apiClient(stack);
  const pending = [...bodies];
  return meter(
    {
      operation,
      kind: 'upload',
      function: 'api-write',
      memoryMB: 2048,
      runs: bodies.length,
      bytesIn: SIZE,
    },
    async () => {
      const response = await api.post('/upload', {
        token,
        body: pending.shift() as Uint8Array,
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(response.status).toBe(200);
      await stack.idle();
      return JSON.stringify(response.body).length;
    },
  );
}

describe('the usage meter', () => {
  it('counts the requests, capacity and bytes uploads make, and the cost prices exactly those', async () => {
    const fresh = await meteredUploads('POST /upload, 300 kB', [
      seededBytes(SIZE, 1),
      seededBytes(SIZE, 2),
    ]);
    expect(fresh.requests['s3:PutObject']).toBeGreaterThanOrEqual(1);
    expect(
      Object.keys(fresh.requests).filter((k) => k.startsWith('dynamodb:')).length,
    ).toBeGreaterThan(0);
    expect(fresh.dynamodb.writeUnits).toBeGreaterThan(0);
    expect(fresh.dynamodb.readUnits).toBeGreaterThan(0);
    expect(fresh.s3.bytesPut).toBeGreaterThanOrEqual(SIZE);

    const scenario = { storedGB: 100, uploads: 10_000 };
    const line = (item: string) =>
      costTable([fresh], prices, scenario).find((l) => l.item === item)?.monthly;
    expect(line('DynamoDB writes')).toBeCloseTo(
      (scenario.uploads * fresh.dynamodb.writeUnits * prices.dynamodb.writePerMillionUnits) / 1e6,
    );
    expect(line('DynamoDB reads')).toBeCloseTo(
      (scenario.uploads * fresh.dynamodb.readUnits * prices.dynamodb.readPerMillionUnits) / 1e6,
    );
    expect(line('S3 storage')).toBeCloseTo(
      scenario.storedGB * (fresh.s3.bytesPut / SIZE) * prices.s3.storagePerGBMonth,
    );
  });
});
