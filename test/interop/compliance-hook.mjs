// Loaded with `node --import` before @ipfs-shipyard/pinning-service-compliance@1.8.1, which
// cannot run offline or on Node 24 as published. Nothing on disk is changed:
// - its dist/src/utils/constants.js is rewritten as it loads: `specLocation` (a GitHub URL it
//   fetches at run time) becomes $PINNING_SPEC_PATH, a local copy of the spec, and `docsDir`
//   (where reports go, inside the package) becomes $PINNING_COMPLIANCE_DOCS_DIR;
// - the util.is* helpers Node 23 removed, which its schema checks (enjoi 6) still call, are put
//   back, or those checks die and silently drop out of its summary.
import { registerHooks } from 'node:module';
import util from 'node:util';

const legacy = {
  isArray: Array.isArray,
  isBoolean: (v) => typeof v === 'boolean',
  isNull: (v) => v === null,
  isNullOrUndefined: (v) => v == null,
  isNumber: (v) => typeof v === 'number',
  isString: (v) => typeof v === 'string',
  isSymbol: (v) => typeof v === 'symbol',
  isUndefined: (v) => v === undefined,
  isObject: (v) => v !== null && typeof v === 'object',
  isFunction: (v) => typeof v === 'function',
  isPrimitive: (v) => v === null || (typeof v !== 'object' && typeof v !== 'function'),
  isRegExp: (v) => v instanceof RegExp,
  isDate: (v) => v instanceof Date,
  isError: (v) => v instanceof Error,
};
for (const [name, fn] of Object.entries(legacy))
  if (typeof util[name] !== 'function') util[name] = fn;

const spec = process.env.PINNING_SPEC_PATH;
const docs = process.env.PINNING_COMPLIANCE_DOCS_DIR;
if (!spec || !docs) throw new Error('set PINNING_SPEC_PATH and PINNING_COMPLIANCE_DOCS_DIR');

registerHooks({
  load(url, context, nextLoad) {
    const loaded = nextLoad(url, context);
    if (!url.includes('/pinning-service-compliance/dist/src/utils/constants.js')) return loaded;
    const before = loaded.source.toString();
    const after = before
      .replace(/const specLocation = `[^`]+`;/, `const specLocation = ${JSON.stringify(spec)};`)
      .replace(/const docsDir = [^;]+;/, `const docsDir = ${JSON.stringify(docs)};`);
    if (after === before)
      throw new Error('compliance-hook: constants.js changed; another version?');
    return { ...loaded, source: after };
  },
});
