/**
 * Named secrets through the Parameters and Secrets Lambda Extension, against a server that
 * answers as the extension does (its documented paths, header and response shapes).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extensionSecretReader } from '../../../lambdas/adapters/secrets/extension.ts';
import { loadConfig } from '../../../lambdas/shared/config.ts';
import { scraperDeps } from '../../../lambdas/shared/scraper-wiring.ts';

const TOKEN = 'session-token';
const values: Record<string, string> = {
  '/secretsmanager/get?secretId=pinstack%2Fmainnet': JSON.stringify({
    Name: 'pinstack/mainnet',
    SecretString: 'https://mainnet.example/v3/key',
  }),
  '/systemsmanager/parameters/get?name=%2Fpinstack%2Fsepolia&withDecryption=true': JSON.stringify({
    Parameter: { Name: '/pinstack/sepolia', Value: ' https://sepolia.example/key \n' },
  }),
  '/secretsmanager/get?secretId=not-a-url': JSON.stringify({ SecretString: 'hunter2' }),
};
let port: number;
const server = createServer((req, res) => {
  const body = values[req.url ?? ''];
  if (req.headers['x-aws-parameters-secrets-token'] !== TOKEN) res.writeHead(401).end();
  else if (!body) res.writeHead(400).end();
  else res.writeHead(200, { 'content-type': 'application/json' }).end(body);
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const env = () => ({
  AWS_SESSION_TOKEN: TOKEN,
  PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(port),
});

describe('extensionSecretReader', () => {
  it('reads Secrets Manager secrets and SSM parameters, trimmed', async () => {
    const read = extensionSecretReader(env());
    expect(await read({ store: 'secretsmanager', id: 'pinstack/mainnet' })).toBe(
      'https://mainnet.example/v3/key',
    );
    expect(await read({ store: 'ssm', id: '/pinstack/sepolia' })).toBe(
      'https://sepolia.example/key',
    );
  });

  it('names the secret, never its value, when it cannot read it', async () => {
    await expect(extensionSecretReader(env())({ store: 'ssm', id: '/missing' })).rejects.toThrow(
      'reading ssm:/missing: HTTP 400 from the secrets extension',
    );
    await expect(
      extensionSecretReader({ ...env(), AWS_SESSION_TOKEN: 'wrong' })({ store: 'ssm', id: '/x' }),
    ).rejects.toThrow(/HTTP 401/);
    await expect(
      extensionSecretReader({})({ store: 'secretsmanager', id: 'pinstack/mainnet' }),
    ).rejects.toThrow(/only a deployed function reads/);
  });

  it('gives the scraper the URL a chain’s rpcUrl names, and refuses one that holds no URL', async () => {
    const config = (rpcUrl: string) =>
      loadConfig({
        TABLE_NAME: 'table',
        CARPARK_BUCKET: 'carpark',
        PIN_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/pins',
        CHAINS: JSON.stringify([{ chainId: 1, rpcUrl, startBlock: 0 }]),
      });
    const read = extensionSecretReader(env());
    const deps = await scraperDeps(config('secretsmanager:pinstack/mainnet'), {}, read);
    expect(deps.chains.map((c) => c.setting.chainId)).toEqual([1]);
    await expect(scraperDeps(config('secretsmanager:not-a-url'), {}, read)).rejects.toThrow(
      "CHAINS: chain 1's rpcUrl names a secret that holds no http(s) URL",
    );
  });
});
