/**
 * CloudWatch metrics through Powertools for AWS Lambda's Metrics: lines in the embedded metric
 * format, which CloudWatch turns into metrics without an API call. Every metric is declared in
 * system/metrics.ts. A metric without dimensions is kept until the invocation's edge calls
 * `flushMetrics` (one line for all of an invocation's metrics and properties); one with
 * dimensions goes out at once as its own line. LOG_LEVEL=silent writes none.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  type DimensionsOf,
  METRIC_NAMESPACE,
  METRICS,
  type MetricName,
} from '../../system/metrics.ts';
import { isSilent } from './log.ts';

let metrics: Metrics | undefined;
const current = () =>
  (metrics ??= new Metrics({ namespace: METRIC_NAMESPACE, serviceName: 'pinstack' }));

export function recordMetric<N extends MetricName>(
  name: N,
  value: number,
  ...dimensions: (typeof METRICS)[N]['dimensions'] extends readonly [] ? [] : [DimensionsOf<N>]
): void {
  if (isSilent()) return;
  const { unit } = METRICS[name];
  const [named] = dimensions as [Record<string, string>?];
  if (!named) {
    current().addMetric(name, unit, value);
    return;
  }
  const single = current().singleMetric();
  for (const [dimension, at] of Object.entries(named)) single.addDimension(dimension, at);
  single.addMetric(name, unit, value);
}

/** Properties of the invocation's metric line (not dimensions: Logs Insights reads them). */
export function addMetricProperties(properties: Record<string, string | number>): void {
  if (isSilent()) return;
  for (const [key, value] of Object.entries(properties)) current().addMetadata(key, String(value));
}

/** Writes the invocation's metric line, if it recorded any (the edges call this last). */
export function flushMetrics(): void {
  const instance = current();
  if (isSilent() || !instance.hasStoredMetrics()) {
    instance.clearMetrics();
    instance.clearMetadata();
    return;
  }
  instance.publishStoredMetrics();
}
