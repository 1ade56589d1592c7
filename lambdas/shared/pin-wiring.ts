/**
 * What only the functions that talk to pinning providers build: the providers (with their
 * credentials), trustless gateways and the cron's own state. Apart from wiring.ts, so the API
 * functions' bundles carry none of it.
 */
import { credentialReader } from '../adapters/aws/secrets.ts';
import { dynamoLeaseStore } from '../adapters/dynamodb/leases.ts';
import { dynamoProviderSetStore } from '../adapters/dynamodb/operations.ts';
import { pinProviders } from '../adapters/http/providers.ts';
import { httpTrustlessGateway } from '../adapters/http/trustless-gateway.ts';
import type { Config } from './config.ts';
import { type ClientOverrides, table } from './wiring.ts';

/** The cron's own state: its lease and the provider sets pins were made with. */
export function operationsPorts(config: Config, clients: ClientOverrides = {}) {
  const ctx = table(config, clients);
  return { leases: dynamoLeaseStore(ctx), providerSets: dynamoProviderSetStore(ctx) };
}

/** The configured pinning providers, their credentials read where PIN_PROVIDERS says. */
export const providers = (config: Config) =>
  pinProviders(config.PIN_PROVIDERS ?? [], credentialReader({ region: config.AWS_REGION }));

/** Trustless gateways for pin-by-CID; in Lambda never on loopback (its runtime API's). */
export const trustlessGateway = (config: Config) =>
  httpTrustlessGateway({ refuseLoopback: config.AWS_LAMBDA_RUNTIME_API !== undefined });
