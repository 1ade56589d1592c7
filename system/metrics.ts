/**
 * The custom CloudWatch metrics pinstack's functions emit (namespace `pinstack`, embedded metric
 * format): one declaration each, read by the emitters (lambdas/shared/metrics.ts), the dashboard
 * and the cron alarms, and by the cost model (each metric and dimension value is a custom metric
 * CloudWatch charges for, so dimensions are few and low in cardinality; per-request detail such
 * as the route goes into the line's properties, which Logs Insights queries).
 */
export const METRIC_NAMESPACE = 'pinstack';

export type MetricUnit = 'Count' | 'Bytes' | 'Milliseconds' | 'Seconds';

export interface MetricSpec {
  unit: MetricUnit;
  /** Dimension names besides `service` (every metric has service=pinstack). */
  dimensions: readonly string[];
  description: string;
}

const metric = <const D extends readonly string[]>(
  unit: MetricUnit,
  dimensions: D,
  description: string,
) => ({ unit, dimensions, description }) satisfies MetricSpec;

export const METRICS = {
  RequestLatency: metric(
    'Milliseconds',
    [],
    'time an API function took to answer (route in properties)',
  ),
  ServerErrors: metric('Count', [], 'API answers with a 5xx status (route in properties)'),
  UploadBytes: metric('Bytes', [], 'bytes of the CARs POST /upload and /store stored'),
  IngestedObjects: metric('Count', [], 'staged CARs the ingest consumer took in'),
  PinOutcomes: metric('Count', ['status'], 'contents whose pin became pinned or failed'),
  CronSucceeded: metric('Count', ['cron'], 'successful runs of a scheduled job'),
  DealsRecorded: metric('Count', [], 'Filecoin deal records written by POST /deals'),
} as const satisfies Record<string, MetricSpec>;

export type MetricName = keyof typeof METRICS;
/** The dimensions a metric takes, by name. */
export type DimensionsOf<N extends MetricName> = {
  [D in (typeof METRICS)[N]['dimensions'][number]]: string;
};
