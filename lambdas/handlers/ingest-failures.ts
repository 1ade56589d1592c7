/**
 * The ingest dead-letter queue's consumer (lambdas/shared/ingest-dead-letters.ts): marks the
 * staged upload of a message every ingest attempt failed on `failed`, with the reason.
 */
import { loadConfig } from '../shared/config.ts';
import { ingestDeadLetterHandler } from '../shared/ingest-dead-letters.ts';
import { contentPorts, systemClock } from '../shared/wiring.ts';

const config = loadConfig();

export const handler = ingestDeadLetterHandler({
  staged: contentPorts(config).staged,
  clock: systemClock,
});
