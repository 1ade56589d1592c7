/**
 * pinstack/client goes into users' bundles: built for a browser and for Node, it holds none of
 * the server (AWS SDK, CDK, emulators, zod schemas) and no Node built-in in the browser build.
 */
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const SERVER_PACKAGES =
  /node_modules\/(@aws-sdk|@smithy|aws-cdk-lib|constructs|cdk-nag|fauxqs|dynalite|zod|busboy|@middy)\//;

async function bundle(platform: 'browser' | 'node') {
  const result = await build({
    entryPoints: [new URL('../../../client/index.ts', import.meta.url).pathname],
    bundle: true,
    write: false,
    format: 'esm',
    platform,
    metafile: true,
    minify: true,
    logLevel: 'silent',
  });
  return {
    inputs: Object.keys(result.metafile.inputs),
    bytes: result.outputFiles[0]?.contents.length ?? 0,
  };
}

describe('the pinstack/client bundle', () => {
  it.each(['browser', 'node'] as const)('for %s holds nothing of the server', async (platform) => {
    const { inputs, bytes } = await bundle(platform);
    expect(inputs.filter((input) => SERVER_PACKAGES.test(input))).toEqual([]);
    // Only the client and the contract's UnixFS parameters of this repository.
    expect(
      inputs
        .filter((input) => !input.includes('node_modules/'))
        .map((input) => input.split('/')[0])
        .sort(),
    ).toEqual(expect.arrayContaining(['client']));
    expect(
      inputs.filter(
        (input) => !input.includes('node_modules/') && !/^(client|contract)\//.test(input),
      ),
    ).toEqual([]);
    expect(bytes).toBeLessThan(400_000);
  });

  it('imports nothing from node: in the browser build', async () => {
    const { inputs } = await bundle('browser');
    expect(inputs.filter((input) => input.startsWith('node:'))).toEqual([]);
  });
});
