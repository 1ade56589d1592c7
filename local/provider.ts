/**
 * The local stack's IPFS provider: its key, kept in the data dir (created on the first start,
 * so the peer ID survives restarts), and the settings that differ from a deployment's — the
 * gateway on 127.0.0.1, and no indexers announced to unless the environment names some.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newProviderKeyText, providerIdentity } from '../lambdas/core/provider/identity.ts';

export const PROVIDER_KEY_FILE = 'provider.key';

/** The key file's text, written on first use (readable by its owner only). */
async function keyText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const text = await newProviderKeyText();
  // `wx`: two stacks starting on one data dir never replace each other's key.
  await writeFile(path, `${text}\n`, { mode: 0o600, flag: 'wx' }).catch(async (error) => {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  });
  return readFile(path, 'utf8');
}

/** The provider's env for the local stack's functions. */
export async function localProvider(
  dataDir: string,
  env: NodeJS.ProcessEnv,
  gatewayPort: number,
): Promise<Record<string, string>> {
  // A key file named by the environment is used (and created) instead of the data dir's.
  const file = env.PROVIDER_KEY_FILE || join(dataDir, PROVIDER_KEY_FILE);
  const { peerId } = await providerIdentity(await keyText(file));
  return {
    PROVIDER_KEY_FILE: file,
    PROVIDER_PEER_ID: peerId,
    GATEWAY_PUBLIC_URL: env.GATEWAY_PUBLIC_URL || `http://127.0.0.1:${gatewayPort}`,
    IPNI_ANNOUNCE_URLS: env.IPNI_ANNOUNCE_URLS || 'none',
  };
}
