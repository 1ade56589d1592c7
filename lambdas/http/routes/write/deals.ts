/** POST /deals: an admin key reports Filecoin deals of stored content. */
import { recordDeals } from '../../../../contract/deals.ts';
import { recordDeals as record } from '../../../core/deals.ts';
import { expectOk } from '../../../core/failures.ts';
import { recordMetric } from '../../../shared/metrics.ts';
import { authorizeAdmin, type WriteDeps } from '../../deps.ts';
import { okBody } from '../../response.ts';
import { implementer } from '../../router.ts';

const write = implementer<WriteDeps>();

export const dealWriteRoutes = [
  write(recordDeals, async ({ body }, context) => {
    await authorizeAdmin(context);
    const value = expectOk(await record(body.deals, context.deps.ports));
    if (value.recorded > 0) recordMetric('DealsRecorded', value.recorded);
    return { status: 200, body: okBody(value) };
  }),
];
