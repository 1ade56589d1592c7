/**
 * The ingest dead-letter consumer: each message every ingest attempt failed on marks its staged
 * upload `failed` with the reason; a redelivery changes nothing (nor does it touch an upload
 * that finished meanwhile); a record whose marking meets unavailable storage is reported alone
 * as a batch item failure while the rest of the batch is done; what is no staged object is
 * acknowledged.
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { FailureError, failure } from '../../../lambdas/core/failures.ts';
import { STAGED_PREFIX, stageUpload } from '../../../lambdas/core/staged.ts';
import { ingestDeadLetterHandler } from '../../../lambdas/shared/ingest-dead-letters.ts';
import { FakeClock, fakePorts } from '../../support/fakes.ts';

const alice = { userId: 'alice', tokenId: 'aaaaaaaaaaaaaaaa', tokenName: 'laptop' };
const SETTINGS = {
  MAX_STAGED_UPLOAD_BYTES: 1 << 30,
  STAGED_URL_LIFETIME_SECONDS: 3600,
  STAGED_PART_BYTES: 5 << 20,
};

const created = (messageId: string, key: string): SQSRecord =>
  ({
    messageId,
    body: JSON.stringify({
      Records: [
        { eventName: 'ObjectCreated:Put', s3: { object: { key: encodeURIComponent(key) } } },
      ],
    }),
    attributes: { ApproximateReceiveCount: '3' },
  }) as SQSRecord;

async function staged(ports: ReturnType<typeof fakePorts>) {
  const result = await stageUpload(alice, { size: 1000 }, ports, SETTINGS);
  if (!result.ok) throw new Error(result.error.message);
  const { id } = result.value;
  await ports.staged.startValidating(id, ports.clock.now().toISOString());
  return { id, key: `${STAGED_PREFIX}${id}.car` };
}

describe('the ingest dead-letter consumer', () => {
  it('marks each upload failed with the reason, once, with partial batch failures', async () => {
    const ports = fakePorts(new FakeClock('2024-06-01T00:00:00.000Z'));
    const [a, b, stored] = [await staged(ports), await staged(ports), await staged(ports)];
    await ports.staged.finish(stored.id, { status: 'stored', cid: 'bafkqaaa' }, 'now');
    const handler = ingestDeadLetterHandler(ports);
    // The table is unavailable for b's marking only.
    const finish = ports.staged.finish.bind(ports.staged);
    ports.staged.finish = async (id, ...rest) => {
      if (id === b.id) {
        throw new FailureError(failure.storageUnavailable(new Error('throttled'), 'DynamoDB'));
      }
      return finish(id, ...rest);
    };
    const event = {
      Records: [
        created('m-a', a.key),
        created('m-b', b.key),
        created('m-stored', stored.key),
        created('m-stray', 'cars/stray.car'),
        { messageId: 'm-junk', body: 'not json' } as SQSRecord,
        { messageId: 'm-check', body: JSON.stringify({ cid: 'bafkqaaa' }) } as SQSRecord,
      ],
    } as SQSEvent;
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-b' }] });
    const failedA = await ports.staged.get(a.id);
    expect(failedA).toMatchObject({
      status: 'failed',
      failure: { name: 'IngestFailed', message: expect.stringMatching(/failed repeatedly/) },
    });
    expect((await ports.staged.get(b.id))?.status).toBe('validating');
    expect((await ports.staged.get(stored.id))?.status).toBe('stored');

    // b's redelivery, once the table answers again, and a's a second time: b is marked, a not
    // changed.
    ports.staged.finish = finish;
    ports.clock.advance(60_000);
    expect(
      await handler({ Records: [created('m-b', b.key), created('m-a', a.key)] } as SQSEvent),
    ).toEqual({ batchItemFailures: [] });
    expect((await ports.staged.get(b.id))?.status).toBe('failed');
    expect(await ports.staged.get(a.id)).toEqual(failedA);
  });
});
