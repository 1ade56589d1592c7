/**
 * The nft.storage status objects: the pin of a content, its Filecoin deals, and the status
 * ("NFT") object of one upload. Core's view types are inferred from these.
 */
import * as z from 'zod/mini';
import { Cid, DateTime, described, named } from './schema.ts';

export const PIN_STATUSES = ['queued', 'pinning', 'pinned', 'failed'] as const;

export const PinStatus = named(
  'PinStatus',
  '`pinned` once the whole DAG is stored; `pinning` while a partial (chunked) DAG is ' +
    'incomplete; `queued` before processing; `failed` when pinning gave up',
  z.enum(PIN_STATUSES),
);

const Size = described('DAG size in bytes, 0 if unknown', z.int().check(z.nonnegative()));

export const Pin = named(
  'Pin',
  'The pin of the content, shared by every upload of it',
  z.object({
    cid: described('The content root as CIDv1', Cid),
    created: described('When anyone first stored this content', DateTime),
    size: Size,
    status: PinStatus,
  }),
);
export type PinView = z.infer<typeof Pin>;

export const DEAL_STATUSES = [
  'queued',
  'proposing',
  'accepted',
  'failed',
  'active',
  'published',
  'terminated',
] as const;

export const Deal = named(
  'Deal',
  'A Filecoin deal of the content (nft.storage shape), as a deal aggregator reported it',
  z.object({
    status: z.enum(DEAL_STATUSES),
    lastChanged: z.optional(DateTime),
    chainDealID: z.optional(z.int()),
    datamodelSelector: z.optional(z.string()),
    statusText: z.optional(z.string()),
    dealActivation: z.optional(DateTime),
    dealExpiration: z.optional(DateTime),
    miner: z.optional(z.string()),
    pieceCid: z.optional(z.string()),
    batchRootCid: z.optional(z.string()),
    network: z.optional(described('Filecoin network, e.g. `mainnet`', z.string())),
  }),
);
export type DealView = z.infer<typeof Deal>;

export const Deals = named(
  'Deals',
  'Filecoin deals a deal aggregator reported for the content (POST /deals); [] if none',
  z.array(Deal),
);

export const UploadFile = named(
  'File',
  'One file of a multipart upload',
  z.object({
    name: described('Path inside the directory', z.string()),
    type: described('MIME type of the part ("" if none)', z.string()),
  }),
);

export const Status = named(
  'Status',
  'The nft.storage status ("NFT") object of one upload',
  z.object({
    cid: described('The root CID as the caller supplied it', Cid),
    created: described('When the upload was created', DateTime),
    type: described(
      '"nft" (/store), "directory" (multipart), "application/car", or the MIME type of a raw ' +
        'upload ("" if none)',
      z.string(),
    ),
    scope: described('Name of the API key that made the upload', z.string()),
    files: described('[] unless multipart', z.array(UploadFile)),
    size: Size,
    name: described('x-name header or rename; default "Upload at <ISO time>"', z.string()),
    pin: Pin,
    deals: Deals,
  }),
);
export type NftStatus = z.infer<typeof Status>;

export const CheckResult = named(
  'CheckResult',
  'What is known about content, whoever uploaded it',
  z.object({ cid: described('The CID as requested', Cid), pin: Pin, deals: Deals }),
);
export type CheckView = z.infer<typeof CheckResult>;
