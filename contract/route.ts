/**
 * What a route contract says: method, path, who may call it, the schemas of its parameters,
 * query, headers and body, and every response it may give with the error codes each status
 * carries. The HTTP edge validates requests with these schemas, route implementations are
 * typed by them, and the OpenAPI document is generated from them.
 */
import type * as z from 'zod/mini';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A JSON Schema written out, for bodies that are not JSON (multipart, binary, text). */
export type JsonSchema = { [keyword: string]: unknown };

export interface HeaderSpec {
  description: string;
  required?: boolean;
  schema: z.ZodMiniType<string>;
}

export interface ResponseSpec {
  description: string;
  /** A JSON body (`application/json;charset=UTF-8`). */
  json?: z.ZodMiniType;
  /** Bodies of other media types, as the document shows them. */
  media?: Record<string, JsonSchema>;
  headers?: Record<string, HeaderSpec>;
}

export interface RequestBodySpec {
  description: string;
  required: boolean;
  /** A JSON body, validated at the edge before the route runs. */
  json?: z.ZodMiniType;
  /** Bodies of other media types (multipart, binary): documented here, parsed by the route. */
  media?: Record<
    string,
    { schema: JsonSchema; encoding?: Record<string, { contentType: string }> }
  >;
}

export interface RouteContract {
  operationId: string;
  method: HttpMethod;
  /** e.g. `/check/{cid}`; `{name}` matches one path segment. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** `bearer`: an API key in `Authorization`; `none`: public. */
  auth: 'bearer' | 'none';
  /** Also answer under the legacy `/api` prefix. */
  legacyAlias: boolean;
  /**
   * The shape of its errors: nft.storage's envelope (the default), or the Pinning Service API's
   * `{"error":{"reason","details"}}`.
   */
  errorFormat?: 'nft.storage' | 'pinning-service';
  params?: z.ZodMiniObject;
  query?: z.ZodMiniObject;
  /** Request headers the route reads (lower-case names). */
  headers?: z.ZodMiniObject;
  body?: RequestBodySpec;
  responses: Record<number, ResponseSpec>;
}

/** Declares a route contract, keeping its literal types for the implementation's typing. */
export const route = <const C extends RouteContract>(contract: C): C => contract;

type Parsed<S> = S extends z.ZodMiniType ? z.output<S> : Record<string, never>;

/** What a route implementation receives: every part already validated by the contract. */
export interface RouteInput<C extends RouteContract> {
  params: Parsed<C['params']>;
  query: Parsed<C['query']>;
  headers: Parsed<C['headers']>;
  body: C['body'] extends { json: infer J } ? Parsed<J> : undefined;
}

type SuccessStatus<C extends RouteContract> = Extract<keyof C['responses'], 200 | 201 | 202 | 204>;

type BodyOf<R> = R extends { json: infer J }
  ? J extends z.ZodMiniType
    ? z.input<J>
    : never
  : string;

/** What a route implementation returns: one of its documented success responses. */
export type RouteResult<C extends RouteContract> = {
  [S in SuccessStatus<C>]: {
    status: S;
    body: BodyOf<C['responses'][S]>;
    headers?: Record<string, string>;
  };
}[SuccessStatus<C>];
