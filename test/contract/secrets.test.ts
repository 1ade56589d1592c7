/**
 * Reading the provider key: from Secrets Manager (a signed GetSecretValue against a stand-in
 * that checks the signature), from a key file, and the deploy-time custom resource that turns
 * the secret into the peer ID CloudFormation shows.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  readProviderKeyText,
  readSecretString,
  SecretUnreadable,
} from '../../lambdas/adapters/secrets/provider-key.ts';
import { FailureError } from '../../lambdas/core/failures.ts';
import { providerIdentity } from '../../lambdas/core/provider/identity.ts';
import {
  type FakeSecretsManager,
  startFakeSecretsManager,
} from '../support/fake-secrets-manager.ts';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const region = 'eu-central-1';
const arn = 'arn:aws:secretsmanager:eu-central-1:000000000000:secret:pinstack-provider-key-AbCdEf';
const seed = 'x7Qk2pV9sL4mN8rT1wY6zB3cF5hJ0dG2aE4iO6uK8oP1qS3vX5yZ7bD9fH2jL4nR';
let secrets: FakeSecretsManager;

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
  delete process.env.AWS_SESSION_TOKEN;
  secrets = await startFakeSecretsManager({ credentials, region });
  secrets.secrets.set(arn, seed);
});

afterAll(async () => {
  await secrets?.stop();
});

describe('the provider key in Secrets Manager', () => {
  it('is read with a signed GetSecretValue', async () => {
    expect(await readSecretString(arn, { region, endpoint: secrets.url })).toBe(seed);
    const request = secrets.requests.at(-1);
    expect(request).toMatchObject({ target: 'secretsmanager.GetSecretValue', signed: true });
    expect(JSON.parse(request?.body ?? '')).toEqual({ SecretId: arn });
  });

  it('is unreadable, for good, when the secret does not exist', async () => {
    await expect(
      readSecretString(`${arn}-gone`, { region, endpoint: secrets.url }),
    ).rejects.toThrow(SecretUnreadable);
  });

  it('is unavailable (retry later) when Secrets Manager fails or cannot be reached', async () => {
    secrets.failWith.push(500);
    const failed = readSecretString(arn, { region, endpoint: secrets.url });
    await expect(failed).rejects.toBeInstanceOf(FailureError);
    await expect(failed).rejects.toMatchObject({ failure: { name: 'StorageUnavailable' } });
    secrets.failWith.push(429);
    await expect(readSecretString(arn, { region, endpoint: secrets.url })).rejects.toMatchObject({
      failure: { name: 'StorageUnavailable' },
    });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(
      readSecretString(arn, { region, endpoint: `http://127.0.0.1:${port}` }),
    ).rejects.toMatchObject({ failure: { name: 'StorageUnavailable' } });
  });

  it('comes from the key file when there is one, and from nowhere is an error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pinstack-key-'));
    await writeFile(join(dir, 'provider.key'), 'file key text');
    expect(
      await readProviderKeyText({ file: join(dir, 'provider.key'), secretArn: arn, region }),
    ).toBe('file key text');
    expect(await readProviderKeyText({ secretArn: arn, region, endpoint: secrets.url })).toBe(seed);
    await expect(readProviderKeyText({ region })).rejects.toThrow(/PROVIDER_KEY_SECRET_ARN/);
  });
});

describe('the ProviderIdentity custom resource', () => {
  /** CloudFormation's side: the presigned URL it gives for the answer. */
  async function withResponseUrl<T>(run: (url: string) => Promise<T>) {
    const answers: Record<string, unknown>[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        answers.push({ method: req.method, ...JSON.parse(body) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response?sig=x`;
      await run(url);
      return answers;
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }

  async function handler() {
    process.env.AWS_REGION = region;
    process.env.PINSTACK_SECRETSMANAGER_ENDPOINT = secrets.url;
    process.env.PROVIDER_KEY_SECRET_ARN = arn;
    return (await import('../../lambdas/handlers/provider-identity.ts')).handler;
  }

  const event = (RequestType: 'Create' | 'Update' | 'Delete', url: string, SecretArn = arn) =>
    ({
      RequestType,
      ResponseURL: url,
      StackId: 'arn:aws:cloudformation:eu-central-1:000000000000:stack/Pinstack/1',
      RequestId: 'req-1',
      LogicalResourceId: 'ProviderPeerId',
      ResourceType: 'Custom::ProviderIdentity',
      ServiceToken: 'arn:aws:lambda:eu-central-1:000000000000:function:identity',
      ResourceProperties: { ServiceToken: 'x', SecretArn },
      ...(RequestType === 'Create' ? {} : { PhysicalResourceId: 'provider-identity' }),
    }) as never;

  it("answers the secret's peer ID on create and update", async () => {
    const run = await handler();
    const expected = (await providerIdentity(seed)).peerId;
    const answers = await withResponseUrl(async (url) => {
      await run(event('Create', url));
      await run(event('Update', url));
    });
    expect(answers).toHaveLength(2);
    for (const answer of answers) {
      expect(answer).toMatchObject({
        method: 'PUT',
        Status: 'SUCCESS',
        Data: { PeerId: expected },
        PhysicalResourceId: 'provider-identity',
        RequestId: 'req-1',
        LogicalResourceId: 'ProviderPeerId',
      });
    }
  });

  it('answers a delete without reading anything, and a failure with its reason', async () => {
    const run = await handler();
    const before = secrets.requests.length;
    const answers = await withResponseUrl(async (url) => {
      await run(event('Delete', url));
      await run(event('Create', url, `${arn}-missing`));
    });
    expect(answers[0]).toMatchObject({ Status: 'SUCCESS' });
    expect(answers[1]).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/400/) });
    expect(secrets.requests.length).toBe(before + 1);
  });
});
