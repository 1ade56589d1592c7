/**
 * Pin request ids of the Pinning Service API: UUIDv7s whose timestamp is the request's creation
 * time (milliseconds, unique per user). Unguessable, and they name the time a request is stored
 * under, so looking one up needs no index.
 */
import { randomBytes } from 'node:crypto';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function requestIdFor(createdMs: number): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(createdMs, 0, 6);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The creation time (ISO) a request id names, or undefined when it is not one of ours. */
export function createdOf(requestId: string): string | undefined {
  if (!UUID_V7.test(requestId)) return undefined;
  const date = new Date(Number.parseInt(requestId.replace(/-/g, '').slice(0, 12), 16));
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
