/**
 * The IPNI publisher's ports from config (apart from wiring.ts, so functions that do not
 * publish bundle none of it).
 */
import { dynamoAdChainStore, dynamoAnnounceLog } from '../adapters/dynamodb/ipni.ts';
import { s3BlobStore } from '../adapters/s3/blob-store.ts';
import { sqsQueue } from '../adapters/sqs/queue.ts';
import { indexedCarBlocks } from '../core/ipni/car-blocks.ts';
import type { IpniMessage } from '../core/ports.ts';
import { s3For, sqsFor } from './clients.ts';
import { type Config, resource } from './config.ts';
import { type ClientOverrides, carpark, table } from './wiring.ts';

export const ipniQueue = (config: Config, clients: ClientOverrides = {}) =>
  sqsQueue<IpniMessage>({
    client: clients.sqs ?? sqsFor(config),
    queueUrl: resource(config, 'ipniQueue'),
  });

/** The IPNI chain and the record of what each indexer was told, in the table. */
export function ipniPorts(config: Config, clients: ClientOverrides = {}) {
  const ctx = table(config, clients);
  return { chain: dynamoAdChainStore(ctx), announced: dynamoAnnounceLog(ctx) };
}

/** Ads and entry chunks: immutable objects named by their CIDs. */
export const ipniBucket = (config: Config, clients: ClientOverrides = {}) =>
  s3BlobStore({ client: clients.s3 ?? s3For(config), bucket: resource(config, 'ipni') });

/** Stored CARs' roots, and their blocks as the indexer listed them. */
export const carBlocks = (config: Config, clients: ClientOverrides = {}) =>
  indexedCarBlocks(carpark(config, clients));
