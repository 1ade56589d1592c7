/**
 * The one DynamoDB table (single-table design), described once and read by both the CDK
 * stack and the test/local setup, so keys and indexes cannot drift between them.
 *
 * Item families (pk / sk):
 *   USER#<userId>            / PROFILE                   a user
 *   TOKEN#<tokenId>          / TOKEN                     an API token (only a hash of its secret)
 *   USER#<userId>            / UPLOAD#<cidV1>            a user's upload of one root CID
 *   CONTENT#<cidV1>          / CONTENT                   content and its pin, one per root CID
 *   CONTENT#<cidV1>          / CAR#<carCid>              a stored CAR holding blocks of that content
 *   CONTENT#<cidV1>          / HOLDER#<userId>#<cidV1>   an upload that keeps the content pinned
 *   RATE#<tokenId>#<window>  / RATE                      a rate-limit counter (expires by TTL)
 *   STAGED#<id>              / STAGED                    a staged (presigned S3) upload (expires by TTL)
 *   IPNI#CHAIN               / AD#<seq, 12 digits>       one position of the IPNI ad chain: its ad,
 *                                                        the work it completed, its signed head
 *   IPNI#CTX#<cidV1>         / ADVERTISE#<carCid>        the position a CAR's advertisement was
 *                            / WITHDRAW#<removalId>      (or a withdrawal) about to take
 *   IPNI#ANNOUNCE            / URL#<indexer url>         the head an indexer last took
 *   BLOCK#<multihash b64url> / CAR#<carCid>              where a block lies in one stored CAR
 *                                                        (offset, length), written by the indexer
 *   NFT#<chainId>#<contract> / PAGE#<tokenId / 32, 64 hex> up to 32 tokens the scraper found on a
 *                                                        chain, their records compressed together
 *                            / TOKEN#<tokenId, 64 hex>   a token's record too large for its page
 *   CHAIN#<chainId>          / CURSOR                    the scraper's position on a chain
 *   LEASE#<job>              / LEASE                     a scheduled job's run lease (one run at once)
 *   SCRAPED#<cidV1>          / PIN                       a CID the scraper asked to pin (see
 *                                                        lambdas/core/chain/pin-requests.ts)
 *
 * GSIs, all sparse: an item is indexed only while it carries the index's key attributes.
 *   gsi1  USER#<userId>#UPLOADS  / <created>#<cidV1>   a user's live uploads, newest first
 *   gsi2  TOKEN#<tokenId>#UPLOADS / <created>#<cidV1>  live uploads made with one token
 *         USER#<userId>#TOKENS    / <created>#<tokenId> a user's tokens
 *         UNPIN                   / <dueTime>#<cid>       content no live upload holds any more
 *   gsi3  PIN#<status>            / <updated>#<cid>       pins that are not final yet
 *         HOLD#unconfirmed        / <recorded>#<cid>#<holder> holds whose upload is not confirmed
 *         STAGED#open             / <expires>#<id>        staged uploads still taking bytes
 *         META#due                / <dueTime>#<chainId>#<contract>#<page> token pages with a
 *                                   token whose metadata waits to be fetched (again)
 */
export const TTL_ATTRIBUTE = 'ttl';

export interface KeyAttribute {
  name: string;
  type: 'S' | 'N' | 'B';
}

export interface IndexDefinition {
  indexName: string;
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
}

export interface TableDefinition {
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  globalSecondaryIndexes: IndexDefinition[];
  timeToLiveAttribute: string;
}

export const INDEX = {
  gsi1: 'gsi1',
  gsi2: 'gsi2',
  gsi3: 'gsi3',
} as const;

export const pinTable: TableDefinition = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: INDEX.gsi1,
      partitionKey: { name: 'gsi1pk', type: 'S' },
      sortKey: { name: 'gsi1sk', type: 'S' },
    },
    {
      indexName: INDEX.gsi2,
      partitionKey: { name: 'gsi2pk', type: 'S' },
      sortKey: { name: 'gsi2sk', type: 'S' },
    },
    {
      indexName: INDEX.gsi3,
      partitionKey: { name: 'gsi3pk', type: 'S' },
      sortKey: { name: 'gsi3sk', type: 'S' },
    },
  ],
  timeToLiveAttribute: TTL_ATTRIBUTE,
};

/** CreateTable input for an emulator or a test, built from the same definition as the stack. */
export function createTableInput(tableName: string, table: TableDefinition = pinTable) {
  const attributes = new Map<string, KeyAttribute>();
  for (const key of [
    table.partitionKey,
    table.sortKey,
    ...table.globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ]) {
    attributes.set(key.name, key);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [...attributes.values()].map((a) => ({
      AttributeName: a.name,
      AttributeType: a.type,
    })),
    KeySchema: [
      { AttributeName: table.partitionKey.name, KeyType: 'HASH' as const },
      { AttributeName: table.sortKey.name, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: table.globalSecondaryIndexes.map((i) => ({
      IndexName: i.indexName,
      KeySchema: [
        { AttributeName: i.partitionKey.name, KeyType: 'HASH' as const },
        { AttributeName: i.sortKey.name, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'ALL' as const },
    })),
  };
}
