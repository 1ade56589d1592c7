/** Response builders for the API's wire format (JSON, and plain text where nft.storage used it). */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

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

export function text(statusCode: number, body: string): ApiResponse {
  return { statusCode, headers: { 'content-type': 'text/plain;charset=UTF-8' }, body };
}

/** `{ok:true,value}`: the success envelope of most routes. */
export const okBody = <T>(value: T) => ({ ok: true as const, value });
