/**
 * The two CloudFront distributions in front of pinstack, on separate origins so content users
 * upload never runs on the origin that holds their tokens:
 *
 * - the IPFS gateway: the gateway function's URL in response-streaming mode, reachable only
 *   through CloudFront (origin access control signs every request; the URL itself takes IAM
 *   auth), caching what the function marks immutable;
 * - the API: API Gateway behind CloudFront for HTTP/2 and HTTP/3, nothing cached, and a
 *   CloudFront Function that answers an oversized body with the nft.storage 413 envelope.
 *
 * Both log requests to a bucket of their own (CloudFront's standard logs need ACLs, which the
 * other buckets turn off).
 */
import { Duration, Fn, type RemovalPolicy } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  CachedMethods,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  Distribution,
  Function as EdgeFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { FunctionUrlOrigin, HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import {
  type FunctionUrl,
  FunctionUrlAuthType,
  type IFunction,
  InvokeMode,
} from 'aws-cdk-lib/aws-lambda';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type IBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { VIEWER_HOST_HEADER } from '../../contract/provider.ts';
import { payloadTooLargeFunctionCode, viewerHostFunctionCode } from '../cdn-functions.ts';
import { OperationalAlarms } from './alarms.ts';

/** How long CloudFront keeps request logs. */
export const CDN_LOG_EXPIRY = Duration.days(365);
/** Longest a gateway response is cached: what the gateway sends for content by CID. */
export const GATEWAY_MAX_TTL = Duration.seconds(29_030_400);
/** How long CloudFront waits for the gateway's first byte, and between bytes. */
export const GATEWAY_ORIGIN_READ_TIMEOUT = Duration.seconds(60);

export interface CdnLogsProps {
  removalPolicy: RemovalPolicy;
  /** Where the log bucket's own server access logs go. */
  accessLogBucket: IBucket;
}

/** The bucket both distributions write their standard logs to. */
export class CdnLogs extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: CdnLogsProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      // CloudFront's standard logging writes through an ACL grant of its own.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      removalPolicy: props.removalPolicy,
      serverAccessLogsBucket: props.accessLogBucket,
      serverAccessLogsPrefix: 'cdn-logs/',
      lifecycleRules: [{ id: 'expire-cdn-logs', expiration: CDN_LOG_EXPIRY }],
    });
  }
}

export interface GatewayCdnProps {
  fn: IFunction;
  logBucket: IBucket;
}

/** The IPFS gateway's origin: a streaming Function URL that only CloudFront can call. */
export class GatewayCdn extends Construct {
  readonly functionUrl: FunctionUrl;
  readonly distribution: Distribution;
  readonly cachePolicy: CachePolicy;
  readonly viewerHost: EdgeFunction;

  constructor(scope: Construct, id: string, props: GatewayCdnProps) {
    super(scope, id);
    this.functionUrl = props.fn.addFunctionUrl({
      // IAM auth: only requests CloudFront signs with origin access control are invoked.
      authType: FunctionUrlAuthType.AWS_IAM,
      // Bodies stream as they are read: no 6 MB cap on a response.
      invokeMode: InvokeMode.RESPONSE_STREAM,
    });
    this.cachePolicy = new CachePolicy(this, 'CachePolicy', {
      comment: 'pinstack gateway: by path, every query parameter and Accept (format negotiation)',
      // Content by CID never changes: the gateway says how long (a miss says no-cache).
      defaultTtl: Duration.seconds(0),
      minTtl: Duration.seconds(0),
      maxTtl: GATEWAY_MAX_TTL,
      queryStringBehavior: CacheQueryStringBehavior.all(),
      // The viewer's host too: one value per distribution, and the way it reaches the origin.
      headerBehavior: CacheHeaderBehavior.allowList('Accept', VIEWER_HOST_HEADER),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    this.viewerHost = new EdgeFunction(this, 'ViewerHost', {
      comment: "the viewer's host, for the IPFS provider's addresses",
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromInline(viewerHostFunctionCode()),
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'pinstack IPFS gateway',
      httpVersion: HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: props.logBucket,
      logFilePrefix: 'gateway/',
      defaultBehavior: {
        origin: FunctionUrlOrigin.withOriginAccessControl(this.functionUrl, {
          readTimeout: GATEWAY_ORIGIN_READ_TIMEOUT,
        }),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
        cachedMethods: CachedMethods.CACHE_GET_HEAD,
        cachePolicy: this.cachePolicy,
        compress: true,
        functionAssociations: [
          { function: this.viewerHost, eventType: FunctionEventType.VIEWER_REQUEST },
        ],
      },
    });
    OperationalAlarms.of(this).watchDistribution(id, this.distribution.distributionId);
  }

  /** The gateway's base URL (no trailing slash), e.g. `https://d111111abcdef8.cloudfront.net`. */
  get url(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }
}

export interface ApiCdnProps {
  api: HttpApi;
  /** Largest request body the API takes inline (MAX_INLINE_UPLOAD_BYTES). */
  maxInlineUploadBytes: number;
  logBucket: IBucket;
}

/** The API behind CloudFront: HTTP/2 and HTTP/3, uncached, oversized bodies answered at the edge. */
export class ApiCdn extends Construct {
  readonly distribution: Distribution;
  readonly payloadTooLarge: EdgeFunction;

  constructor(scope: Construct, id: string, props: ApiCdnProps) {
    super(scope, id);
    this.payloadTooLarge = new EdgeFunction(this, 'PayloadTooLarge', {
      comment: `413 envelope for bodies over ${props.maxInlineUploadBytes} bytes`,
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromInline(payloadTooLargeFunctionCode(props.maxInlineUploadBytes)),
    });
    // `https://<id>.execute-api.<region>.amazonaws.com` without its scheme.
    const apiDomain = Fn.select(2, Fn.split('/', props.api.apiEndpoint));
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'pinstack API',
      httpVersion: HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: props.logBucket,
      logFilePrefix: 'api/',
      defaultBehavior: {
        origin: new HttpOrigin(apiDomain, {
          protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
          originSslProtocols: [OriginSslPolicy.TLS_V1_2],
        }),
        // Tokens travel in headers: never over plain HTTP, not even to be redirected.
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_ALL,
        // Every answer depends on the caller's token: nothing is cached.
        cachePolicy: CachePolicy.CACHING_DISABLED,
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        compress: true,
        functionAssociations: [
          { function: this.payloadTooLarge, eventType: FunctionEventType.VIEWER_REQUEST },
        ],
      },
    });
    OperationalAlarms.of(this).watchDistribution(id, this.distribution.distributionId);
  }

  /** The API's base URL through CloudFront (ends with '/', as the API Gateway stage URL does). */
  get url(): string {
    return `https://${this.distribution.distributionDomainName}/`;
  }
}
