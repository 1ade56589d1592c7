/**
 * The parts of pinstack the status page reports on, and the signals each is judged by: the
 * work queues it consumes (backlog with no progress, dead letters) and the scheduled jobs it
 * runs (no success in twice the job's period, or a failure since the last success) — the
 * same signals the alarms watch. A feature that adds a queue or a job adds it to its part here.
 */
import type { QueueName } from './functions.ts';

export interface StatusComponent {
  name: string;
  description: string;
  queues: readonly QueueName[];
  crons: readonly string[];
}

export const STATUS_COMPONENTS = [
  {
    name: 'api',
    description: 'The HTTP API, its table and the usage totals',
    queues: [],
    crons: ['stats'],
  },
  {
    name: 'ingest',
    description: 'Staged uploads and chunked DAGs',
    queues: ['ingestQueue'],
    crons: [],
  },
  {
    name: 'pinning',
    description: 'Pins, their repairs and unpins',
    queues: ['pinQueue'],
    crons: ['pin-status'],
  },
  { name: 'scraper', description: 'The chain scraper', queues: [], crons: ['scraper'] },
] as const satisfies readonly StatusComponent[];

/** A consumed queue with waiting work and no batch handled for this long is stalled. */
export const QUEUE_STALL_SECONDS = 15 * 60;
