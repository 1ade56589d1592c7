/**
 * The IPNI advertisement chain in the single table: one item per position (claimed with a
 * conditional put, so two publishers can never both take one), the placements of work items,
 * and the head last announced to each indexer. dynalite has no transactions and none are
 * needed: every write is either a first-writer-wins put or an idempotent overwrite.
 */
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ipniKeys } from '../../codecs/ipni-keys.ts';
import { WITHDRAW, workKey } from '../../core/ipni/work.ts';
import type { AdChainStore, AnnounceLog, ChainPosition } from '../../core/ports.ts';
import { batchGet, batchPut, conditionally, queryAll, type TableContext } from './table.ts';

const BATCH_WRITE = 25;

const toPosition = (item: Record<string, unknown>): ChainPosition => ({
  seq: item.seq as number,
  ad: item.ad as string,
  keys: (item.keys as string[] | undefined) ?? [],
  signedHead: item.signedHead as string,
  created: item.created as string,
});

const workItemKey = (key: string) => {
  const { content, item } = workKey.parse(key);
  return ipniKeys.adWork(content, item);
};

export function dynamoAdChainStore(ctx: TableContext): AdChainStore {
  const { tableName: TableName } = ctx;
  return {
    async head() {
      const { Items } = await ctx.client.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: {
            ':pk': ipniKeys.adChain,
            ':prefix': ipniKeys.adPositionPrefix,
          },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      );
      const top = Items?.[0];
      return top ? toPosition(top) : undefined;
    },
    async after(seq) {
      const items = await queryAll(ctx, {
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': ipniKeys.adChain,
          ':from': ipniKeys.adPosition(seq + 1).sk,
          ':to': `${ipniKeys.adPositionPrefix}\uffff`,
        },
        ConsistentRead: true,
      });
      return items.map(toPosition);
    },
    async at(seqs) {
      const items = await batchGet(
        ctx,
        [...new Set(seqs)].map((seq) => ipniKeys.adPosition(seq)),
      );
      return new Map(items.map((item) => [item.seq as number, toPosition(item)]));
    },
    claim(position) {
      return conditionally(() =>
        ctx.client.send(
          new PutCommand({
            TableName,
            Item: { ...ipniKeys.adPosition(position.seq), ...position },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
    },
    async placements(workKeys) {
      const unique = [...new Set(workKeys)];
      const byItem = new Map(unique.map((key) => [JSON.stringify(workItemKey(key)), key]));
      const items = await batchGet(ctx, unique.map(workItemKey));
      const found = new Map<string, number>();
      for (const item of items) {
        const key = byItem.get(JSON.stringify({ pk: item.pk, sk: item.sk }));
        if (key) found.set(key, item.seq as number);
      }
      return found;
    },
    async place(workKeys, seq) {
      const unique = [...new Set(workKeys)];
      for (let i = 0; i < unique.length; i += BATCH_WRITE) {
        await batchPut(
          ctx,
          unique.slice(i, i + BATCH_WRITE).map((key) => ({ ...workItemKey(key), seq })),
        );
      }
    },
    async withdrawalsOf(content) {
      const items = await queryAll(ctx, {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :rm)',
        ExpressionAttributeValues: { ':pk': ipniKeys.adWorkPk(content), ':rm': WITHDRAW },
        ConsistentRead: true,
      });
      return items.map((item) => ({
        key: workKey.withdraw(content, (item.sk as string).slice(WITHDRAW.length)),
        seq: item.seq as number,
      }));
    },
  };
}

export function dynamoAnnounceLog(ctx: TableContext): AnnounceLog {
  return {
    async announced(urls) {
      const items = await batchGet(
        ctx,
        [...new Set(urls)].map((url) => ipniKeys.adAnnounce(url)),
      );
      return new Map(
        items.map((item) => [(item.sk as string).slice('URL#'.length), item.ad as string]),
      );
    },
    async record(url, ad, now) {
      await ctx.client.send(
        new PutCommand({
          TableName: ctx.tableName,
          Item: { ...ipniKeys.adAnnounce(url), ad, announced: now },
        }),
      );
    },
  };
}
