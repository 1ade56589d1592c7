/**
 * Filecoin deal records: reported by a deal aggregator (POST /deals, an admin route), shown in
 * nft.storage's deal shape on GET /{cid} and GET /check/{cid}. A deal is recorded per content
 * and chain deal id, so a repeat report is stored once (and counted once in the usage totals).
 */
import type { DealReport } from '../../contract/deals.ts';
import type { DealView } from '../../contract/status.ts';
import { parseContentId } from '../codecs/cid.ts';
import { failure, type InvalidCid, type InvalidRequest, type NotFound } from './failures.ts';
import type { Clock, ContentStore, DealRecord, DealStore, StatsStore } from './ports.ts';
import { err, ok, type Result } from './result.ts';
import { settleAll } from './stats.ts';

export interface DealPorts {
  contents: Pick<ContentStore, 'get'>;
  deals: DealStore;
  stats: StatsStore;
  clock: Clock;
}

/** Deal records written at once. */
const WRITE_CONCURRENCY = 10;

/**
 * Records the reported deals. Every content (or CAR) is resolved before anything is written: an
 * unknown one refuses the whole report.
 */
export async function recordDeals(
  reports: DealReport[],
  ports: DealPorts,
): Promise<
  Result<{ recorded: number; unchanged: number }, NotFound | InvalidRequest | InvalidCid>
> {
  const resolved: Omit<DealRecord, 'created' | 'updated'>[] = [];
  for (const [i, report] of reports.entries()) {
    if ((report.cid === undefined) === (report.carCid === undefined)) {
      return err(failure.invalidRequest(`deals.${i}: give exactly one of cid and carCid`));
    }
    const id = report.cid === undefined ? undefined : parseContentId(report.cid);
    if (report.cid !== undefined && !id) return err(failure.invalidCid(report.cid));
    const cid = id?.v1 ?? (await ports.deals.contentOfCar(report.carCid as string));
    if (!cid || !(await ports.contents.get(cid))) {
      return err(failure.notFound(`No content ${report.cid ?? `with the CAR ${report.carCid}`}`));
    }
    const { cid: _cid, dealId, network, ...rest } = report;
    resolved.push({ ...rest, cid, dealId: String(dealId), network: network ?? 'mainnet' });
  }
  const now = ports.clock.now().toISOString();
  let recorded = 0;
  // One write per content and deal id: a report repeated in the request is one deal.
  const unique = [
    ...new Map(resolved.map((deal) => [`${deal.cid}#${deal.dealId}`, deal])).values(),
  ];
  const queue = [...unique];
  const worker = async () => {
    for (let deal = queue.shift(); deal; deal = queue.shift()) {
      const existing = await ports.deals.get(deal.cid, deal.dealId);
      if (existing && sameReport(existing, deal)) continue;
      await ports.deals.put({ ...deal, created: existing?.created ?? now, updated: now });
      recorded++;
    }
  };
  await Promise.all(Array.from({ length: WRITE_CONCURRENCY }, worker));
  await settleAll(
    unique.map((deal) => ({ kind: 'deal' as const, cid: deal.cid, dealId: deal.dealId })),
    ports,
  );
  return ok({ recorded, unchanged: reports.length - recorded });
}

const REPORTED: (keyof DealRecord)[] = [
  'status',
  'pieceCid',
  'provider',
  'network',
  'dataModelSelector',
  'batchRootCid',
  'carCid',
  'statusText',
  'activation',
  'expiration',
];

const sameReport = (a: Partial<DealRecord>, b: Partial<DealRecord>) =>
  REPORTED.every((field) => a[field] === b[field]);

/** A deal in nft.storage's shape. */
export function dealView(deal: DealRecord): DealView {
  return {
    status: deal.status,
    lastChanged: deal.updated,
    chainDealID: Number(deal.dealId),
    pieceCid: deal.pieceCid,
    miner: deal.provider,
    network: deal.network,
    ...(deal.dataModelSelector ? { datamodelSelector: deal.dataModelSelector } : {}),
    ...(deal.batchRootCid ? { batchRootCid: deal.batchRootCid } : {}),
    ...(deal.statusText ? { statusText: deal.statusText } : {}),
    ...(deal.activation ? { dealActivation: deal.activation } : {}),
    ...(deal.expiration ? { dealExpiration: deal.expiration } : {}),
  };
}
