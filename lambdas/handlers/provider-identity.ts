/**
 * The ProviderIdentity custom resource: on each deploy, CloudFormation asks it for the peer ID
 * of the provider key in Secrets Manager; the stack gives that to the functions that name the
 * provider and shows it as the `PeerId` output. It reads the key and answers only its public
 * ID; a delete leaves the secret alone (the stack's removal policy decides its fate).
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { readSecretString } from '../adapters/secrets/provider-key.ts';
import { providerIdentity } from '../core/provider/identity.ts';
import { loadConfig } from '../shared/config.ts';
import { log } from '../shared/log.ts';

const config = loadConfig();

export const handler = async (event: CloudFormationCustomResourceEvent) => {
  let reply: { Status: 'SUCCESS' | 'FAILED'; Reason?: string; Data?: Record<string, string> };
  try {
    if (event.RequestType === 'Delete') {
      reply = { Status: 'SUCCESS' };
    } else {
      const secretArn = String(event.ResourceProperties.SecretArn ?? '');
      const { peerId } = await providerIdentity(
        await readSecretString(secretArn, {
          region: config.AWS_REGION,
          endpoint: config.PINSTACK_SECRETSMANAGER_ENDPOINT,
        }),
      );
      reply = { Status: 'SUCCESS', Data: { PeerId: peerId } };
    }
  } catch (error) {
    log.error('provider identity failed', { error });
    reply = {
      Status: 'FAILED',
      Reason: error instanceof Error ? error.message.slice(0, 500) : 'failed',
    };
  }
  const body = JSON.stringify({
    ...reply,
    // One physical resource whatever the secret: the ID follows the key, not this resource.
    PhysicalResourceId:
      'PhysicalResourceId' in event ? event.PhysicalResourceId : 'provider-identity',
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });
  // CloudFormation waits for this PUT to the presigned URL it gave.
  const response = await fetch(event.ResponseURL, {
    method: 'PUT',
    headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) },
    body,
  });
  if (!response.ok) throw new Error(`CloudFormation took no answer: ${response.status}`);
  return reply;
};
