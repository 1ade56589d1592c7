import { describe, expect, it } from 'vitest';
import { announceEndpoint, announceHead } from '../../../lambdas/core/ipni/announce.ts';
import type { ChainPosition } from '../../../lambdas/core/ports.ts';
import { FakeAdChainStore, FakeAnnounceLog, FakeClock, failNext } from '../../support/fakes.ts';

const head = (seq: number): ChainPosition => ({
  seq,
  ad:
    seq === 1
      ? 'baguqeerardpos6pq4euvndzbfbakxjh7ujhyeuj5b5wly63q2md64k6jva6a'
      : 'baguqeeraujwlg4fuhitsuw2swhrjd6aiq7gtwt5d4l5am4gavlzds2erxo4q',
  keys: [],
  signedHead: '{}',
  created: '2024-01-01T00:00:00.000Z',
});

function setup(failing = new Set<string>()) {
  const chain = new FakeAdChainStore();
  const announced = new FakeAnnounceLog();
  const sent: { url: string; body: string }[] = [];
  const announcer = {
    async put(url: string, body: string) {
      if (failing.has(url)) throw new Error(`${url} is down`);
      sent.push({ url, body });
    },
  };
  return { chain, announced, announcer, clock: new FakeClock(), sent };
}

const settings = {
  urls: ['https://indexer-a.example', 'https://indexer-b.example/ingest/announce'],
  addresses: ['/dns/gw.example/tcp/443/https'],
  peerId: '12D3KooWRawPbxPtP1eZaJpumGnyWX2DcUyd3RQnydr3eAto4Az7',
};

describe('announcing the head', () => {
  it('PUTs the announce message to /announce of a bare indexer URL, or to the URL given', () => {
    expect(announceEndpoint('https://cid.contact')).toBe('https://cid.contact/announce');
    expect(announceEndpoint('http://127.0.0.1:3001/')).toBe('http://127.0.0.1:3001/announce');
    expect(announceEndpoint('https://x.example/ingest/announce')).toBe(
      'https://x.example/ingest/announce',
    );
  });

  it('tells every indexer about a new head, once', async () => {
    const ports = setup();
    await ports.chain.claim(head(1));
    const report = await announceHead(ports, settings);
    expect(report.announced.sort()).toEqual([...settings.urls].sort());
    expect(ports.sent.map((s) => s.url).sort()).toEqual([
      'https://indexer-a.example/announce',
      'https://indexer-b.example/ingest/announce',
    ]);
    const message = JSON.parse(ports.sent[0]?.body ?? '');
    expect(message.Cid).toEqual({ '/': head(1).ad });
    expect(message.Addrs).toHaveLength(1);

    const again = await announceHead(ports, settings);
    expect(again.announced).toEqual([]);
    expect(again.current.sort()).toEqual([...settings.urls].sort());
  });

  it('retries a failed indexer on the next run, and never throws', async () => {
    const failing = new Set(['https://indexer-a.example/announce']);
    const ports = setup(failing);
    await ports.chain.claim(head(1));
    const first = await announceHead(ports, settings);
    expect(first.failed.map((f) => f.url)).toEqual(['https://indexer-a.example']);
    expect(first.announced).toEqual(['https://indexer-b.example/ingest/announce']);

    failing.clear();
    const retried = await announceHead(ports, settings);
    expect(retried.announced).toEqual(['https://indexer-a.example']);
    expect(retried.current).toEqual(['https://indexer-b.example/ingest/announce']);
  });

  it('announces a newer head to indexers told about an older one', async () => {
    const ports = setup();
    await ports.chain.claim(head(1));
    await announceHead(ports, settings);
    await ports.chain.claim(head(2));
    const report = await announceHead(ports, settings);
    expect(report.head).toBe(head(2).ad);
    expect(report.announced).toHaveLength(2);
  });

  it('does nothing without indexers or without a head', async () => {
    const ports = setup();
    expect((await announceHead(ports, { ...settings, urls: [] })).announced).toEqual([]);
    expect((await announceHead(ports, settings)).announced).toEqual([]);
    expect(ports.sent).toEqual([]);
  });

  it('tells every indexer when its record of past announces cannot be read', async () => {
    const ports = setup();
    await ports.chain.claim(head(1));
    failNext(ports.announced, 'announced');
    const report = await announceHead(ports, settings);
    expect(report.announced).toHaveLength(2);
  });

  it('reports, without throwing, a chain it cannot read', async () => {
    const ports = setup();
    failNext(ports.chain, 'head');
    const report = await announceHead(ports, settings);
    expect(report.failed).toHaveLength(2);
  });
});
