/**
 * The cron's own state in the single table: leases (`LEASE#<name>`), which keep two runs from
 * overlapping with a conditional write (no transactions needed), and the provider sets pins were
 * made with (`CONFIG#provider-sets`), written only under the cron's lease.
 */
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../codecs/keys.ts';
import type { LeaseStore, ProviderSetStore } from '../../core/ports.ts';
import { conditionally, type TableContext } from './table.ts';

export function dynamoLeaseStore(ctx: TableContext): LeaseStore {
  const { client, tableName: TableName } = ctx;
  return {
    acquire(name, holder, now, expires) {
      return conditionally(() =>
        client.send(
          new PutCommand({
            TableName,
            Item: { ...keys.lease(name), holder, expires },
            ConditionExpression: 'attribute_not_exists(pk) OR expires < :now',
            ExpressionAttributeValues: { ':now': now },
          }),
        ),
      );
    },
    async release(name, holder) {
      await conditionally(() =>
        client.send(
          new DeleteCommand({
            TableName,
            Key: keys.lease(name),
            ConditionExpression: 'holder = :holder',
            ExpressionAttributeValues: { ':holder': holder },
          }),
        ),
      );
    },
  };
}

/** A set is stored as `=<names>` (`=` alone for no provider): DynamoDB lists take no ''. */
const encode = (set: string) => `=${set}`;

export function dynamoProviderSetStore(ctx: TableContext): ProviderSetStore {
  const { client, tableName: TableName } = ctx;
  const read = async (): Promise<string[]> => {
    const { Item } = await client.send(
      new GetCommand({ TableName, Key: keys.providerSets, ConsistentRead: true }),
    );
    const sets = (Item?.sets ?? []) as string[];
    return sets.map((set) => set.slice(1));
  };
  const write = (sets: string[]) =>
    client.send(
      new PutCommand({
        TableName,
        Item: { ...keys.providerSets, sets: [...new Set(sets)].sort().map(encode) },
      }),
    );
  return {
    list: read,
    async add(set) {
      const sets = await read();
      if (!sets.includes(set)) await write([...sets, set]);
    },
    async remove(set) {
      const sets = await read();
      if (sets.includes(set)) await write(sets.filter((s) => s !== set));
    },
  };
}
