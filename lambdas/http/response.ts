/** Response builders for the nft.storage wire format. */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ApiFailure } from '../core/errors.ts';

export type ApiResponse = APIGatewayProxyStructuredResultV2 & {
  statusCode: number;
  headers: Record<string, string>;
};

const JSON_TYPE = 'application/json;charset=UTF-8';

export function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): ApiResponse {
  return {
    statusCode,
    headers: { 'content-type': JSON_TYPE, ...headers },
    body: JSON.stringify(body),
  };
}

/** `{ok:true,value}` — the success envelope of most routes. */
export const okValue = (value: unknown, headers?: Record<string, string>) =>
  json(200, { ok: true, value }, headers);

/** `{ok:false,error:{code,message}}` with the failure's status. */
export const failed = (failure: ApiFailure) =>
  json(
    failure.status,
    { ok: false, error: { code: failure.code, message: failure.message } },
    failure.headers,
  );

export function text(statusCode: number, body: string): ApiResponse {
  return { statusCode, headers: { 'content-type': 'text/plain;charset=UTF-8' }, body };
}

/** Thrown inside routes to answer with an expected failure; the error middleware maps it. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly failure: ApiFailure;
  constructor(failure: ApiFailure) {
    super(failure.message);
    this.failure = failure;
  }
}

/** Unwraps a core result, throwing its failure for the edge to answer. */
export function expectOk<T>(result: { ok: true; value: T } | { ok: false; error: ApiFailure }): T {
  if (!result.ok) throw new ApiError(result.error);
  return result.value;
}
