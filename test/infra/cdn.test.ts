/**
 * The CloudFront distributions: the gateway's streaming Function URL reachable only through its
 * own distribution (origin access control, IAM-authenticated URL, CloudFront-only invoke
 * permissions), cached by path, query and Accept; the API behind its own distribution with
 * HTTP/2 and HTTP/3, nothing cached, and a CloudFront Function — run here as CloudFront runs it
 * — that answers oversized bodies with the nft.storage 413 envelope.
 */
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { payloadTooLargeMessage } from '../../contract/errors.ts';
import { VIEWER_HOST_HEADER } from '../../contract/provider.ts';
import { payloadTooLargeFunctionCode, viewerHostFunctionCode } from '../../lib/cdn-functions.ts';
import { GATEWAY_MAX_TTL } from '../../lib/constructs/cdn.ts';
import { settings } from '../../system/settings.ts';
import { buildStack, logicalId, refId } from './helpers.ts';

const { stack, template } = buildStack();
const distributions = template.findResources('AWS::CloudFront::Distribution');
const configOf = (id: string) => distributions[id]?.Properties.DistributionConfig;
const gateway = configOf(logicalId(stack.gatewayCdn.distribution));
const api = configOf(logicalId(stack.apiCdn.distribution));
const gatewayFn = logicalId(stack.functions.gateway.fn);

interface EdgeResponse {
  statusCode: number;
  statusDescription: string;
  headers: Record<string, { value: string }>;
  body: { encoding: string; data: string };
}

/** Runs a CloudFront Function's code the way CloudFront does: `handler(event)`. */
function edgeHandler(code: string) {
  const handler = runInNewContext(`${code}\nhandler;`, {}) as (event: unknown) => unknown;
  return (headers: Record<string, string>) =>
    handler({
      version: '1.0',
      context: { eventType: 'viewer-request' },
      viewer: { ip: '192.0.2.1' },
      request: {
        method: 'POST',
        uri: '/upload',
        querystring: {},
        headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, { value: v }])),
        cookies: {},
      },
    });
}

/** The code of the stack's 413 CloudFront Function, as synthesized. */
function deployedFunctionCode(build: () => ReturnType<typeof buildStack>) {
  const built = build();
  const fns = built.template.findResources('AWS::CloudFront::Function');
  return String(fns[logicalId(built.stack.apiCdn.payloadTooLarge)]?.Properties.FunctionCode);
}

describe('the gateway distribution', () => {
  it('reaches the gateway function through its URL, IAM-authenticated and streaming', () => {
    const urls = template.findResources('AWS::Lambda::Url');
    expect(Object.values(urls)).toHaveLength(1);
    const [url] = Object.values(urls);
    expect(url?.Properties).toMatchObject({ AuthType: 'AWS_IAM', InvokeMode: 'RESPONSE_STREAM' });
    expect(refId(url?.Properties.TargetFunctionArn)).toBe(gatewayFn);
    const [origin] = gateway.Origins;
    expect(refId(origin.DomainName)).toBe(logicalId(stack.gatewayCdn.functionUrl));
  });

  it('signs every origin request with origin access control', () => {
    const [origin] = gateway.Origins;
    const oacId = refId(origin.OriginAccessControlId);
    const oac = template.findResources('AWS::CloudFront::OriginAccessControl')[oacId];
    expect(oac?.Properties.OriginAccessControlConfig).toMatchObject({
      OriginAccessControlOriginType: 'lambda',
      SigningBehavior: 'always',
      SigningProtocol: 'sigv4',
    });
    expect(origin.CustomOriginConfig).toMatchObject({
      OriginProtocolPolicy: 'https-only',
      OriginSSLProtocols: ['TLSv1.2'],
    });
  });

  it('lets only this distribution invoke the gateway function, and nobody else', () => {
    // Permissions on the function, named by its ARN or its URL's FunctionArn.
    const targets = new Set([gatewayFn, logicalId(stack.gatewayCdn.functionUrl)]);
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).filter(
      (p) => targets.has(refId(p.Properties.FunctionName)),
    );
    expect(permissions.map((p) => p.Properties.Action).sort()).toEqual([
      'lambda:InvokeFunction',
      'lambda:InvokeFunctionUrl',
    ]);
    for (const permission of permissions) {
      expect(permission.Properties.Principal).toBe('cloudfront.amazonaws.com');
      expect(JSON.stringify(permission.Properties.SourceArn)).toContain(
        logicalId(stack.gatewayCdn.distribution),
      );
    }
    const invoke = permissions.find((p) => p.Properties.Action === 'lambda:InvokeFunction');
    expect(invoke?.Properties.InvokedViaFunctionUrl).toBe(true);
  });

  it('caches by path, every query parameter and Accept, as long as the gateway says', () => {
    const policy = template.findResources('AWS::CloudFront::CachePolicy')[
      refId(gateway.DefaultCacheBehavior.CachePolicyId)
    ]?.Properties.CachePolicyConfig;
    expect(policy).toMatchObject({
      DefaultTTL: 0,
      MinTTL: 0,
      MaxTTL: GATEWAY_MAX_TTL.toSeconds(),
      ParametersInCacheKeyAndForwardedToOrigin: {
        QueryStringsConfig: { QueryStringBehavior: 'all' },
        HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['Accept', VIEWER_HOST_HEADER] },
      },
    });
    // What the gateway sends for content by CID.
    expect(GATEWAY_MAX_TTL.toSeconds()).toBe(29_030_400);
  });

  it('answers GET, HEAD and OPTIONS over HTTPS, HTTP/2 and HTTP/3, and logs', () => {
    expect(gateway).toMatchObject({
      HttpVersion: 'http2and3',
      DefaultCacheBehavior: {
        AllowedMethods: ['GET', 'HEAD', 'OPTIONS'],
        ViewerProtocolPolicy: 'redirect-to-https',
      },
      Logging: { Prefix: 'gateway/' },
    });
    expect(refId(gateway.Logging.Bucket)).toBe(logicalId(stack.cdnLogs.bucket));
  });
});

describe("the gateway's viewer-host function", () => {
  it('runs on every viewer request of the gateway', () => {
    expect(gateway.DefaultCacheBehavior.FunctionAssociations).toEqual([
      {
        EventType: 'viewer-request',
        FunctionARN: { 'Fn::GetAtt': [logicalId(stack.gatewayCdn.viewerHost), 'FunctionARN'] },
      },
    ]);
    const fns = template.findResources('AWS::CloudFront::Function');
    const code = String(fns[logicalId(stack.gatewayCdn.viewerHost)]?.Properties.FunctionCode);
    expect(code).toBe(viewerHostFunctionCode());
  });

  it("hands the origin the host the viewer asked for, never the viewer's own header", () => {
    const handler = runInNewContext(`${viewerHostFunctionCode()}\nhandler;`, {}) as (
      event: unknown,
    ) => { headers: Record<string, { value: string }> };
    const run = (headers: Record<string, string>) =>
      handler({
        request: {
          method: 'GET',
          uri: '/routing/v1/providers/x',
          headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, { value: v }])),
        },
      }).headers[VIEWER_HOST_HEADER]?.value;
    expect(run({ host: 'd111111abcdef8.cloudfront.net' })).toBe('d111111abcdef8.cloudfront.net');
    expect(run({ host: 'ipfs.example.org', [VIEWER_HOST_HEADER]: 'evil.example' })).toBe(
      'ipfs.example.org',
    );
    expect(run({ [VIEWER_HOST_HEADER]: 'evil.example' })).toBeUndefined();
  });
});

describe('the API distribution', () => {
  it('puts API Gateway behind CloudFront with HTTP/2 and HTTP/3, over TLS 1.2 to the origin', () => {
    expect(api.HttpVersion).toBe('http2and3');
    const [origin] = api.Origins;
    expect(refId(origin.DomainName)).toBe(logicalId(stack.api.api));
    expect(origin.CustomOriginConfig).toEqual({
      OriginProtocolPolicy: 'https-only',
      OriginSSLProtocols: ['TLSv1.2'],
    });
  });

  it('caches nothing, forwards every header but Host, and takes every method over HTTPS only', () => {
    expect(api.DefaultCacheBehavior).toMatchObject({
      // AWS's managed CachingDisabled and AllViewerExceptHostHeader policies.
      CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
      ViewerProtocolPolicy: 'https-only',
    });
    expect([...api.DefaultCacheBehavior.AllowedMethods].sort()).toEqual(
      ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'].sort(),
    );
    expect(refId(api.Logging.Bucket)).toBe(logicalId(stack.cdnLogs.bucket));
  });

  it('runs the 413 function on every viewer request', () => {
    expect(api.DefaultCacheBehavior.FunctionAssociations).toEqual([
      {
        EventType: 'viewer-request',
        FunctionARN: { 'Fn::GetAtt': [logicalId(stack.apiCdn.payloadTooLarge), 'FunctionARN'] },
      },
    ]);
    const fn = template.findResources('AWS::CloudFront::Function')[
      logicalId(stack.apiCdn.payloadTooLarge)
    ];
    expect(fn?.Properties.FunctionConfig.Runtime).toBe('cloudfront-js-2.0');
  });
});

describe('the 413 CloudFront Function', () => {
  const limit = settings.MAX_INLINE_UPLOAD_BYTES.default;
  const deployed = deployedFunctionCode(() => buildStack());
  const handle = edgeHandler(deployed);

  it('answers a body over the inline limit with the nft.storage envelope, quoting its size', () => {
    for (const size of [limit + 1, 6_000_000, 10 * 1024 * 1024, 10 * 1024 * 1024 + 1, 2 ** 40]) {
      const response = handle({ 'content-length': String(size) }) as EdgeResponse;
      expect(response.statusCode).toBe(413);
      expect(response.headers['content-type']).toEqual({ value: 'application/json;charset=UTF-8' });
      expect(response.body.encoding).toBe('text');
      expect(JSON.parse(response.body.data)).toEqual({
        ok: false,
        error: { code: 'ERROR_PAYLOAD_TOO_LARGE', message: payloadTooLargeMessage(limit, size) },
      });
    }
  });

  it('passes everything else through unchanged', () => {
    const cases: Record<string, string>[] = [
      { 'content-length': String(limit) },
      { 'content-length': '0' },
      {},
      { 'content-length': 'lots' },
      { 'transfer-encoding': 'chunked' },
    ];
    for (const headers of cases) {
      const result = handle(headers) as { uri?: string; statusCode?: number };
      expect(result.statusCode, JSON.stringify(headers)).toBeUndefined();
      expect(result.uri).toBe('/upload');
    }
  });

  it('takes the limit a deployment sets', () => {
    const custom = deployedFunctionCode(() => buildStack({ MAX_INLINE_UPLOAD_BYTES: '1000000' }));
    const response = edgeHandler(custom)({ 'content-length': '1000001' }) as EdgeResponse;
    expect(response.statusCode).toBe(413);
    expect(JSON.parse(response.body.data).error.message).toBe(
      payloadTooLargeMessage(1_000_000, 1_000_001),
    );
    expect(edgeHandler(custom)({ 'content-length': '1000000' })).toMatchObject({ uri: '/upload' });
  });

  it('fits CloudFront Functions: ES5 syntax and under their 10 KB code limit', () => {
    expect(Buffer.byteLength(deployed)).toBeLessThan(10_240);
    expect(deployed).not.toMatch(/=>|\bconst\b|\blet\b|`/);
    expect(() => payloadTooLargeFunctionCode(0)).toThrow(/positive integer/);
  });
});

describe('CDN logs', () => {
  it('go to a private, TLS-only bucket with ACLs on (CloudFront writes through one), kept a year', () => {
    const bucket = template.findResources('AWS::S3::Bucket')[logicalId(stack.cdnLogs.bucket)];
    expect(bucket?.Properties).toMatchObject({
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: logicalId(stack.storage.accessLogBucket) },
      },
    });
    expect(bucket?.Properties.LifecycleConfiguration.Rules).toEqual([
      expect.objectContaining({ ExpirationInDays: 365, Status: 'Enabled' }),
    ]);
  });
});
