/**
 * The provider's identity and addresses from config: who the routing answers and ads name, and
 * the key the publisher signs with (read once per container, on first use).
 */
import { SettingsError } from '../../system/settings.ts';
import { readProviderKeyText } from '../adapters/secrets/provider-key.ts';
import type { Publisher } from '../core/ipni/publish.ts';
import { originMultiaddrs, providerIdentity } from '../core/provider/identity.ts';
import type { ProviderInfo } from '../core/provider/routing.ts';
import { type Config, resource } from './config.ts';

/**
 * The gateway's multiaddrs: where clients fetch blocks, and where indexers fetch the chain.
 * `viewerHost` is the host a request reached the gateway's CDN by (the gateway's own function
 * learns its public address that way), used when GATEWAY_PUBLIC_URL names none.
 */
export function providerAddresses(config: Config, viewerHost?: string): string[] {
  if (config.GATEWAY_PUBLIC_URL) return originMultiaddrs(config.GATEWAY_PUBLIC_URL);
  if (viewerHost) return originMultiaddrs(`https://${viewerHost}`);
  throw new SettingsError('Missing env var: GATEWAY_PUBLIC_URL');
}

/** Who the provider is, for routing answers and announcements (the peer ID, no key). */
export function providerInfo(config: Config, viewerHost?: string): ProviderInfo {
  return {
    peerId: resource(config, 'providerId'),
    addresses: providerAddresses(config, viewerHost),
  };
}

/** The signing publisher: the key from its file (local) or secret (AWS). */
export async function loadPublisher(config: Config): Promise<Publisher> {
  const text = await readProviderKeyText({
    file: config.PROVIDER_KEY_FILE,
    secretArn: config.PROVIDER_KEY_SECRET_ARN,
    region: config.AWS_REGION,
    endpoint: config.PINSTACK_SECRETSMANAGER_ENDPOINT,
  });
  const identity = await providerIdentity(text);
  // The peer ID the other functions are told, if this one is told too, must be this key's.
  if (config.PROVIDER_PEER_ID && config.PROVIDER_PEER_ID !== identity.peerId) {
    throw new SettingsError(
      `the provider key is ${identity.peerId}, but PROVIDER_PEER_ID says ${config.PROVIDER_PEER_ID}`,
    );
  }
  return { ...identity, addresses: providerAddresses(config) };
}
