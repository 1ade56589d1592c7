/**
 * The pin cron's own state in the single table: the provider sets pins were made with
 * (`CONFIG#provider-sets`), written only under the cron's lease (leases.ts).
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { pinKeys } from '../../codecs/pin-keys.ts';
import type { ProviderSetStore } from '../../core/ports.ts';
import type { TableContext } from './table.ts';

/** A set is stored as `=<names>` (`=` alone for no provider): DynamoDB lists take no ''. */
const encode = (set: string) => `=${set}`;

export function dynamoProviderSetStore(ctx: TableContext): ProviderSetStore {
  const { client, tableName: TableName } = ctx;
  const read = async (): Promise<string[]> => {
    const { Item } = await client.send(
      new GetCommand({ TableName, Key: pinKeys.providerSets, ConsistentRead: true }),
    );
    const sets = (Item?.sets ?? []) as string[];
    return sets.map((set) => set.slice(1));
  };
  const write = (sets: string[]) =>
    client.send(
      new PutCommand({
        TableName,
        Item: { ...pinKeys.providerSets, sets: [...new Set(sets)].sort().map(encode) },
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
