/**
 * Tokens the scraper found, packed into pages: the tokens of one contract whose ids differ only
 * in their last five bits share one item, their records compressed together. Collections mint
 * runs of ids, so 10,000 tokens are about 313 writes instead of 10,000, and a small fraction of
 * the write units (one collection's records differ in little more than their id).
 *
 * A record too large to share its page (a long data: URI, a long history) is stored alone under
 * its own key and its page keeps a stub naming it: the page is always the authority on what is
 * recorded, so an alone item a crash left behind is never read. Pages sort by id, so id ranges
 * are key ranges; a page with metadata due sits in the sparse gsi3 partition META#due, ordered
 * by its earliest due token.
 */
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
 * Longest record (as JSON) kept in its page; longer ones are stored alone. 32 of them stay well
 * inside DynamoDB's 400 KB item limit even if they do not compress.
 */
export const MAX_PAGED_RECORD_CHARS = 8192; // 8 KiB, a literal: bundles drop it when unused

const WRITE_BATCH = 25;
const GET_BATCH = 100;
const IN_FLIGHT = 4;
/** Pages per query page when listing. */
const QUERY_PAGES = 25;

/** A token stored alone, as its page names it (its due time keeps the page indexed). */
interface AloneStub {
  tokenId: string;
  alone: true;
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
const aloneKey = (key: NftKey) =>
  chainKeys.chainToken(key.chainId, key.contract, tokenIdKey(key.tokenId));
const keyOfRecord = (record: { chainId: number; contract: string; tokenId: string }): NftKey => ({
  chainId: record.chainId,
  contract: record.contract,
  tokenId: BigInt(record.tokenId),
});

// Brotli at a low quality: most of the gain of the highest, at a fraction of the time (and on
// the libuv pool, not the event loop).
// (Marked pure so that bundles which never read a token leave them out.)
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

/** The page's entries that are in [from, to], in id order. */
const inRange = (entries: Map<string, PageEntry>, from: bigint, to: bigint) =>
  [...entries.values()].filter((entry) => {
    const id = BigInt(entry.tokenId);
    return id >= from && id <= to;
  });

/** A page entry with the contract it belongs to. */
interface Found {
  chainId: number;
  contract: string;
  entry: PageEntry;
}

const keyOfFound = ({ chainId, contract, entry }: Found) =>
  keyOfRecord({ chainId, contract, tokenId: entry.tokenId });

/** The records found, stubs replaced by their alone records (read in one batch), in order. */
async function recordsOf(ctx: TableContext, found: Found[]): Promise<NftRecord[]> {
  const stubs = found.filter((f) => isStub(f.entry));
  const alone = new Map<string, NftRecord>();
  for (const item of await batchGet(
    ctx,
    stubs.map((f) => aloneKey(keyOfFound(f))),
  )) {
    const record = await unpack<NftRecord>(item.record);
    alone.set(nftKeyString(keyOfRecord(record)), record);
  }
  return found.flatMap((f) => {
    if (!isStub(f.entry)) return [f.entry];
    // A stub without its record: a write failed between the two, and its retry writes both.
    const record = alone.get(nftKeyString(keyOfFound(f)));
    return record ? [record] : [];
  });
}

/** Reading one token: all the public route needs (so its bundle carries nothing else). */
export function dynamoNftReader(ctx: TableContext): Pick<NftStore, 'get'> {
  return {
    async get(key) {
      const { Item } = await ctx.client.send(
        new GetCommand({
          TableName: ctx.tableName,
          Key: pageItemKey(pageOf(key)),
          ConsistentRead: true,
        }),
      );
      const entry = Item && (await entriesOf(Item)).get(key.tokenId.toString());
      if (!entry) return undefined;
      return (await recordsOf(ctx, [{ ...key, entry }]))[0];
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

  /** The pages a query finds, in its order, until `take` says it has enough. */
  const queryPages = async (
    input: { condition: string; values: Record<string, string>; index?: string },
    take: (page: PageRef, entries: Map<string, PageEntry>) => Promise<boolean>,
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
      for (const item of result.Items ?? []) {
        if (await take(refOfItem(item), await entriesOf(item))) return;
      }
      start = result.LastEvaluatedKey;
    } while (start);
  };

  return {
    ...dynamoNftReader(ctx),

    async getMany(keys) {
      const pages = new Map(keys.map((key) => [pageName(pageOf(key)), pageOf(key)]));
      const stored = await readPages([...pages.values()]);
      const wanted = new Map(keys.map((key) => [nftKeyString(key), key]));
      const found: Found[] = [];
      for (const key of wanted.values()) {
        const entry = stored.get(pageName(pageOf(key)))?.get(key.tokenId.toString());
        if (entry) found.push({ ...key, entry });
      }
      const records = await recordsOf(ctx, found);
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
      const unneeded: Record<string, string>[] = [];
      const pageItems = await mapLimit(
        [...pages.entries()],
        IN_FLIGHT * 4,
        async ([name, page]) => {
          const entries = stored.get(name) ?? new Map<string, PageEntry>();
          for (const record of page.records) {
            const json = JSON.stringify(record);
            const before = entries.get(record.tokenId);
            if (json.length > MAX_PAGED_RECORD_CHARS) {
              alone.push({ ...aloneKey(keyOfRecord(record)), record: await pack(json) });
              const stub: AloneStub = { tokenId: record.tokenId, alone: true };
              if (record.metadataDue) stub.metadataDue = record.metadataDue;
              entries.set(record.tokenId, stub);
            } else {
              if (before && isStub(before)) unneeded.push(aloneKey(keyOfRecord(record)));
              entries.set(record.tokenId, record);
            }
          }
          return pageItem(page.ref, entries);
        },
      );
      // Alone records first and their stale copies last: a page never names a record that is
      // not stored, whatever write a crash interrupts.
      await putAll(alone);
      await putAll(pageItems);
      await batchDelete(ctx, unneeded);
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
          async (page, pageEntries) => {
            for (const entry of inRange(pageEntries, from, to).sort(byTokenId)) {
              found.push({ ...page, entry });
              if (found.length >= limit) return true;
            }
            return false;
          },
        );
      }
      return recordsOf(ctx, found);
    },

    async listMetadataDue(now, limit) {
      const due: Found[] = [];
      if (limit > 0) {
        await queryPages(
          {
            index: INDEX.gsi3,
            condition: 'gsi3pk = :pk AND gsi3sk <= :due',
            values: { ':pk': chainKeys.metadataDue, ':due': `${now}#${HIGH}` },
          },
          async (page, pageEntries) => {
            for (const entry of pageEntries.values()) {
              if (entry.metadataDue !== undefined && entry.metadataDue <= now) {
                due.push({ ...page, entry });
              }
            }
            // Pages come by their earliest due token: once `limit` are in, later pages can
            // only add later ones, apart from the rest of a page already read.
            return due.length >= limit;
          },
        );
      }
      due.sort(
        (a, b) =>
          (a.entry.metadataDue as string).localeCompare(b.entry.metadataDue as string) ||
          byTokenId(a.entry, b.entry),
      );
      return recordsOf(ctx, due.slice(0, limit));
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
