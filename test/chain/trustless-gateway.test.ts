/** Reading metadata through trustless gateways: verified, in order, bounded. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trustlessGateways } from '../../lambdas/adapters/ipfs/trustless-gateway.ts';
import { startTestGateway, type TestGateway } from '../support/chain/gateway.ts';

let first: TestGateway;
let second: TestGateway;
let dir: string;
const instant = { sleep: async () => {} };

beforeAll(async () => {
  first = await startTestGateway();
  second = await startTestGateway();
  const files = { 'a/1.json': '{"name":"one"}', 'big.bin': new Uint8Array(3000) };
  dir = await first.addDirectory(files);
  await second.addDirectory(files);
});

afterAll(async () => {
  await first?.close();
  await second?.close();
});

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

describe('trustlessGateways', () => {
  it('reads a file by root and path from a verified CAR', async () => {
    const read = await trustlessGateways([first.url], instant).read(dir, '/a/1.json');
    expect(read.ok && text(read.value)).toBe('{"name":"one"}');
    expect(first.requests.at(-1)).toBe(`/ipfs/${dir}/a/1.json`);
  });

  it('skips a gateway that serves blocks that do not match their CIDs, or fails', async () => {
    first.setFault(() => ({ kind: 'corrupt' }));
    const read = await trustlessGateways([first.url, second.url], instant).read(dir, '/a/1.json');
    expect(read.ok && text(read.value)).toBe('{"name":"one"}');
    first.setFault(() => ({ kind: 'status', status: 500 }));
    const bad = await trustlessGateways([first.url], instant).read(dir, '/a/1.json');
    expect(bad).toMatchObject({
      ok: false,
      error: { reason: 'unavailable', message: expect.stringMatching(/HTTP 500/) },
    });
    first.setFault(undefined);
  });

  it('asks a throttling gateway once more before moving on', async () => {
    let count = 0;
    first.setFault(() => (++count === 1 ? { kind: 'status', status: 429 } : undefined));
    const read = await trustlessGateways([first.url], instant).read(dir, '/a/1.json');
    first.setFault(undefined);
    expect(read.ok).toBe(true);
    expect(count).toBe(2);
  });

  it('calls a path the verified DAG does not have invalid, and a file over the cap too large', async () => {
    expect(await trustlessGateways([first.url], instant).read(dir, '/nope.json')).toMatchObject({
      ok: false,
      error: { reason: 'invalid' },
    });
    expect(
      await trustlessGateways([first.url], { ...instant, maxBytes: 1000 }).read(dir, '/big.bin'),
    ).toMatchObject({
      ok: false,
      error: { reason: 'too-large' },
    });
    expect(await trustlessGateways([first.url], instant).read(dir, '/a')).toMatchObject({
      ok: false,
      error: { reason: 'invalid', message: expect.stringMatching(/directory/) },
    });
  });

  it('says so when content is on no gateway, or no gateway is configured', async () => {
    const other = await second.addFile('only on the second gateway');
    expect(await trustlessGateways([first.url], instant).read(other, '')).toMatchObject({
      ok: false,
      error: { reason: 'unavailable', message: expect.stringMatching(/HTTP 404/) },
    });
    expect(await trustlessGateways([], instant).read(other, '')).toMatchObject({
      ok: false,
      error: { reason: 'unavailable', message: expect.stringMatching(/IPFS_GATEWAYS/) },
    });
  });
});
