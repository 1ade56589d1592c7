/**
 * Reading a named secret (system/secrets.ts) in a deployed function, through the AWS
 * Parameters and Secrets Lambda Extension the stack adds to functions that read secrets: a
 * local HTTP endpoint authenticated by the function's session token, so no SDK client for
 * Secrets Manager or SSM is bundled. The stack grants the function exactly the secrets its
 * settings name.
 */
import { type SecretReference, secretReferenceText } from '../../../system/secrets.ts';

export class SecretUnavailable extends Error {
  override name = 'SecretUnavailable';
}

export type SecretReader = (ref: SecretReference) => Promise<string>;

export function extensionSecretReader(
  env: NodeJS.ProcessEnv = process.env,
  fetchImpl: typeof fetch = fetch,
): SecretReader {
  return async (ref) => {
    const named = secretReferenceText(ref);
    const token = env.AWS_SESSION_TOKEN;
    if (!token) {
      throw new SecretUnavailable(
        `${named} names a secret, which only a deployed function reads (through the Parameters ` +
          'and Secrets extension); locally, give the value itself',
      );
    }
    const port = env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT || '2773';
    const path =
      ref.store === 'secretsmanager'
        ? `/secretsmanager/get?secretId=${encodeURIComponent(ref.id)}`
        : `/systemsmanager/parameters/get?name=${encodeURIComponent(ref.id)}&withDecryption=true`;
    let response: Response;
    try {
      response = await fetchImpl(`http://localhost:${port}${path}`, {
        headers: { 'X-Aws-Parameters-Secrets-Token': token },
        signal: AbortSignal.timeout(10_000),
      });
    } catch (cause) {
      throw new SecretUnavailable(`reading ${named}: the secrets extension did not answer`, {
        cause,
      });
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new SecretUnavailable(
        `reading ${named}: HTTP ${response.status} from the secrets extension`,
      );
    }
    const body = (await response.json().catch(() => undefined)) as
      | { SecretString?: unknown; Parameter?: { Value?: unknown } }
      | undefined;
    const value = ref.store === 'secretsmanager' ? body?.SecretString : body?.Parameter?.Value;
    if (typeof value !== 'string' || value.trim() === '') {
      throw new SecretUnavailable(`reading ${named}: it holds no text value`);
    }
    return value.trim();
  };
}
