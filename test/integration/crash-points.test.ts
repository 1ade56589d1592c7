/**
 * The crash points of PINSTACK_CRASH_AT (local/faults.ts) name exactly the writes of their
 * port operations: every call the functions' clients make is classified while the local stack
 * serves uploads (a CAR chunk, its repeat, a directory with a stored file list, a staged CAR),
 * reads and a delete, and each request must show the writes its operations make, no other call
 * counting as one, and no call counting twice.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCar, packFile } from '../../lambdas/core/ipfs/index.ts';
import { crashPointsOf, onFunctionCalls } from '../../local/faults.ts';
import type { CrashPoint } from '../../system/settings.ts';
import { apiClient, createTestToken } from '../support/api-client.ts';
import { craftCar, seededBytes, utf8 } from '../support/ipfs-fixtures.ts';
import { type TestStack, withLocalStack } from '../support/local-stack.ts';

let stack: TestStack;
let api: ReturnType<typeof apiClient>;
let token: string;
let stopRecording: () => void;
let recorded: CrashPoint[][] = [];

beforeAll(async () => {
  stack = await withLocalStack();
  api = apiClient(stack);
  token = (await createTestToken(stack, 'alice')).token;
  stopRecording = onFunctionCalls('crashPointRecorder', (next, context) => async (args) => {
    recorded.push(
      crashPointsOf({ command: context.commandName ?? '', input: args.input }, stack.env),
    );
    return next(args);
  });
});

afterAll(async () => {
  stopRecording?.();
  await stack?.stop();
});

/** The crash points of the calls the work makes, and what it sets off, sorted. */
async function writesOf(work: () => Promise<{ status: number }>): Promise<CrashPoint[]> {
  recorded = [];
  expect((await work()).status).toBeLessThan(300);
  await stack.idle();
  expect(
    recorded.filter((points) => points.length > 1),
    'calls counted twice',
  ).toEqual([]);
  return recorded.flat().sort();
}

const upload = (body: RequestInit['body'], headers: Record<string, string> = {}) =>
  api.post('/upload', { token, body, headers });

describe('crash points', () => {
  const chunk = (async () => {
    const dag = await packFile(seededBytes(600_000, 801));
    if (!dag.ok) throw new Error('pack failed');
    const [root, ...leaves] = dag.value.blocks;
    if (!root) throw new Error('no root block');
    return {
      root: dag.value.root,
      car: await craftCar([dag.value.root], [root, ...leaves.slice(1)]),
    };
  })();
  const car = { 'content-type': 'application/car' };

  it('are the writes of a first upload of a CAR chunk', async () => {
    const { car: bytes } = await chunk;
    expect(await writesOf(() => upload(bytes, car))).toEqual([
      // The CAR and its link index.
      'carpark.put',
      'carpark.put',
      'contents.recordCar',
      'contents.recordStored',
      'ingestQueue.send',
      'pinQueue.send',
      'uploads.create',
    ]);
  });

  it('are the writes of a repeat, which takes its hold again', async () => {
    const { car: bytes } = await chunk;
    expect(await writesOf(() => upload(bytes, car))).toEqual([
      'carpark.put',
      'carpark.put',
      'contents.addHolder',
      'contents.recordCar',
      'contents.recordStored',
      'ingestQueue.send',
      'pinQueue.send',
      'uploads.create',
    ]);
  });

  it('are the writes of a directory whose file list is stored beside its CAR', async () => {
    const form = new FormData();
    for (let i = 0; i < 400; i++) {
      form.append(
        'file',
        new Blob([utf8(`${i}`)]),
        `dir/${String(i).padStart(4, '0')}-${'n'.repeat(60)}`,
      );
    }
    expect(await writesOf(() => upload(form))).toEqual([
      'carpark.put',
      'carpark.put',
      'contents.recordCar',
      'contents.recordStored',
      'pinQueue.send',
      'uploads.create',
    ]);
  });

  it('are the writes of a staged CAR, stored by ingest', async () => {
    const dag = await packFile(seededBytes(50_000, 802));
    if (!dag.ok) throw new Error('pack failed');
    const bytes = await encodeCar(dag.value.root, dag.value.blocks);
    const intent = await api.post('/staged-uploads', {
      token,
      body: JSON.stringify({
        size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('base64'),
      }),
      headers: { 'content-type': 'application/json' },
    });
    const target = intent.body.value.upload as { url: string; headers: Record<string, string> };
    expect(
      await writesOf(() =>
        fetch(target.url, { method: 'PUT', headers: target.headers, body: bytes }),
      ),
    ).toEqual([
      'carpark.put',
      'contents.recordCar',
      'contents.recordStored',
      'pinQueue.send',
      'uploads.create',
    ]);
  });

  it('are none of the reads, rate-limit counters and staged intents', async () => {
    const { root } = await chunk;
    expect(await writesOf(() => api.get('/', { token }))).toEqual([]);
    expect(await writesOf(() => api.get(`/${root}`, { token }))).toEqual([]);
    expect(
      await writesOf(() =>
        api.post('/staged-uploads', {
          token,
          body: JSON.stringify({ size: 10, sha256: createHash('sha256').digest('base64') }),
          headers: { 'content-type': 'application/json' },
        }),
      ),
    ).toEqual([]);
  });

  it('are the writes of a delete: the hold taken again, the upload hidden, the hold released', async () => {
    const { root } = await chunk;
    expect(await writesOf(() => api.delete(`/${root}`, { token }))).toEqual([
      'contents.addHolder',
      // The unpin schedule, then the hold's removal.
      'contents.removeHolder',
      'contents.removeHolder',
      'uploads.markDeleted',
    ]);
  });
});
