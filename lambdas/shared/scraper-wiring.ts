/**
 * The chain scraper's composition: its stores on the table, its pin requests, its metadata
 * sources (the carpark, then the trustless gateways) and one JSON-RPC endpoint per chain,
 * each with transient failures retried. Apart from wiring.ts so no other function's bundle
 * carries the chain or IPFS code.
 */
import { parseSecretReference } from '../../system/secrets.ts';
import { type ChainSetting, SettingsError } from '../../system/settings.ts';
import { dynamoContentStore } from '../adapters/dynamodb/content.ts';
import { dynamoLeaseStore } from '../adapters/dynamodb/leases.ts';
import { dynamoNftStore } from '../adapters/dynamodb/nfts.ts';
import { dynamoAskedPinStore } from '../adapters/dynamodb/scraped-pins.ts';
import { dynamoCursorStore } from '../adapters/dynamodb/scraper-state.ts';
import { trustlessGateways } from '../adapters/ipfs/trustless-gateway.ts';
import { jsonRpc } from '../adapters/rpc/json-rpc.ts';
import { extensionSecretReader, type SecretReader } from '../adapters/secrets/extension.ts';
import { carparkMetadata, firstAvailable } from '../core/chain/metadata-sources.ts';
import { scraperPinRequester } from '../core/chain/pin-requests.ts';
import { retrying } from '../core/chain/retry.ts';
import type { ScraperChain, ScraperPorts } from '../core/chain/scraper.ts';
import type { Config } from './config.ts';
import { type ClientOverrides, carpark, pinByCidPorts, systemClock, table } from './wiring.ts';

/** The scraper's ports, and its chains with their endpoints (named secrets read now). */
export async function scraperDeps(
  config: Config,
  clients: ClientOverrides = {},
  readSecret: SecretReader = extensionSecretReader(),
): Promise<{ ports: ScraperPorts; chains: ScraperChain[] }> {
  const ctx = table(config, clients);
  const contents = dynamoContentStore(ctx);
  const chains = await Promise.all(
    (config.CHAINS ?? []).map(async (setting) => ({
      setting,
      rpc: retrying(jsonRpc(await rpcUrlOf(setting, readSecret))),
    })),
  );
  return {
    chains,
    ports: {
      nfts: dynamoNftStore(ctx),
      cursors: dynamoCursorStore(ctx),
      leases: dynamoLeaseStore(ctx),
      pins: scraperPinRequester({
        ...pinByCidPorts(config, clients),
        asked: dynamoAskedPinStore(ctx),
      }),
      metadata: firstAvailable([
        carparkMetadata({ contents, carpark: carpark(config, clients), clock: systemClock }),
        trustlessGateways(config.IPFS_GATEWAYS ?? []),
      ]),
      clock: systemClock,
    },
  };
}

async function rpcUrlOf(setting: ChainSetting, readSecret: SecretReader): Promise<string> {
  const ref = parseSecretReference(setting.rpcUrl);
  if (!ref) return setting.rpcUrl;
  const url = await readSecret(ref);
  if (!/^https?:\/\//i.test(url)) {
    throw new SettingsError(
      `CHAINS: chain ${setting.chainId}'s rpcUrl names a secret that holds no http(s) URL`,
    );
  }
  return url;
}
