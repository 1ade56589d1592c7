/**
 * Tokens the scraper found, packed into pages: the tokens of one contract whose ids differ only
 * in their last five bits share one item, their records compressed together. Collections mint
 * runs of ids, so 10,000 tokens are about 313 writes instead of 10,000, and a small fraction of
 * the write units (one collection's records differ in little more than their id). Each write
 * reads the pages it changes first (the scraper's run lease makes it the only writer).
 *
 * A record too large to share its page (a long data: URI, a long history) is stored alone, under
 * a key of its own version, and its page keeps a stub naming that version: the page is always
 * the authority on what is recorded. A new version is written before the page that names it and
 * the old one deleted after, so whatever write a crash interrupts, the page names a stored
 * record, and a leftover version is never read. Pages sort by id, so id ranges are key ranges; a
 * page with metadata due sits in the sparse gsi3 partition META#due, ordered by its earliest.
 */
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, brotliDecompress, constants } from 'node:zlib';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { INDEX } from '../../../system/table.ts';
import { chainKeys } from '../../codecs/chain-keys.ts';
import { HIGH } from '../../codecs/keys.ts';
import { type NftKey, nftKeyString, tokenIdKey } from '../../codecs/nft.ts';
import { chunksOf, mapLimit } from '../../core/chain/concurrency.ts';
import type { NftRecord, NftStore } from '../../core/ports.ts';
import { batchDelete, batchGet, batchPut, type TableContext } from './table.ts';

/** Tokens per page: ids that differ only in these low bits share one. */
const PAGE_BITS = 5n;
/**
 * Largest record (its JSON, in UTF-8 bytes) kept in its page; larger ones are stored alone. 32
 * of them stay well inside DynamoDB's 400 KB item limit even if they do not compress.
 */
export const MAX_PAGED_RECORD_BYTES = 8192;

const WRITE_BATCH = 25;
const GET_BATCH = 100;
const IN_FLIGHT = 4;
/** Pages per query page when listing. */
const QUERY_PAGES = 25;

/** A token stored alone, as its page names it (its due time keeps the page indexed). */
interface AloneStub {
  tokenId: string;
  /** The version of the alone item that holds the record. */
  alone: string;
  metadataDue?: string;
}
type PageEntry = NftRecord | AloneStub;

const isStub = (entry: PageEntry): entry is AloneStub => 'alone' in entry;

interface PageRef {
  chainId: number;
  contract: string;
  /** tokenIdKey of the page's number. */
  pageKey: string;
}

const pageOf = (key: NftKey): PageRef => ({
  chainId: key.chainId,
  contract: key.contract,
  pageKey: tokenIdKey(key.tokenId >> PAGE_BITS),
});
const pageItemKey = (page: PageRef) =>
  chainKeys.tokenPage(page.chainId, page.contract, page.pageKey);
const refOfItem = (item: Record<string, unknown>): PageRef => ({
  chainId: Number(item.chainId),
  contract: String(item.contract),
  pageKey: String(item.pageKey),
});
const pageName = (page: PageRef) => `${page.chainId}#${page.contract}#${page.pageKey}`;
const aloneKey = (key: NftKey, version: string) =>
  chainKeys.chainToken(key.chainId, key.contract, `${tokenIdKey(key.tokenId)}#${version}`);
const keyOfRecord = (record: { chainId: number; contract: string; tokenId: string }): NftKey => ({
  chainId: record.chainId,
  contract: record.contract,
  tokenId: BigInt(record.tokenId),
});

// Brotli at a low quality: most of the gain of the highest, at a fraction of the time (and on
// the libuv pool, not the event loop). Marked pure so bundles that never read a token drop it.
const compress = /* @__PURE__ */ promisify(brotliCompress);
const decompress = /* @__PURE__ */ promisify(brotliDecompress);
const pack = (json: string) => compress(json, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } });
const unpack = async <T>(bytes: unknown) =>
  JSON.parse((await decompress(bytes as Uint8Array)).toString('utf8')) as T;

/** A page item's entries, by token id. */
async function entriesOf(item: Record<string, unknown>): Promise<Map<string, PageEntry>> {
  const entries = await unpack<PageEntry[]>(item.tokens);
  return new Map(entries.map((entry) => [entry.tokenId, entry]));
}

/** A page entry with the contract it belongs to. */
interface Found {
  chainId: number;
  contract: string;
  entry: PageEntry;
}

const keyOfFound = ({ chainId, contract, entry }: Found) =>
  keyOfRecord({ chainId, contract, tokenId: entry.tokenId });

/**
 * The records found, stubs replaced by their alone records (read in one batch), in order. A
 * stub whose version is gone was replaced since its page was read: `missing` has those.
 */
async function recordsOf(
  ctx: TableContext,
  found: Found[],
): Promise<{ records: NftRecord[]; missing: Found[] }> {
  const stubs = found.filter((f) => isStub(f.entry));
  const alone = new Map<string, NftRecord>();
  const keys = stubs.map((f) => aloneKey(keyOfFound(f), (f.entry as AloneStub).alone));
  for (const item of await batchGet(ctx, keys)) {
    alone.set(`${item.pk}#${item.sk}`, await unpack<NftRecord>(item.record));
  }
  const records: NftRecord[] = [];
  const missing: Found[] = [];
  for (const f of found) {
    if (!isStub(f.entry)) {
      records.push(f.entry);
      continue;
    }
    const key = aloneKey(keyOfFound(f), f.entry.alone);
    const record = alone.get(`${key.pk}#${key.sk}`);
    if (record) records.push(record);
    else missing.push(f);
  }
  return { records, missing };
}

async function readPage(ctx: TableContext, ref: PageRef) {
  const { Item } = await ctx.client.send(
    new GetCommand({ TableName: ctx.tableName, Key: pageItemKey(ref), ConsistentRead: true }),
  );
  return Item ? entriesOf(Item) : undefined;
}

/** Reading one token: all the public route needs (so its bundle carries nothing else). */
export function dynamoNftReader(ctx: TableContext): Pick<NftStore, 'get'> {
  return {
    async get(key) {
      // A second look when the record was replaced between reading its page and its version.
      for (let attempt = 0; attempt < 2; attempt++) {
        const entry = (await readPage(ctx, pageOf(key)))?.get(key.tokenId.toString());
        if (!entry) return undefined;
        const { records } = await recordsOf(ctx, [{ ...key, entry }]);
        if (records[0]) return records[0];
      }
      return undefined;
    },
  };
}

export function dynamoNftStore(ctx: TableContext): NftStore {
  const { client, tableName: TableName } = ctx;

  /** The pages stored of these, by pageName; pages not stored are absent. */
  const readPages = async (pages: PageRef[]) => {
    const found = new Map<string, Map<string, PageEntry>>();
    await mapLimit(chunksOf(pages, GET_BATCH), IN_FLIGHT, async (chunk) => {
      const items = await batchGet(ctx, chunk.map(pageItemKey));
      for (const item of items) found.set(pageName(refOfItem(item)), await entriesOf(item));
    });
    return found;
  };

  /** The page items a query finds, in its order, until `take` says it has enough. */
  const queryPages = async (
    input: { condition: string; values: Record<string, string>; index?: string },
    take: (item: Record<string, unknown>) => Promise<boolean>,
  ) => {
    let start: Record<string, unknown> | undefined;
    do {
      const result = await client.send(
        new QueryCommand({
          TableName,
          ...(input.index ? { IndexName: input.index } : { ConsistentRead: true }),
          KeyConditionExpression: input.condition,
          ExpressionAttributeValues: input.values,
          ExclusiveStartKey: start,
          Limit: QUERY_PAGES,
        }),
      );
      for (const item of result.Items ?? []) if (await take(item)) return;
      start = result.LastEvaluatedKey;
    } while (start);
  };

  /** The records of these entries; those replaced meanwhile read again from their pages. */
  const resolved = async (found: Found[]): Promise<NftRecord[]> => {
    const first = await recordsOf(ctx, found);
    if (first.missing.length === 0) return first.records;
    const again = await readPages(first.missing.map((f) => pageOf(keyOfFound(f))));
    const fresh = first.missing.flatMap((f) => {
      const entry = again.get(pageName(pageOf(keyOfFound(f))))?.get(f.entry.tokenId);
      return entry ? [{ ...f, entry }] : [];
    });
    return [...first.records, ...(await recordsOf(ctx, fresh)).records];
  };

  return {
    ...dynamoNftReader(ctx),

    async getMany(keys) {
      const wanted = new Map(keys.map((key) => [nftKeyString(key), key]));
      const pages = new Map(
        [...wanted.values()].map((key) => [pageName(pageOf(key)), pageOf(key)]),
      );
      const stored = await readPages([...pages.values()]);
      const found: Found[] = [];
      for (const key of wanted.values()) {
        const entry = stored.get(pageName(pageOf(key)))?.get(key.tokenId.toString());
        if (entry) found.push({ ...key, entry });
      }
      const records = await resolved(found);
      return new Map(records.map((record) => [nftKeyString(keyOfRecord(record)), record]));
    },

    async putMany(records) {
      const pages = new Map<string, { ref: PageRef; records: NftRecord[] }>();
      for (const record of records) {
        const ref = pageOf(keyOfRecord(record));
        const name = pageName(ref);
        const page = pages.get(name) ?? { ref, records: [] };
        page.records.push(record);
        pages.set(name, page);
      }
      const stored = await readPages([...pages.values()].map((page) => page.ref));
      const alone: Record<string, unknown>[] = [];
      const replaced: Record<string, string>[] = [];
      const pageItems = await mapLimit(
        [...pages.entries()],
        IN_FLIGHT * 4,
        async ([name, page]) => {
          const entries = stored.get(name) ?? new Map<string, PageEntry>();
          for (const record of page.records) {
            const json = JSON.stringify(record);
            const before = entries.get(record.tokenId);
            if (before && isStub(before)) {
              replaced.push(aloneKey(keyOfRecord(record), before.alone));
            }
            if (Buffer.byteLength(json) > MAX_PAGED_RECORD_BYTES) {
              const version = randomUUID();
              alone.push({ ...aloneKey(keyOfRecord(record), version), record: await pack(json) });
              const stub: AloneStub = { tokenId: record.tokenId, alone: version };
              if (record.metadataDue) stub.metadataDue = record.metadataDue;
              entries.set(record.tokenId, stub);
            } else {
              entries.set(record.tokenId, record);
            }
          }
          return pageItem(page.ref, entries);
        },
      );
      // New versions first, the pages naming them next, replaced versions last.
      await putAll(alone);
      await putAll(pageItems);
      await batchDelete(ctx, replaced);
    },

    async listRange(chainId, contract, from, to, limit) {
      const found: Found[] = [];
      // A range upside down holds nothing (and DynamoDB refuses a BETWEEN with crossed bounds).
      if (limit > 0 && from <= to) {
        await queryPages(
          {
            condition: 'pk = :pk AND sk BETWEEN :from AND :to',
            values: {
              ':pk': chainKeys.contractTokens(chainId, contract),
              ':from': pageItemKey(pageOf({ chainId, contract, tokenId: from })).sk,
              ':to': pageItemKey(pageOf({ chainId, contract, tokenId: to })).sk,
            },
          },
          async (item) => {
            const page = refOfItem(item);
            // Entries are stored in id order.
            for (const entry of (await entriesOf(item)).values()) {
              const id = BigInt(entry.tokenId);
              if (id < from || id > to) continue;
              found.push({ ...page, entry });
              if (found.length >= limit) return true;
            }
            return false;
          },
        );
      }
      const records = await resolved(found);
      return records.sort(byTokenId);
    },

    async listMetadataDue(now, limit) {
      if (limit <= 0) return [];
      // The index finds the pages (its copies may lag); their entries are read from the table.
      const candidates: PageRef[] = [];
      const dues: string[] = [];
      await queryPages(
        {
          index: INDEX.gsi3,
          condition: 'gsi3pk = :pk AND gsi3sk <= :due',
          values: { ':pk': chainKeys.metadataDue, ':due': `${now}#${HIGH}` },
        },
        async (item) => {
          const earliest = String(item.gsi3sk).split('#')[0] as string;
          // Pages come by their earliest due token: once `limit` tokens are due before this
          // page's earliest, no later page has one due sooner.
          if (dues.length >= limit && earliest > (dues[limit - 1] as string)) return true;
          candidates.push(refOfItem(item));
          for (const entry of (await entriesOf(item)).values()) {
            if (entry.metadataDue !== undefined && entry.metadataDue <= now) {
              dues.push(entry.metadataDue);
            }
          }
          dues.sort();
          return false;
        },
      );
      const stored = await readPages(candidates);
      const due: Found[] = [];
      for (const page of candidates) {
        for (const entry of stored.get(pageName(page))?.values() ?? []) {
          if (entry.metadataDue !== undefined && entry.metadataDue <= now) {
            due.push({ ...page, entry });
          }
        }
      }
      const records = await resolved(due);
      return records
        .sort(
          (a, b) =>
            (a.metadataDue as string).localeCompare(b.metadataDue as string) || byTokenId(a, b),
        )
        .slice(0, limit);
    },
  };

  async function putAll(items: Record<string, unknown>[]) {
    await mapLimit(chunksOf(items, WRITE_BATCH), IN_FLIGHT, (chunk) => batchPut(ctx, chunk));
  }
}

const byTokenId = (a: { tokenId: string }, b: { tokenId: string }) => {
  const x = BigInt(a.tokenId);
  const y = BigInt(b.tokenId);
  return x < y ? -1 : x > y ? 1 : 0;
};

/** A page's item: its entries in id order, compressed, indexed while a token's metadata is due. */
async function pageItem(ref: PageRef, entries: Map<string, PageEntry>) {
  const list = [...entries.values()].sort(byTokenId);
  const item: Record<string, unknown> = {
    ...pageItemKey(ref),
    chainId: ref.chainId,
    contract: ref.contract,
    pageKey: ref.pageKey,
    tokens: await pack(JSON.stringify(list)),
  };
  const earliest = list
    .map((entry) => entry.metadataDue)
    .filter((due): due is string => due !== undefined)
    .sort()[0];
  if (earliest) {
    item.gsi3pk = chainKeys.metadataDue;
    item.gsi3sk = `${earliest}#${pageName(ref)}`;
  }
  return item;
}
