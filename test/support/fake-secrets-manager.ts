/**
 * A stand-in for the Secrets Manager JSON API (GetSecretValue only), for the adapter's tests:
 * it checks each request is the call the SDK would make — target, content type, a SigV4
 * signature for the service and region that the signer reproduces from the request's own
 * bytes — and answers from its secrets, or with the status it is told to.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '../../lambdas/adapters/secrets/provider-key.ts';

export interface FakeSecretsManager {
  url: string;
  secrets: Map<string, string>;
  /** Statuses to answer the next requests with, before any secret is read. */
  failWith: number[];
  requests: { target?: string; body: string; signed: boolean }[];
  stop(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

/** Whether the request carries a valid SigV4 signature by these credentials. */
async function signatureHolds(
  req: IncomingMessage,
  body: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
  region: string,
): Promise<boolean> {
  const authorization = String(req.headers.authorization ?? '');
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';') ?? [];
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!date || !authorization.includes(`/${region}/secretsmanager/aws4_request`)) return false;
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) headers[name] = String(req.headers[name] ?? '');
  const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
  const signer = new SignatureV4({
    service: 'secretsmanager',
    region,
    credentials,
    sha256: Sha256,
  });
  const [, y, mo, d, h, mi, s] = date;
  const again = await signer.sign(
    {
      method: req.method ?? 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: {},
      headers,
      body,
    },
    { signingDate: new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`) },
  );
  return again.headers.authorization === authorization;
}

export async function startFakeSecretsManager(options: {
  credentials: { accessKeyId: string; secretAccessKey: string };
  region: string;
}): Promise<FakeSecretsManager> {
  const fake: Omit<FakeSecretsManager, 'url' | 'stop'> = {
    secrets: new Map(),
    failWith: [],
    requests: [],
  };
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const target = req.headers['x-amz-target'] as string | undefined;
    const signed = await signatureHolds(req, body, options.credentials, options.region);
    fake.requests.push({ target, body, signed });
    const answer = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(value));
    };
    const failure = fake.failWith.shift();
    if (failure) return answer(failure, { __type: 'InternalServiceError', message: 'try again' });
    if (!signed) return answer(403, { __type: 'InvalidSignatureException' });
    if (
      target !== 'secretsmanager.GetSecretValue' ||
      req.headers['content-type'] !== 'application/x-amz-json-1.1'
    ) {
      return answer(400, { __type: 'UnknownOperationException' });
    }
    const { SecretId } = JSON.parse(body) as { SecretId: string };
    const secret = fake.secrets.get(SecretId);
    if (secret === undefined) {
      return answer(400, {
        __type: 'ResourceNotFoundException',
        message: "Secrets Manager can't find the specified secret.",
      });
    }
    return answer(200, { ARN: SecretId, Name: 'provider-key', SecretString: secret });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    ...fake,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  } as FakeSecretsManager;
}
