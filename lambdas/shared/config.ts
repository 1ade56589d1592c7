/**
 * The functions' typed configuration, read once per container (cold start) from the settings
 * declared in system/settings.ts; a missing or malformed value throws at once with its name.
 */
import { RESOURCE_ENV } from '../../system/functions.ts';
import { readSettings, SettingsError, type SettingValues } from '../../system/settings.ts';

export type Config = SettingValues<'function' | 'runtime' | 'binding'>;
export type ResourceName = Exclude<keyof typeof RESOURCE_ENV, 'queueStats'>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return readSettings(['function', 'runtime', 'binding'], (name) => env[name]);
}

/** The name of a bound resource, or a fail-fast error naming the missing env var. */
export function resource(config: Config, name: ResourceName): string {
  const envName = RESOURCE_ENV[name];
  const value = config[envName];
  if (!value) throw new SettingsError(`Missing env var: ${envName}`);
  return value;
}

/** Every work queue and its DLQ (the queueStats binding), or the fail-fast error. */
export function boundQueues(config: Config): Record<string, { url: string; dlq: string }> {
  if (!config.QUEUE_URLS) throw new SettingsError(`Missing env var: ${RESOURCE_ENV.queueStats}`);
  return config.QUEUE_URLS;
}
