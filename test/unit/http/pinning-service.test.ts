/**
 * The Pinning Service API (`/pins`) through the real API handlers on in-memory ports: every
 * route and filter the spec has, its error shape and statuses, pin requests as uploads, and
 * every response checked against the OpenAPI document.
 */
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { describe, expect, it } from 'vitest';
import { createdOf } from '../../../lambdas/codecs/request-id.ts';
import { type InProcessApi, inProcessApi } from '../../support/in-process-api.ts';

async function cidOf(text: string) {
  const digest = await sha256.digest(new TextEncoder().encode(text));
  return CID.create(1, raw.code, digest).toString();
}

/** The CIDv0 and CIDv1 forms of one dag-pb root. */
async function bothForms(text: string) {
  const v0 = CID.createV0(await sha256.digest(new TextEncoder().encode(text)));
  return [v0.toString(), v0.toV1().toString()] as const;
}

const json = { 'content-type': 'application/json' };

async function pin(api: InProcessApi, body: object, path = '/pins') {
  const response = await api.request('POST', path, { body: JSON.stringify(body), headers: json });
  expect(response.documentProblems).toEqual([]);
  return response;
}

async function list(api: InProcessApi, query = '') {
  const response = await api.request('GET', `/pins${query}`);
  expect(response.documentProblems).toEqual([]);
  return response;
}

describe('POST /pins', () => {
  it('accepts a pin (202): a queued PinStatus with delegates, and an upload of the CID', async () => {
    const api = await inProcessApi({ GATEWAY_PUBLIC_URL: 'https://gw.example' });
    const cid = await cidOf('one');
    const response = await pin(api, {
      cid,
      name: 'one',
      origins: ['/dns/a.example/tcp/443/https'],
      meta: { app: 'x' },
    });
    expect(response.status).toBe(202);
    const status = response.json;
    expect(status).toMatchObject({
      status: 'queued',
      pin: { cid, name: 'one', origins: ['/dns/a.example/tcp/443/https'], meta: { app: 'x' } },
    });
    expect(status.delegates).toEqual([
      expect.stringMatching(/^\/dns\/gw\.example\/tcp\/443\/https\/p2p\/12D3KooW\w+$/),
    ]);
    expect(createdOf(status.requestid)).toBe(status.created);
    // The pin request is the user's upload of the CID.
    const uploads = await api.request('GET', '/');
    expect(uploads.json.value).toMatchObject([
      { cid, type: 'remote', name: 'one', pin: { status: 'queued' } },
    ]);
  });

  it('makes a new request each time a CID is pinned again, with one upload and one content', async () => {
    const api = await inProcessApi();
    const [v0, v1] = await bothForms('twice');
    const first = (await pin(api, { cid: v1 })).json;
    const second = (await pin(api, { cid: v0 })).json;
    expect(second.pin.cid).toBe(v0);
    expect(second.requestid).not.toBe(first.requestid);
    // Creation times are unique, even within one millisecond.
    expect(second.created).not.toBe(first.created);
    expect(api.ports.uploads.uploads.size).toBe(1);
    expect(api.ports.contents.contents.size).toBe(1);
    expect((await list(api, '?status=queued')).json.count).toBe(2);
  });

  it('refuses a bad body or CID with 400 BAD_REQUEST in the spec shape', async () => {
    const api = await inProcessApi();
    for (const body of [
      {},
      { cid: 'not a cid' },
      { cid: await cidOf('x'), name: 'n'.repeat(256) },
      { cid: await cidOf('x'), origins: ['a', 'a'] },
    ]) {
      const response = await api.request('POST', '/pins', {
        body: JSON.stringify(body),
        headers: json,
      });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.json).toEqual({
        error: { reason: 'BAD_REQUEST', details: expect.any(String) },
      });
      expect(response.documentProblems).toEqual([]);
    }
    expect(api.ports.uploads.uploads.size).toBe(0);
  });

  it('answers 401 UNAUTHORIZED for a missing or bad token, on every route', async () => {
    const api = await inProcessApi();
    for (const token of [null, 'pst_aaaaaaaaaaaaaaaa_nope', 'garbage']) {
      for (const [method, path] of [
        ['GET', '/pins'],
        ['POST', '/pins'],
        ['GET', '/pins/x'],
        ['POST', '/api/pins/x'],
        ['DELETE', '/pins/x'],
      ] as const) {
        const response = await api.request(method, path, { token, body: '{}', headers: json });
        expect(response.status, `${method} ${path}`).toBe(401);
        expect(response.json.error.reason).toBe('UNAUTHORIZED');
        expect(response.documentProblems).toEqual([]);
      }
    }
  });
});

describe('GET /pins', () => {
  async function seeded() {
    const api = await inProcessApi();
    const pins = [];
    for (const [i, name] of ['Alpha', 'alphabet', 'beta', 'Gamma ray'].entries()) {
      api.ports.clock.advance(1000);
      const cid = await cidOf(`p${i}`);
      pins.push(
        (await pin(api, { cid, name, meta: { n: String(i), app: i % 2 ? 'odd' : 'even' } })).json,
      );
    }
    return { api, pins };
  }

  it('with no filter lists only pinned pins, as the spec says', async () => {
    const { api, pins } = await seeded();
    expect((await list(api)).json).toEqual({ count: 0, results: [] });
    // Pin one by storing its content.
    await api.ports.contents.recordStored({
      cid: pins[1].pin.cid,
      structure: 'complete',
      now: '2024-06-01T00:00:00.000Z',
      size: 2,
    });
    const listed = (await list(api)).json;
    expect(listed.count).toBe(1);
    expect(listed.results).toMatchObject([
      { requestid: pins[1].requestid, status: 'pinned', info: { dag_size: '2' } },
    ]);
  });

  it('lists newest first, pages with limit and before, and counts every match', async () => {
    const { api, pins } = await seeded();
    const all = '?status=queued,pinning,pinned,failed';
    const first = (await list(api, `${all}&limit=3`)).json;
    expect(first.count).toBe(4);
    expect(first.results.map((r: { requestid: string }) => r.requestid)).toEqual(
      pins
        .slice(1)
        .reverse()
        .map((p) => p.requestid),
    );
    const oldest = first.results.at(-1).created;
    const next = (await list(api, `${all}&before=${encodeURIComponent(oldest)}`)).json;
    expect(next.count).toBe(1);
    expect(next.results.map((r: { requestid: string }) => r.requestid)).toEqual([
      pins[0].requestid,
    ]);
    const after = (await list(api, `${all}&after=${encodeURIComponent(pins[1].created)}`)).json;
    expect(after.count).toBe(2);
  });

  it('matches names exactly, case-insensitively and partially', async () => {
    const { api } = await seeded();
    const names = async (query: string) =>
      (await list(api, query)).json.results
        .map((r: { pin: { name: string } }) => r.pin.name)
        .sort();
    expect(await names('?name=alpha')).toEqual([]);
    expect(await names('?name=Alpha')).toEqual(['Alpha']);
    expect(await names('?name=alpha&match=iexact')).toEqual(['Alpha']);
    expect(await names('?name=alpha&match=partial')).toEqual(['alphabet']);
    expect(await names('?name=ALPHA&match=ipartial')).toEqual(['Alpha', 'alphabet']);
    expect(await names('?name=a%20r&match=partial')).toEqual(['Gamma ray']);
  });

  it('filters by CIDs (either version), status and meta (JSON or pairs)', async () => {
    const { api, pins } = await seeded();
    const ids = async (query: string) =>
      (await list(api, query)).json.results.map((r: { requestid: string }) => r.requestid).sort();
    expect(await ids(`?cid=${pins[0].pin.cid},${pins[2].pin.cid}`)).toEqual(
      [pins[0].requestid, pins[2].requestid].sort(),
    );
    expect(await ids('?status=pinned')).toEqual([]);
    expect(await ids(`?meta=${encodeURIComponent('{"app":"odd"}')}`)).toEqual(
      [pins[1].requestid, pins[3].requestid].sort(),
    );
    expect(await ids('?meta%5Bn%5D=2')).toEqual([pins[2].requestid]);
    const bad = await api.request('GET', '/pins?meta=nope');
    expect(bad.status).toBe(400);
    expect(bad.json.error.reason).toBe('BAD_REQUEST');
    const badCid = await api.request('GET', '/pins?cid=nope');
    expect(badCid.status).toBe(400);
    for (const query of [
      '?limit=0',
      '?limit=1001',
      '?status=lost',
      '?match=fuzzy',
      '?before=yesterday',
    ]) {
      const response = await api.request('GET', `/pins${query}`);
      expect(response.status, query).toBe(400);
      expect(response.documentProblems).toEqual([]);
    }
  });

  it('shows a failed pin with its reason', async () => {
    const api = await inProcessApi();
    const cid = await cidOf('failing');
    const { requestid } = (await pin(api, { cid })).json;
    await api.ports.contents.recordFailure(
      cid,
      {
        kind: 'invalid',
        message: 'block x failed hash verification',
        since: '2024-01-01T00:00:00.000Z',
        attempts: 1,
      },
      '2024-01-01T00:00:00.000Z',
    );
    const got = await api.request('GET', `/pins/${requestid}`);
    expect(got.json).toMatchObject({
      status: 'failed',
      info: { status_details: 'block x failed hash verification' },
    });
    expect((await list(api, '?status=failed')).json.count).toBe(1);
  });
});

describe('GET, POST and DELETE /pins/{requestid}', () => {
  it('gets a pin of the caller, and 404 NOT_FOUND for anything else', async () => {
    const api = await inProcessApi();
    const { requestid } = (await pin(api, { cid: await cidOf('mine') })).json;
    expect((await api.request('GET', `/api/pins/${requestid}`)).json.requestid).toBe(requestid);
    for (const id of ['nope', requestid.replace(/.$/, requestid.endsWith('0') ? '1' : '0')]) {
      const response = await api.request('GET', `/pins/${id}`);
      expect(response.status).toBe(404);
      expect(response.json.error.reason).toBe('NOT_FOUND');
      expect(response.documentProblems).toEqual([]);
    }
  });

  it('replaces a pin with a new request id; the old one is gone', async () => {
    const api = await inProcessApi();
    const old = (await pin(api, { cid: await cidOf('old') })).json;
    const cid = await cidOf('new');
    const replaced = await pin(api, { cid, name: 'new' }, `/pins/${old.requestid}`);
    expect(replaced.status).toBe(202);
    expect(replaced.json.requestid).not.toBe(old.requestid);
    expect((await api.request('GET', `/pins/${old.requestid}`)).status).toBe(404);
    expect((await api.request('GET', `/pins/${replaced.json.requestid}`)).json.pin).toEqual({
      cid,
      name: 'new',
    });
    // The old CID's upload went with its last request.
    const uploads = (await api.request('GET', '/')).json.value.map((u: { cid: string }) => u.cid);
    expect(uploads).toEqual([cid]);
  });

  it('deletes a pin (202, no body); the upload goes with the last request of its CID', async () => {
    const api = await inProcessApi();
    const cid = await cidOf('deleted');
    const a = (await pin(api, { cid })).json;
    const b = (await pin(api, { cid })).json;
    const deleted = await api.request('DELETE', `/pins/${a.requestid}`);
    expect(deleted.status).toBe(202);
    expect(deleted.text).toBe('');
    expect(deleted.documentProblems).toEqual([]);
    expect((await api.request('DELETE', `/pins/${a.requestid}`)).status).toBe(404);
    expect((await api.request('GET', '/')).json.value).toHaveLength(1);
    await api.request('DELETE', `/pins/${b.requestid}`);
    expect((await api.request('GET', '/')).json.value).toHaveLength(0);
    // Its hold went with it: the content's unpin is scheduled.
    expect(await api.ports.contents.hasHolders(cid)).toBe(false);
    expect((await api.ports.contents.get(cid))?.unpinAfter).toBeDefined();
  });

  it('deleting the upload (DELETE /{cid}) removes its pin requests too', async () => {
    const api = await inProcessApi();
    const cid = await cidOf('via upload');
    const { requestid } = (await pin(api, { cid })).json;
    expect((await api.request('DELETE', `/${cid}`)).status).toBe(202);
    expect((await api.request('GET', `/pins/${requestid}`)).status).toBe(404);
    expect(api.ports.pinRequests.requests.size).toBe(0);
  });
});
