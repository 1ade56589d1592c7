/**
 * What deployed bundles use instead of `@aws-sdk/middleware-endpoint-discovery` (lib/bundling.ts
 * swaps it in). DynamoDB's client configures endpoint discovery, but none of its operations in
 * this SDK installs the discovery middleware, so the endpoint cache it builds (an LRU cache from
 * mnemonist and obliterator, about 8 KB of a bundle) is never read. Discovery stays off; a
 * future SDK whose commands import the middleware fails to bundle against this module, loudly.
 */

/** The client's config reader, as in the SDK: it reads the same settings, and finds none used. */
export const NODE_ENDPOINT_DISCOVERY_CONFIG_OPTIONS = {
  environmentVariableSelector: (): boolean | undefined => undefined,
  configFileSelector: (): boolean | undefined => undefined,
  default: undefined,
};

export const resolveEndpointDiscoveryConfig = <T extends object>(
  input: T,
  options: { endpointDiscoveryCommandCtor: unknown },
) =>
  Object.assign(input, {
    endpointDiscoveryCommandCtor: options.endpointDiscoveryCommandCtor,
    endpointDiscoveryEnabled: () => Promise.resolve(false),
    isClientEndpointDiscoveryEnabled: false,
  });
