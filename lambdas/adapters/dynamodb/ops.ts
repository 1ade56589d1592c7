/** Operational records (cron runs, queue progress) in the single table, one partition. */
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../codecs/keys.ts';
import type { CronRecord, OpsStore, QueueProgressRecord } from '../../core/ports.ts';
import { buildUpdate, type TableContext, withoutKeys } from './table.ts';

export function dynamoOpsStore(ctx: TableContext): OpsStore {
  const { client, tableName: TableName } = ctx;
  return {
    async recordRun(name, outcome) {
      const set: Record<string, unknown> = { name, lastDurationMs: outcome.durationMs };
      if (outcome.ok) {
        set.lastSuccess = outcome.at;
        set.gauges = outcome.gauges ?? [];
      } else {
        set.lastFailure = outcome.at;
        set.lastError = outcome.error;
      }
      await client.send(
        new UpdateCommand({ TableName, Key: keys.cronRun(name), ...buildUpdate({ set }) }),
      );
    },

    async recordProgress(queue, at, waitedSeconds) {
      await client.send(
        new UpdateCommand({
          TableName,
          Key: keys.queueProgress(queue),
          ...buildUpdate({ set: { queue, lastProcessed: at, waitedSeconds } }),
        }),
      );
    },

    async read() {
      const crons: CronRecord[] = [];
      const queues: QueueProgressRecord[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': keys.ops },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) {
          const sk = String(item.sk);
          if (sk.startsWith('CRON#')) crons.push(withoutKeys<CronRecord>(item));
          else if (sk.startsWith('QUEUE#')) queues.push(withoutKeys<QueueProgressRecord>(item));
        }
        start = page.LastEvaluatedKey;
      } while (start);
      return { crons, queues };
    },
  };
}
