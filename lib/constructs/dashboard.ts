/**
 * The operator's CloudWatch dashboard: API latency and errors (and by route, from the API
 * functions' metric lines), upload bytes and ingest throughput, queue ages and dead letters,
 * pin outcomes, the scheduled jobs' successes (the scraper's included) and what drives the cost.
 */
import { Duration } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Dashboard,
  GraphWidget,
  LogQueryWidget,
  MathExpression,
  Metric,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC_NAMESPACE, type MetricName } from '../../system/metrics.ts';

export interface OperationsDashboardProps {
  api: IHttpApi;
  functions: { name: string; fn: IFunction; logGroup: ILogGroup; memoryMB: number }[];
  queues: { name: string; queue: IQueue; deadLetterQueue: IQueue }[];
  schedules: string[];
  table: ITable;
}

const PERIOD = Duration.minutes(5);
const own = (
  metricName: MetricName,
  statistic: string,
  dimensionsMap: Record<string, string> = {},
) =>
  new Metric({
    namespace: METRIC_NAMESPACE,
    metricName,
    dimensionsMap: { service: 'pinstack', ...dimensionsMap },
    statistic,
    period: PERIOD,
  });

export class OperationsDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const api = props.functions.filter((f) => f.name.startsWith('api-'));
    this.dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(6),
      widgets: [
        [
          new TextWidget({
            markdown: '# pinstack\nAPI, ingest, pins, jobs and cost drivers',
            width: 24,
            height: 2,
          }),
        ],
        [
          new GraphWidget({
            title: 'API latency (p50, p99)',
            left: [
              props.api.metricLatency({ statistic: 'p50', period: PERIOD }),
              props.api.metricLatency({ statistic: 'p99', period: PERIOD }),
            ],
            width: 8,
          }),
          new GraphWidget({
            title: 'API requests, 4xx, 5xx',
            left: [props.api.metricCount({ period: PERIOD, statistic: 'Sum' })],
            right: [
              props.api.metricClientError({ period: PERIOD, statistic: 'Sum' }),
              props.api.metricServerError({ period: PERIOD, statistic: 'Sum' }),
            ],
            width: 8,
          }),
          new LogQueryWidget({
            title: 'By route: requests, p99 ms, 5xx (the functions’ metric lines)',
            logGroupNames: api.map((f) => f.logGroup.logGroupName),
            queryLines: [
              'filter ispresent(RequestLatency)',
              'stats count(*) as requests, pct(RequestLatency, 99) as p99, sum(ServerErrors) as errors by route',
              'sort requests desc',
            ],
            width: 8,
          }),
        ],
        [
          new GraphWidget({
            title: 'Upload bytes and staged CARs ingested',
            left: [own('UploadBytes', 'Sum')],
            right: [own('IngestedObjects', 'Sum')],
            width: 8,
          }),
          new GraphWidget({
            title: 'Pin outcomes',
            left: ['pinned', 'failed'].map((status) => own('PinOutcomes', 'Sum', { status })),
            width: 8,
          }),
          new GraphWidget({
            title: 'Scheduled jobs: successful runs (scraper progress among them)',
            left: props.schedules.map((cron) => own('CronSucceeded', 'Sum', { cron })),
            width: 8,
          }),
        ],
        [
          new GraphWidget({
            title: 'Queues: oldest message (s)',
            left: props.queues.map((q) =>
              q.queue.metricApproximateAgeOfOldestMessage({
                period: PERIOD,
                statistic: 'Maximum',
                label: q.name,
              }),
            ),
            width: 12,
          }),
          new GraphWidget({
            title: 'Dead letters',
            left: props.queues.map((q) =>
              q.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
                period: PERIOD,
                statistic: 'Maximum',
                label: q.name,
              }),
            ),
            width: 12,
          }),
        ],
        [
          new GraphWidget({
            title: 'Cost drivers: Lambda GB-s by function',
            left: props.functions.map(
              (f, i) =>
                new MathExpression({
                  expression: `d${i} / 1000 * ${f.memoryMB / 1024}`,
                  usingMetrics: {
                    [`d${i}`]: f.fn.metricDuration({ statistic: 'Sum', period: PERIOD }),
                  },
                  label: f.name,
                  period: PERIOD,
                }),
            ),
            width: 8,
          }),
          new GraphWidget({
            title: 'Cost drivers: DynamoDB capacity',
            left: [
              props.table.metricConsumedReadCapacityUnits({ period: PERIOD, statistic: 'Sum' }),
              props.table.metricConsumedWriteCapacityUnits({ period: PERIOD, statistic: 'Sum' }),
            ],
            width: 8,
          }),
          new GraphWidget({
            title: 'Cost drivers: invocations by function',
            left: props.functions.map((f) =>
              f.fn.metricInvocations({ period: PERIOD, statistic: 'Sum', label: f.name }),
            ),
            width: 8,
          }),
        ],
      ],
    });
  }
}
