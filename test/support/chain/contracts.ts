/**
 * The test contracts (contracts/*.sol, on OpenZeppelin), compiled by solc-js from npm — the
 * compiler ships inside the package, nothing is downloaded — and cached on disk by a hash of
 * the sources and versions, so only the first test run pays for compiling. Deploying and
 * calling go through the chain's unlocked accounts; viem only encodes and decodes.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Abi,
  decodeFunctionResult,
  encodeDeployData,
  encodeFunctionData,
  type Hex,
} from 'viem';
import type { EdrChain } from './edr.ts';

const require = createRequire(import.meta.url);
const SOURCES = join(import.meta.dirname, 'contracts');
const CACHE = join(tmpdir(), 'pinstack-solc-cache');

export interface Artifact {
  abi: Abi;
  bytecode: Hex;
  deployedBytecode: Hex;
}

export type ContractName =
  | 'TestERC721'
  | 'TestERC1155'
  | 'TestERC721Consecutive'
  | 'TestERC20'
  | 'BulkERC721'
  | 'Multicall3';

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: Record<
    string,
    Record<
      string,
      { abi: Abi; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }
    >
  >;
}

let compiled: Promise<Record<ContractName, Artifact>> | undefined;

/** Every test contract, compiled once per process (and once per machine, through the cache). */
export function contracts(): Promise<Record<ContractName, Artifact>> {
  compiled ??= compile();
  return compiled;
}

async function compile(): Promise<Record<ContractName, Artifact>> {
  const sources: Record<string, { content: string }> = {};
  for (const file of (await readdir(SOURCES)).filter((f) => f.endsWith('.sol')).sort()) {
    sources[file] = { content: await readFile(join(SOURCES, file), 'utf8') };
  }
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      // OpenZeppelin 5.2+ uses mcopy: Cancun or later.
      evmVersion: 'cancun',
      optimizer: { enabled: true, runs: 200 },
      outputSelection: {
        '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] },
      },
    },
  };
  const solcVersion = require('solc/package.json').version as string;
  const ozVersion = require('@openzeppelin/contracts/package.json').version as string;
  const key = createHash('sha256')
    .update(JSON.stringify(input))
    .update(solcVersion)
    .update(ozVersion)
    .digest('hex')
    .slice(0, 32);
  const cached = join(CACHE, `${key}.json`);
  let output: SolcOutput;
  try {
    output = JSON.parse(await readFile(cached, 'utf8')) as SolcOutput;
  } catch {
    // Loading solc costs about half a second: only when the cache misses.
    const solc = require('solc') as { compile(input: string, options: object): string };
    const findImports = (path: string) => {
      try {
        return { contents: require('node:fs').readFileSync(require.resolve(path), 'utf8') };
      } catch {
        return { error: `not found: ${path}` };
      }
    };
    output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports })) as SolcOutput;
    const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
    if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
    await mkdir(CACHE, { recursive: true });
    await writeFile(cached, JSON.stringify({ contracts: output.contracts }));
  }
  const artifacts: Partial<Record<ContractName, Artifact>> = {};
  for (const [file, byName] of Object.entries(output.contracts)) {
    if (!(file in sources)) continue;
    for (const [name, c] of Object.entries(byName)) {
      artifacts[name as ContractName] = {
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
      };
    }
  }
  return artifacts as Record<ContractName, Artifact>;
}

interface Receipt {
  status: string;
  contractAddress: string | null;
  blockNumber: string;
  blockHash: string;
}

/** Deploys and calls contracts from the chain's first (unlocked) account. */
export function deployer(chain: EdrChain, from = chain.accounts[0] as string) {
  async function transact(tx: Record<string, unknown>): Promise<Receipt> {
    const hash = await chain.request<string>('eth_sendTransaction', [{ from, ...tx }]);
    // Automine: the receipt exists as soon as the transaction is accepted.
    const receipt = await chain.request<Receipt>('eth_getTransactionReceipt', [hash]);
    if (receipt.status !== '0x1') throw new Error(`transaction ${hash} reverted`);
    return receipt;
  }
  return {
    async deploy(artifact: Artifact, args: unknown[] = []): Promise<`0x${string}`> {
      const receipt = await transact({ data: encodeDeployData({ ...artifact, args }) });
      return receipt.contractAddress as `0x${string}`;
    },
    send(artifact: Artifact, to: string, functionName: string, args: unknown[] = []) {
      return transact({ to, data: encodeFunctionData({ abi: artifact.abi, functionName, args }) });
    },
    async read<T>(artifact: Artifact, to: string, functionName: string, args: unknown[] = []) {
      const data = encodeFunctionData({ abi: artifact.abi, functionName, args });
      const answer = await chain.request<Hex>('eth_call', [{ to, data }, 'latest']);
      return decodeFunctionResult({ abi: artifact.abi, functionName, data: answer }) as T;
    },
  };
}

/** Multicall3 at its canonical address, as mainnet has it. */
export async function installMulticall3(chain: EdrChain): Promise<void> {
  const { Multicall3 } = await contracts();
  await chain.request('hardhat_setCode', [
    '0xcA11bde05977b3631167028862bE2a173976CA11',
    Multicall3.deployedBytecode,
  ]);
}
