import { describe, expect, it } from 'vitest';
import { OUTPUT_KEYS } from '../../lib/pinstack-stack.ts';
import { functions, type Trigger } from '../../system/functions.ts';
import { buildStack, logicalId, refId } from './helpers.ts';

const { stack, template } = buildStack();
const routes = template.findResources('AWS::ApiGatewayV2::Route');
const integrations = template.findResources('AWS::ApiGatewayV2::Integration');

const catalogRoutes = functions.flatMap((spec) =>
  (spec.triggers as readonly Trigger[])
    .filter((t) => t.kind === 'http')
    .map((t) => ({ fn: spec.name, routeKey: `${t.method} ${t.path}` })),
);

/** The Lambda logical id an integration forwards to. */
function integrationTarget(integrationId: string): string {
  return refId(integrations[integrationId]?.Properties.IntegrationUri);
}

describe('HTTP API', () => {
  it('has exactly one route per catalog http trigger', () => {
    const keys = Object.values(routes).map((r) => r.Properties.RouteKey as string);
    expect(keys.sort()).toEqual(catalogRoutes.map((r) => r.routeKey).sort());
  });

  it('sends each route to the catalog function that declares it, with payload format 2.0', () => {
    const byKey = new Map(Object.values(routes).map((r) => [r.Properties.RouteKey, r]));
    for (const { fn, routeKey } of catalogRoutes) {
      const route = byKey.get(routeKey);
      const target = String(route?.Properties.Target['Fn::Join'][1][1].Ref);
      expect(integrationTarget(target), routeKey).toBe(logicalId(stack.functions[fn].fn));
      expect(integrations[target]?.Properties).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
      });
    }
  });

  it('writes JSON access logs for the $default stage to an owned log group', () => {
    const stages = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
    expect(stages).toHaveLength(1);
    const settings = stages[0]?.Properties.AccessLogSettings;
    expect(stages[0]?.Properties).toMatchObject({ StageName: '$default', AutoDeploy: true });
    expect(settings.DestinationArn).toEqual({
      'Fn::GetAtt': [logicalId(stack.api.accessLogs), 'Arn'],
    });
    const format = JSON.parse(settings.Format);
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
    expect(JSON.stringify(format)).not.toMatch(/header|authorization/i);
    const groups = template.findResources('AWS::Logs::LogGroup');
    expect(groups[logicalId(stack.api.accessLogs)]?.Properties.RetentionInDays).toBe(30);
  });

  it('leaves CORS preflight to the api-read function', () => {
    const api = Object.values(template.findResources('AWS::ApiGatewayV2::Api'))[0];
    expect(api?.Properties.CorsConfiguration).toBeUndefined();
  });
});

describe('outputs', () => {
  it('exports exactly the keys the admin CLI reads', () => {
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs).sort()).toEqual([...OUTPUT_KEYS].sort());
    expect(OUTPUT_KEYS).toEqual([
      'ApiUrl',
      'GatewayUrl',
      'TableName',
      'StagingBucketName',
      'CarparkBucketName',
      'IngestQueueUrl',
      'PinQueueUrl',
      'IpniQueueUrl',
      'PeerId',
      'ProviderKeySecretArn',
    ]);
  });

  it('points each output at the right resource', () => {
    const outputs = template.findOutputs('*');
    expect(outputs.TableName?.Value).toEqual({ Ref: logicalId(stack.storage.table) });
    expect(outputs.StagingBucketName?.Value).toEqual({
      Ref: logicalId(stack.storage.buckets.staging),
    });
    expect(outputs.CarparkBucketName?.Value).toEqual({
      Ref: logicalId(stack.storage.buckets.carpark),
    });
    expect(outputs.IngestQueueUrl?.Value).toEqual({
      Ref: logicalId(stack.queues.ingestQueue.queue),
    });
    expect(outputs.PinQueueUrl?.Value).toEqual({ Ref: logicalId(stack.queues.pinQueue.queue) });
    expect(outputs.IpniQueueUrl?.Value).toEqual({ Ref: logicalId(stack.queues.ipniQueue.queue) });
    expect(outputs.PeerId?.Value).toEqual({
      'Fn::GetAtt': [logicalId(stack.providerIdentity), 'PeerId'],
    });
    expect(outputs.ProviderKeySecretArn?.Value).toEqual({ Ref: logicalId(stack.providerKey) });
    // The API's and the gateway's URLs are their CloudFront distributions'.
    expect(JSON.stringify(outputs.ApiUrl?.Value)).toContain(logicalId(stack.apiCdn.distribution));
    expect(JSON.stringify(outputs.GatewayUrl?.Value)).toContain(
      logicalId(stack.gatewayCdn.distribution),
    );
  });
});
