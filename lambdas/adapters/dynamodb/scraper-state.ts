/**
 * The scraper's own state: one cursor per chain, moved only by a conditional write that
 * expects the version its writer read (dynalite has no transactions, and none are needed).
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { chainKeys } from '../../codecs/chain-keys.ts';
import type { ChainCursor, CursorStore } from '../../core/ports.ts';
import { conditionally, type TableContext, withoutKeys } from './table.ts';

export function dynamoCursorStore(ctx: TableContext): CursorStore {
  const { client, tableName: TableName } = ctx;
  return {
    async get(chainId) {
      const { Item } = await client.send(
        new GetCommand({ TableName, Key: chainKeys.chainCursor(chainId), ConsistentRead: true }),
      );
      return Item ? withoutKeys<ChainCursor>(Item) : undefined;
    },

    save(cursor, expectedVersion) {
      return conditionally(() =>
        client.send(
          new PutCommand({
            TableName,
            Item: {
              ...chainKeys.chainCursor(cursor.chainId),
              ...cursor,
              version: expectedVersion + 1,
            },
            ...(expectedVersion === 0
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : {
                  ConditionExpression: 'version = :expected',
                  ExpressionAttributeValues: { ':expected': expectedVersion },
                }),
          }),
        ),
      );
    },
  };
}
