/**
 * A real EVM for tests, in this process: @nomicfoundation/edr (the Rust EVM and JSON-RPC
 * behind Hardhat), used directly — no Hardhat project, config file or compiler download.
 * EDR's JS API is meant for Hardhat and not semver-stable, so its version is pinned and every
 * EDR-specific line lives in this file.
 *
 * Dev accounts are unlocked (eth_sendTransaction), reverting eth_calls answer geth's error shape
 * (code 3 "execution reverted" with the revert data), one transaction mines one block.
 */
import {
  ContractDecoder,
  EdrContext,
  keccak256,
  L1_CHAIN_TYPE,
  l1GenesisState,
  l1HardforkFromString,
  l1ProviderFactory,
  MineOrdering,
  secp256k1PublicKeyFromSecretKey,
} from '@nomicfoundation/edr';

/** Hardhat's well-known development keys (accounts #0 to #2 of "test test … junk"). */
const DEV_KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
];

export interface JsonRpcRequest {
  id?: unknown;
  method: string;
  params?: unknown[];
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/** EDR's answer: only `{result}` or `{error}` (the HTTP front adds `jsonrpc` and `id`). */
export type EdrAnswer = { result: unknown; error?: undefined } | { error: JsonRpcErrorObject };

export class ChainError extends Error {
  override name = 'ChainError';
  readonly code: number;
  readonly data: unknown;
  constructor(error: JsonRpcErrorObject) {
    super(error.message);
    this.code = error.code;
    this.data = error.data;
  }
}

export interface EdrChain {
  chainId: number;
  accounts: string[];
  /** One request; throws ChainError on a JSON-RPC error. */
  request<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** One request, the answer as an object. */
  answer(request: JsonRpcRequest): Promise<EdrAnswer>;
  /** One request, EDR's answer text untouched when it succeeded (no parse of big answers). */
  answerText(request: JsonRpcRequest): Promise<string>;
}

const addressOf = (key: string) => {
  const publicKey = secp256k1PublicKeyFromSecretKey(Buffer.from(key.slice(2), 'hex'));
  return `0x${Buffer.from(keccak256(publicKey.subarray(1)))
    .subarray(12)
    .toString('hex')}`;
};

// EDR wants one context per process.
let context: Promise<EdrContext> | undefined;
const edrContext = () => {
  context ??= (async () => {
    const created = new EdrContext();
    await created.registerProviderFactory(L1_CHAIN_TYPE, l1ProviderFactory());
    return created;
  })();
  return context;
};

/** Hardhat answers a revert with its own shape; geth's is what real providers send. */
function gethRevert(error: JsonRpcErrorObject): JsonRpcErrorObject {
  const data = error.data as { reason?: { Revert?: unknown }; data?: unknown } | undefined;
  const revert = data?.reason?.Revert ?? data?.data;
  if (typeof revert !== 'string' || !/^0x[0-9a-f]*$/i.test(revert)) return error;
  return revert === '0x'
    ? { code: -32000, message: 'execution reverted' }
    : { code: 3, message: 'execution reverted', data: revert };
}

export async function createEdrChain(
  options: { chainId?: number; blockGasLimit?: bigint } = {},
): Promise<EdrChain> {
  const chainId = BigInt(options.chainId ?? 31337);
  const blockGasLimit = options.blockGasLimit ?? 1_000_000_000n;
  const hardfork = 'osaka';
  const accounts = DEV_KEYS.map(addressOf);
  const provider = await (await edrContext()).createProvider(
    L1_CHAIN_TYPE,
    {
      allowBlocksWithSameTimestamp: false,
      allowUnlimitedContractSize: false,
      // A reverting eth_call answers an error, as on a real node (false would answer the
      // revert data as a result, which reads like a URI).
      bailOnCallFailure: true,
      bailOnTransactionFailure: true,
      chainId,
      coinbase: Buffer.from('c014ba5ec014ba5ec014ba5ec014ba5ec014ba5e', 'hex'),
      defaultTransactionGasLimit: blockGasLimit,
      genesisState: [
        ...l1GenesisState(l1HardforkFromString(hardfork)),
        ...accounts.map((address) => ({
          address: Buffer.from(address.slice(2), 'hex'),
          balance: 10n ** 22n,
          code: new Uint8Array(),
        })),
      ],
      hardfork,
      initialBaseFeePerGas: 1_000_000_000n,
      minGasPrice: 0n,
      mining: { autoMine: true, blockGasLimit, memPool: { order: MineOrdering.Priority } },
      network: {
        genesisBlockGasLimit: blockGasLimit,
        genesisBlockTime: BigInt(Math.floor(Date.now() / 1000)),
      },
      networkId: chainId,
      observability: {},
      ownedAccounts: DEV_KEYS,
      precompileOverrides: [],
      // Osaka caps one transaction at 2^24 gas; bulk mints need more.
      transactionGasCap: false,
    },
    { enable: false, decodeConsoleLogInputsCallback: () => [], printLineCallback: () => {} },
    { subscriptionCallback: () => {} },
    new ContractDecoder(),
  );

  let nextId = 1;
  const send = async (request: JsonRpcRequest) => {
    const response = await provider.handleRequest(
      JSON.stringify({
        jsonrpc: '2.0',
        id: nextId++,
        method: request.method,
        params: request.params ?? [],
      }),
    );
    return typeof response.data === 'string' ? response.data : JSON.stringify(response.data);
  };

  const parse = (text: string): EdrAnswer => {
    const parsed = JSON.parse(text) as EdrAnswer;
    return parsed.error ? { error: gethRevert(parsed.error) } : parsed;
  };
  const answer = async (request: JsonRpcRequest) => parse(await send(request));

  return {
    chainId: Number(chainId),
    accounts,
    answer,
    async answerText(request) {
      const text = await send(request);
      // Errors are small: only they are parsed (to rewrite reverts).
      if (text.length < 65_536 && text.includes('"error"')) return JSON.stringify(parse(text));
      return text;
    },
    async request<T>(method: string, params: unknown[] = []) {
      const result = await answer({ method, params });
      if (result.error) throw new ChainError(result.error);
      return result.result as T;
    },
  };
}
