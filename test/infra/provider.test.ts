/**
 * The IPFS provider's infrastructure, as intended: its identity created by the stack and only
 * read where needed, the ipni consumer's failure semantics, the carpark's CARs reaching it,
 * the announce cron, and the settings every function is given.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DEFAULT_INDEXER } from '../../system/settings.ts';
import { buildStack, logicalId } from './helpers.ts';

const { stack, template } = buildStack();
const lambdas = template.findResources('AWS::Lambda::Function');
const envOf = (name: keyof typeof stack.functions, t = template, s = stack) =>
  t.findResources('AWS::Lambda::Function')[logicalId(s.functions[name].fn)]?.Properties.Environment
    .Variables as Record<string, unknown>;

describe('the provider identity', () => {
  it('is a generated, retained secret whose peer ID a deploy step reports', () => {
    const secret = template.findResources('AWS::SecretsManager::Secret')[
      logicalId(stack.providerKey)
    ];
    expect(secret?.DeletionPolicy).toBe('Retain');
    expect(secret?.Properties.GenerateSecretString).toEqual({
      ExcludePunctuation: true,
      IncludeSpace: false,
      PasswordLength: 64,
    });
    template.hasResourceProperties('Custom::ProviderIdentity', {
      ServiceToken: { 'Fn::GetAtt': [logicalId(stack.functions['provider-identity'].fn), 'Arn'] },
      SecretArn: { Ref: logicalId(stack.providerKey) },
    });
    expect(template.findOutputs('PeerId').PeerId?.Value).toEqual({
      'Fn::GetAtt': [logicalId(stack.providerIdentity), 'PeerId'],
    });
  });

  it('is given to /version (api-public) and the provider routes as a peer ID only', () => {
    for (const name of ['api-public', 'gateway', 'ipni-announce'] as const) {
      expect(envOf(name).PROVIDER_PEER_ID, name).toBeDefined();
      expect(envOf(name).PROVIDER_KEY_SECRET_ARN, name).toBeUndefined();
    }
    expect(envOf('ipni-publisher').PROVIDER_KEY_SECRET_ARN).toBeDefined();
  });
});

describe('the ipni queue consumer', () => {
  it('takes batches of 25 within 5 s, two at a time, with partial batch responses', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(stack.functions['ipni-publisher'].fn) },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.queues.ipniQueue.queue), 'Arn'] },
      BatchSize: 25,
      MaximumBatchingWindowInSeconds: 5,
      ScalingConfig: { MaximumConcurrency: 2 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('gets a crashed batch back after six minutes, and its DLQ after three receives', () => {
    const queue =
      template.findResources('AWS::SQS::Queue')[logicalId(stack.queues.ipniQueue.queue)];
    expect(queue?.Properties.VisibilityTimeout).toBe(360);
    expect(queue?.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: {
        'Fn::GetAtt': [logicalId(stack.queues.ipniQueue.deadLetterQueue), 'Arn'],
      },
      maxReceiveCount: 3,
    });
  });

  it('hears of every CAR stored in the carpark once the indexer has stored its block list', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: logicalId(stack.storage.buckets.carpark) },
      NotificationConfiguration: {
        QueueConfigurations: Match.arrayWith([
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.blocks.cbor' }] } },
            QueueArn: { 'Fn::GetAtt': [logicalId(stack.queues.ipniQueue.queue), 'Arn'] },
          },
        ]),
      },
    });
  });
});

describe('the announce cron', () => {
  it('runs every 10 minutes', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(10 minutes)',
      Target: { Arn: { 'Fn::GetAtt': [logicalId(stack.functions['ipni-announce'].fn), 'Arn'] } },
    });
  });
});

describe("the provider's settings", () => {
  it("announce to cid.contact and name the gateway's distribution by default", () => {
    for (const [id, fn] of Object.entries(lambdas)) {
      const env = fn.Properties.Environment?.Variables ?? {};
      if (!('PINSTACK_VERSION' in env)) continue; // CDK's own notification handler
      expect(env.IPNI_ANNOUNCE_URLS, id).toBe(DEFAULT_INDEXER);
    }
    for (const name of ['ipni-publisher', 'ipni-announce'] as const) {
      expect(JSON.stringify(envOf(name).GATEWAY_PUBLIC_URL), name).toContain(
        logicalId(stack.gatewayCdn.distribution),
      );
    }
    // The gateway learns its public host per request, from its CDN's viewer function.
    expect(envOf('gateway').GATEWAY_PUBLIC_URL).toBeUndefined();
    expect(envOf('gateway').PROVIDER_PEER_ID).toBeDefined();
  });

  it('take a gateway URL and indexers from context, `none` for no indexer', () => {
    const custom = buildStack({
      GATEWAY_PUBLIC_URL: 'https://ipfs.example.org',
      IPNI_ANNOUNCE_URLS: 'none',
    });
    const env = envOf('ipni-publisher', custom.template, custom.stack);
    expect(env.GATEWAY_PUBLIC_URL).toBe('https://ipfs.example.org');
    expect(env.IPNI_ANNOUNCE_URLS).toBe('none');
    expect(envOf('gateway', custom.template, custom.stack).GATEWAY_PUBLIC_URL).toBe(
      'https://ipfs.example.org',
    );
  });

  it('refuse a gateway URL that is not http(s)', () => {
    expect(() => buildStack({ GATEWAY_PUBLIC_URL: 'ftp://x.example' })).toThrow(
      /GATEWAY_PUBLIC_URL/,
    );
  });
});
