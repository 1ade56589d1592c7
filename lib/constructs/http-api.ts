/**
 * The public HTTP API: an API Gateway HTTP API whose $default stage writes JSON access logs to
 * a log group the stack owns. Routes are added per catalog http trigger by the stack.
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { HttpMethod as CatalogMethod } from '../../system/functions.ts';
import { OperationalAlarms } from './alarms.ts';

export interface PinstackApiProps {
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

const METHODS = {
  GET: HttpMethod.GET,
  HEAD: HttpMethod.HEAD,
  POST: HttpMethod.POST,
  DELETE: HttpMethod.DELETE,
  PATCH: HttpMethod.PATCH,
  OPTIONS: HttpMethod.OPTIONS,
} as const satisfies Record<CatalogMethod, HttpMethod>;

/** One JSON line per request, from HTTP API context variables (no headers, so no tokens). */
const HTTP_ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    time: '$context.requestTime',
    ip: '$context.identity.sourceIp',
    userAgent: '$context.identity.userAgent',
    method: '$context.httpMethod',
    path: '$context.path',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    latencyMs: '$context.responseLatency',
    integrationLatencyMs: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
  }),
);

export class PinstackApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  private readonly routeKeys = new Set<string>();

  constructor(scope: Construct, id: string, props: PinstackApiProps) {
    super(scope, id);
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    // CORS is answered by the api-read function (OPTIONS routes), not by API Gateway.
    this.api = new HttpApi(this, 'HttpApi', {
      description: 'pinstack: nft.storage-compatible API',
      createDefaultStage: false,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: HTTP_ACCESS_LOG_FORMAT,
      },
    });
    OperationalAlarms.of(this).watchHttpApi(id, this.api);
  }

  /** The base URL clients call (ends with '/'). */
  get url(): string {
    return this.stage.url;
  }

  /** One integration per function, shared by all of that function's routes. */
  integration(id: string, fn: IFunction): HttpLambdaIntegration {
    return new HttpLambdaIntegration(id, fn, {
      payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
    });
  }

  addRoute(method: CatalogMethod, path: string, integration: HttpLambdaIntegration): void {
    const key = `${method} ${path}`;
    if (this.routeKeys.has(key)) throw new Error(`Route ${key} is declared twice in the catalog`);
    this.routeKeys.add(key);
    this.api.addRoutes({ path, methods: [METHODS[method]], integration });
  }
}
