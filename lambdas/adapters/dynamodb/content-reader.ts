/**
 * Reading one content's record: all the public check needs, apart from the rest of the
 * content adapter so its bundle stays small.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../codecs/keys.ts';
import type {
  ContentCheckReader,
  ContentRecord,
  ContentStore,
  DealRecord,
  ProviderPin,
} from '../../core/ports.ts';
import { batchGet, queryAll, type TableContext, withoutKeys } from './table.ts';

/**
 * Each provider's side of a pin is a top-level attribute `pin@<name>`, so one provider's state
 * is written (and claimed, conditionally) without reading or rewriting the others'.
 */
export const PROVIDER_ATTRIBUTE = 'pin@';

/** A content item as the domain record: provider attributes gathered into `providers`. */
export function toContent(item: Record<string, unknown>): ContentRecord {
  const record = withoutKeys<Record<string, unknown>>(item);
  const providers: Record<string, ProviderPin> = {};
  for (const [name, value] of Object.entries(record)) {
    if (!name.startsWith(PROVIDER_ATTRIBUTE)) continue;
    providers[name.slice(PROVIDER_ATTRIBUTE.length)] = value as ProviderPin;
    delete record[name];
  }
  if (Object.keys(providers).length > 0) record.providers = providers;
  return record as unknown as ContentRecord;
}

export function dynamoContentReader(ctx: TableContext): Pick<ContentStore, 'get' | 'getMany'> {
  const { client, tableName: TableName } = ctx;
  return {
    async get(cid) {
      const { Item } = await client.send(
        new GetCommand({ TableName, Key: keys.content(cid), ConsistentRead: true }),
      );
      return Item ? toContent(Item) : undefined;
    },
    async getMany(cids) {
      const items = await batchGet(ctx, [...new Set(cids)].map(keys.content));
      return new Map(items.map(toContent).map((record) => [record.cid, record]));
    },
  };
}

/**
 * A content's record and deals in one Query: in its partition the sort keys from `CONTENT` to
 * `DEAL#…` are exactly the record and the deals (its CARs sort before, its holders after).
 */
const DEAL_PREFIX = keys.deal('', '').sk;

export function dynamoContentCheckReader(ctx: TableContext): ContentCheckReader {
  return {
    async read(cid) {
      const items = await queryAll(ctx, {
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :content AND :deals',
        ExpressionAttributeValues: {
          ':pk': keys.contentPk(cid),
          ':content': keys.content(cid).sk,
          ':deals': `${DEAL_PREFIX}\uffff`,
        },
        ConsistentRead: true,
      });
      const record = items.find((item) => item.sk === keys.content(cid).sk);
      return {
        content: record ? toContent(record) : undefined,
        deals: items
          .filter((item) => String(item.sk).startsWith(DEAL_PREFIX))
          .map((item) => withoutKeys<DealRecord>(item)),
      };
    },
  };
}
