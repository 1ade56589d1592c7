/**
 * How a function's code is bundled: one definition, used by the CDK construct (through
 * NodejsFunction) and by the bundle checks and benchmarks (through esbuild directly), so what is
 * measured is what is deployed.
 */
import { join } from 'node:path';
import { type FunctionSpec, RESOURCE_ENV } from '../system/functions.ts';
import { PROJECT_ROOT } from './stack-config.ts';

/**
 * Some bundled dependencies are CommonJS and call `require`; an ESM bundle has none, so the
 * banner provides one.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/**
 * Modules replaced in deployed bundles, with why (each replacement's file says more; the bundle
 * tests run the bundles against the emulators to show the functions still work).
 */
export const BUNDLE_ALIASES: Record<string, string> = {
  // Lambda gives credentials in the environment; the default chain is unused weight.
  '@aws-sdk/credential-provider-node': join(PROJECT_ROOT, 'lambdas/shared/lambda-credentials.ts'),
  // No operation pinstack calls streams events; every protocol imports the code (~15 KB).
  '@smithy/core/event-streams': join(
    PROJECT_ROOT,
    'lambdas/shared/bundle-stubs/no-event-streams.ts',
  ),
  // Node's own hashes, without the SDK's pure-JavaScript fallbacks (~4 KB).
  '@smithy/core/checksum': join(PROJECT_ROOT, 'lambdas/shared/bundle-stubs/native-checksums.ts'),
  // DynamoDB's endpoint discovery is configured but never used; its LRU cache is ~8 KB.
  '@aws-sdk/middleware-endpoint-discovery': join(
    PROJECT_ROOT,
    'lambdas/shared/bundle-stubs/no-endpoint-discovery.ts',
  ),
};

export const BUNDLE = {
  format: 'esm',
  platform: 'node',
  target: 'node24',
  mainFields: ['module', 'main'],
  minify: true,
  // Names are not kept: stack traces map back through the source maps, and every error class
  // here and in the SDK sets its `name` itself. Keeping them costs about 20 KB per bundle.
  keepNames: false,
  banner: ESM_REQUIRE_BANNER,
} as const;

/** Largest bundle any function may have, and the tighter limit of the public read function. */
export const BUNDLE_LIMITS = { default: 1_000_000, 'api-public': 300_000 } as const;

/** esbuild's build options for one entry file, the way the stack bundles it. */
function esbuildOptions(entry: string, outfile: string) {
  return {
    entryPoints: [join(PROJECT_ROOT, entry)],
    outfile,
    bundle: true,
    ...BUNDLE,
    mainFields: [...BUNDLE.mainFields],
    banner: { js: BUNDLE.banner },
    alias: BUNDLE_ALIASES,
    sourcemap: true,
    logLevel: 'error' as const,
    metafile: true,
  };
}

export interface BuiltBundle {
  path: string;
  bytes: number;
  /** Bytes each input contributes, by path (node_modules packages by package name). */
  inputs: Record<string, number>;
}

/** Bundles one entry as a function's code is deployed (for bundle checks and benchmarks). */
export async function buildBundle(entry: string, outfile: string): Promise<BuiltBundle> {
  const { build } = await import('esbuild');
  const result = await build(esbuildOptions(entry, outfile));
  const output = Object.entries(result.metafile?.outputs ?? {}).find(([, o]) => o.entryPoint);
  if (!output) throw new Error(`esbuild wrote no bundle for ${entry}`);
  const inputs: Record<string, number> = {};
  for (const [file, { bytesInOutput }] of Object.entries(output[1].inputs)) {
    const parts = file.split('/');
    const at = parts.lastIndexOf('node_modules');
    const name =
      at < 0
        ? file
        : parts.slice(at + 1, (parts[at + 1] ?? '').startsWith('@') ? at + 3 : at + 2).join('/');
    inputs[name] = (inputs[name] ?? 0) + bytesInOutput;
  }
  return { path: outfile, bytes: output[1].bytes, inputs };
}

/** Placeholders of bound values that are not names: they must still parse. */
const PLACEHOLDERS: Partial<Record<keyof typeof RESOURCE_ENV, string>> = {
  providerKey: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:pinstack-provider-key',
  providerId: '12D3KooWRawPbxPtP1eZaJpumGnyWX2DcUyd3RQnydr3eAto4Az7',
};

/**
 * The environment a deployed function gets from its bindings and nothing else, with
 * placeholder names: what bundle checks and cold-start benchmarks run a function with.
 */
export function boundEnvironment(spec: Pick<FunctionSpec, 'bindings'>): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'placeholder',
    AWS_SECRET_ACCESS_KEY: 'placeholder',
    LOG_LEVEL: 'silent',
  };
  for (const resource of Object.keys(spec.bindings) as (keyof typeof RESOURCE_ENV)[]) {
    // Bindings that are grants only (provider secrets) set no variable.
    if (!(resource in RESOURCE_ENV)) continue;
    const name = RESOURCE_ENV[resource];
    const queue = (queueName: string) =>
      `https://sqs.us-east-1.amazonaws.com/000000000000/${queueName}`;
    env[name] =
      PLACEHOLDERS[resource] ??
      (resource === 'queueStats'
        ? JSON.stringify({ ingestQueue: { url: queue('ingest'), dlq: queue('ingest-dlq') } })
        : name.endsWith('_URL')
          ? queue(resource)
          : `pinstack-${resource}`);
  }
  // The stack gives every function the gateway's public URL (the provider's address).
  env.GATEWAY_PUBLIC_URL = 'https://gateway.example';
  return env;
}
