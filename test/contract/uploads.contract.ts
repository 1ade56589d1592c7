/** Behaviour every UploadStore must show (fakes and adapters alike). */
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { describe, expect, it } from 'vitest';
import type { ListUploadsQuery, UploadRecord, UploadStore } from '../../lambdas/core/ports.ts';
import type { Make } from './make.ts';

const T0 = '2024-01-01T00:00:00.000Z';

/** A real CIDv1 string, different for every seed. */
async function cidFor(seed: string): Promise<string> {
  const digest = await sha256.digest(new TextEncoder().encode(seed));
  return CID.create(1, raw.code, digest).toString();
}

const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();

async function upload(seed: string, overrides: Partial<UploadRecord> = {}): Promise<UploadRecord> {
  const cid = await cidFor(seed);
  return {
    userId: 'alice',
    cid,
    sourceCid: cid,
    name: `upload ${seed}`,
    type: 'application/car',
    files: [],
    tokenId: 'tokenaaaaaaaaaaa',
    tokenName: 'laptop',
    created: T0,
    updated: T0,
    ...overrides,
  };
}

/** Follows `next` to the end; fails if a page repeats the cursor or the pages never end. */
async function listAll(
  store: UploadStore,
  query: ListUploadsQuery,
): Promise<{ pages: UploadRecord[][]; all: UploadRecord[] }> {
  const pages: UploadRecord[][] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await store.list({ ...query, ...(cursor ? { cursor } : {}) });
    expect(page.uploads.length).toBeLessThanOrEqual(query.limit);
    pages.push(page.uploads);
    if (!page.next) return { pages, all: pages.flat() };
    expect(page.next).not.toBe(cursor);
    cursor = page.next;
  }
  throw new Error('listing did not end after 100 pages');
}

const position = (u: UploadRecord) => `${u.created}#${u.cid}`;
const newestFirst = (uploads: UploadRecord[]) =>
  [...uploads].sort((a, b) => (position(a) < position(b) ? 1 : -1));

export function uploadStoreContract(name: string, makeStore: Make<UploadStore>) {
  describe(`UploadStore contract: ${name}`, () => {
    describe('writes', () => {
      it('gives undefined for an unknown upload', async () => {
        const uploads = await makeStore();
        expect(await uploads.get('alice', await cidFor('none'))).toBeUndefined();
      });

      it('revive creates the upload when it is gone and returns what it stored', async () => {
        const uploads = await makeStore();
        const record = await upload('a', { files: [{ name: 'a.png', type: 'image/png' }] });
        const stored = await uploads.revive(record, { rename: false });
        expect(stored).toEqual(record);
        expect(await uploads.get('alice', record.cid)).toEqual(record);
        expect(await uploads.get('bob', record.cid)).toBeUndefined();
      });

      it('revive of an existing upload keeps its creation time, name, type and files', async () => {
        const uploads = await makeStore();
        const first = await upload('a', { type: 'image/png', files: [] });
        await uploads.create(first);
        const stored = await uploads.revive(
          {
            ...first,
            name: 'Upload at later',
            type: 'text/plain',
            files: [{ name: 'x', type: '' }],
            created: at(60),
            updated: at(60),
          },
          { rename: false },
        );
        expect(stored).toEqual({ ...first, updated: at(60) });
        expect(await uploads.get('alice', first.cid)).toEqual(stored);
      });

      it('revive with rename takes the new name and nothing else', async () => {
        const uploads = await makeStore();
        const first = await upload('a', { type: 'image/png' });
        await uploads.create(first);
        const stored = await uploads.revive(
          {
            ...first,
            name: 'renamed by x-name',
            type: 'text/plain',
            created: at(60),
            updated: at(60),
          },
          { rename: true },
        );
        expect(stored).toMatchObject({
          created: T0,
          updated: at(60),
          name: 'renamed by x-name',
          type: 'image/png',
        });
        expect(await uploads.get('alice', first.cid)).toEqual(stored);
      });

      it('revive makes a deleted upload live with its original creation time', async () => {
        const uploads = await makeStore();
        const first = await upload('a');
        await uploads.create(first);
        expect(await uploads.markDeleted('alice', first.cid, at(10))).toBe(true);
        const revived = await uploads.revive(
          { ...first, created: at(20), updated: at(20) },
          { rename: false },
        );
        expect(revived.deleted).toBeUndefined();
        expect(revived.created).toBe(T0);
        const stored = await uploads.get('alice', first.cid);
        expect(stored?.deleted).toBeUndefined();
        const listed = await uploads.list({ userId: 'alice', limit: 10, before: at(100) });
        expect(listed.uploads).toEqual([revived]);
      });

      it('create writes a new upload once, and never overwrites an existing or deleted one', async () => {
        const uploads = await makeStore();
        const record = await upload('a');
        expect(await uploads.create(record)).toBe(true);
        expect(await uploads.get('alice', record.cid)).toEqual(record);
        expect(await uploads.create({ ...record, name: 'second', created: at(5) })).toBe(false);
        expect(await uploads.get('alice', record.cid)).toEqual(record);
        await uploads.markDeleted('alice', record.cid, at(10));
        expect(await uploads.create({ ...record, created: at(20) })).toBe(false);
        expect((await uploads.get('alice', record.cid))?.deleted).toBe(at(10));
        const listed = await uploads.list({ userId: 'alice', limit: 10 });
        expect(listed.uploads).toEqual([]);
      });

      it('markDeleted soft-deletes a live upload once; unknown or deleted answer false', async () => {
        const uploads = await makeStore();
        const first = await upload('a');
        await uploads.create(first);
        expect(await uploads.markDeleted('alice', first.cid, at(10))).toBe(true);
        expect(await uploads.get('alice', first.cid)).toMatchObject({
          deleted: at(10),
          updated: at(10),
          created: T0,
        });
        expect(await uploads.markDeleted('alice', first.cid, at(20))).toBe(false);
        expect((await uploads.get('alice', first.cid))?.deleted).toBe(at(10));
        expect(await uploads.markDeleted('alice', await cidFor('none'), at(20))).toBe(false);
        expect(await uploads.markDeleted('bob', first.cid, at(20))).toBe(false);
        expect(await uploads.get('bob', first.cid)).toBeUndefined();
      });

      it('rename changes only live uploads and creates nothing', async () => {
        const uploads = await makeStore();
        const first = await upload('a');
        await uploads.create(first);
        expect(await uploads.rename('alice', first.cid, 'new name', at(5))).toBe(true);
        expect(await uploads.get('alice', first.cid)).toMatchObject({
          name: 'new name',
          updated: at(5),
          created: T0,
        });
        await uploads.markDeleted('alice', first.cid, at(10));
        expect(await uploads.rename('alice', first.cid, 'too late', at(15))).toBe(false);
        expect((await uploads.get('alice', first.cid))?.name).toBe('new name');
        const unknown = await cidFor('none');
        expect(await uploads.rename('alice', unknown, 'ghost', at(15))).toBe(false);
        expect(await uploads.get('alice', unknown)).toBeUndefined();
      });
    });

    describe('list', () => {
      // Regression: the adapter once declared `#sk` without a bound, which DynamoDB rejects.
      it("lists the user's live uploads newest first, without any bound", async () => {
        const uploads = await makeStore();
        const records = [
          await upload('a', { created: at(1) }),
          await upload('b', { created: at(3) }),
          await upload('c', { created: at(2) }),
        ];
        for (const record of records) await uploads.create(record);
        await uploads.create(await upload('bob-1', { userId: 'bob', created: at(4) }));
        const page = await uploads.list({ userId: 'alice', limit: 10 });
        expect(page.uploads.map((u) => u.name)).toEqual(['upload b', 'upload c', 'upload a']);
        expect(page.next).toBeUndefined();
        expect(await uploads.list({ userId: 'carol', limit: 10 })).toEqual({ uploads: [] });
      });

      it('pages exactly through 25 uploads sharing one timestamp, ties broken by CID', async () => {
        const uploads = await makeStore();
        const records = await Promise.all(
          Array.from({ length: 25 }, (_, i) => upload(`same-${i}`, { created: at(100) })),
        );
        await Promise.all(records.map((r) => uploads.create(r)));
        await uploads.create(await upload('older', { created: at(50) }));
        const { pages, all } = await listAll(uploads, {
          userId: 'alice',
          limit: 10,
          before: at(100),
        });
        expect(pages.map((p) => p.length)).toEqual([10, 10, 6]);
        expect(all.map((u) => u.cid)).toEqual(
          newestFirst([...records, await upload('older', { created: at(50) })]).map((u) => u.cid),
        );
        expect(new Set(all.map((u) => u.cid)).size).toBe(26);
      });

      it('gives no next when a page ends the list exactly', async () => {
        const uploads = await makeStore();
        for (let i = 0; i < 4; i++) await uploads.create(await upload(`u${i}`, { created: at(i) }));
        const first = await uploads.list({ userId: 'alice', limit: 2, before: at(10) });
        expect(first.next).toBeDefined();
        const second = await uploads.list({
          userId: 'alice',
          limit: 2,
          before: at(10),
          cursor: first.next,
        });
        expect(second.uploads.map((u) => u.created)).toEqual([at(1), at(0)]);
        expect(second.next).toBeUndefined();
      });

      it('before is an inclusive bound on created', async () => {
        const uploads = await makeStore();
        for (let i = 1; i <= 4; i++) {
          await uploads.create(await upload(`u${i}`, { created: at(i) }));
        }
        await uploads.create(await upload('u2-twin', { created: at(2) }));
        const page = await uploads.list({ userId: 'alice', limit: 10, before: at(2) });
        expect(page.uploads.map((u) => u.created)).toEqual([at(2), at(2), at(1)]);
        expect(page.next).toBeUndefined();
        const none = await uploads.list({ userId: 'alice', limit: 10, before: at(0) });
        expect(none.uploads).toEqual([]);
      });

      it('excludes deleted uploads and counts only live ones toward the page', async () => {
        const uploads = await makeStore();
        const records = await Promise.all(
          Array.from({ length: 6 }, (_, i) => upload(`u${i}`, { created: at(i) })),
        );
        for (const record of records) await uploads.create(record);
        for (const record of records.filter((_, i) => i % 2 === 1)) {
          await uploads.markDeleted('alice', record.cid, at(10));
        }
        const { all } = await listAll(uploads, { userId: 'alice', limit: 2, before: at(10) });
        expect(all.map((u) => u.created)).toEqual([at(4), at(2), at(0)]);
      });

      it('filters by name prefix across pages', async () => {
        const uploads = await makeStore();
        const records = await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            upload(`n${i}`, { created: at(i % 7), name: i % 3 === 0 ? `cat ${i}` : `dog ${i}` }),
          ),
        );
        await Promise.all(records.map((r) => uploads.create(r)));
        const { all } = await listAll(uploads, {
          userId: 'alice',
          limit: 4,
          before: at(100),
          namePrefix: 'cat',
        });
        const cats = records.filter((r) => r.name.startsWith('cat'));
        expect(all.map((u) => u.cid)).toEqual(newestFirst(cats).map((u) => u.cid));
      });

      it('filters by name prefix when matches are sparse among many uploads', async () => {
        const uploads = await makeStore();
        const records = await Promise.all(
          Array.from({ length: 230 }, (_, i) =>
            upload(`s${i}`, { created: at(i), name: i % 40 === 0 ? `rare ${i}` : `common ${i}` }),
          ),
        );
        await Promise.all(records.map((r) => uploads.create(r)));
        const { all } = await listAll(uploads, {
          userId: 'alice',
          limit: 2,
          before: at(1000),
          namePrefix: 'rare',
        });
        expect(all.map((u) => u.name)).toEqual([
          'rare 200',
          'rare 160',
          'rare 120',
          'rare 80',
          'rare 40',
          'rare 0',
        ]);
      });

      it("filters by token, listing only the caller's own uploads", async () => {
        const uploads = await makeStore();
        const laptop = 'tokenaaaaaaaaaaa';
        const phone = 'tokenbbbbbbbbbbb';
        await uploads.create(await upload('a', { tokenId: laptop, created: at(1) }));
        await uploads.create(await upload('b', { tokenId: phone, created: at(2) }));
        await uploads.create(await upload('c', { tokenId: laptop, created: at(3) }));
        const deleted = await upload('d', { tokenId: laptop, created: at(4) });
        await uploads.create(deleted);
        await uploads.markDeleted('alice', deleted.cid, at(5));
        const byLaptop = await uploads.list({
          userId: 'alice',
          limit: 10,
          before: at(10),
          tokenId: laptop,
        });
        expect(byLaptop.uploads.map((u) => u.name)).toEqual(['upload c', 'upload a']);
        const { all } = await listAll(uploads, {
          userId: 'alice',
          limit: 1,
          before: at(10),
          tokenId: laptop,
        });
        expect(all.map((u) => u.name)).toEqual(['upload c', 'upload a']);
        const stranger = await uploads.list({
          userId: 'mallory',
          limit: 10,
          before: at(10),
          tokenId: laptop,
        });
        expect(stranger.uploads).toEqual([]);
      });

      it('combines token and name filters', async () => {
        const uploads = await makeStore();
        await uploads.create(await upload('a', { tokenId: 'tokenaaaaaaaaaaa', name: 'cat a' }));
        await uploads.create(await upload('b', { tokenId: 'tokenbbbbbbbbbbb', name: 'cat b' }));
        await uploads.create(await upload('c', { tokenId: 'tokenaaaaaaaaaaa', name: 'dog c' }));
        const page = await uploads.list({
          userId: 'alice',
          limit: 10,
          before: at(10),
          tokenId: 'tokenaaaaaaaaaaa',
          namePrefix: 'cat',
        });
        expect(page.uploads.map((u) => u.name)).toEqual(['cat a']);
      });
    });
  });
}
