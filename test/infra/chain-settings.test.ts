/**
 * The scraper's settings as a deployment gives them: CHAINS checked at synth, passed to the
 * functions as the deployer wrote it, RPC URLs named as secrets granted to the scraper alone
 * (through the Parameters and Secrets extension) and never written into the template;
 * IPFS_GATEWAYS' public default applying to deployments only.
 */
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lambdas/shared/config.ts';
import { readStackConfig } from '../../lib/stack-config.ts';
import { functions } from '../../system/functions.ts';
import { PUBLIC_TRUSTLESS_GATEWAYS } from '../../system/pin-providers.ts';
import { actionsOf, buildStack, functionStatements, logicalId } from './helpers.ts';

const configFor = (context: Record<string, unknown>) => readStackConfig(new App({ context }).node);

const CHAINS = [
  { chainId: 1, rpcUrl: 'secretsmanager:pinstack/mainnet-rpc', startBlock: 12_287_507 },
  { chainId: 137, rpcUrl: 'ssm:/pinstack/polygon-rpc', startBlock: 0, confirmations: 64 },
  {
    chainId: 10,
    rpcUrl: 'secretsmanager:arn:aws:secretsmanager:us-east-1:123456789012:secret:op-AbCdEf',
    startBlock: 0,
  },
  { chainId: 8453, rpcUrl: 'https://mainnet.base.org', startBlock: 0, windowBlocks: 500 },
];

describe('CHAINS', () => {
  it('is read as JSON, with defaults for what a chain leaves out', () => {
    const config = loadConfig({ CHAINS: JSON.stringify(CHAINS.slice(3)) });
    expect(config.CHAINS).toEqual([
      {
        chainId: 8453,
        rpcUrl: 'https://mainnet.base.org',
        startBlock: 0,
        confirmations: 12,
        windowBlocks: 500,
      },
    ]);
    expect(loadConfig({}).CHAINS).toBeUndefined();
  });

  it.each([
    ['not JSON', 'chains', /CHAINS="chains": must be JSON/],
    ['not a list', '{}', /CHAINS="\{\}": must be a JSON array of chains/],
    [
      'a key it does not know',
      '[{"chainId":1,"rpcUrl":"https://x","startBlock":0,"rpcURL":"x"}]',
      /0: unknown key rpcURL/,
    ],
    [
      'a URL that is neither http(s) nor a secret',
      '[{"chainId":1,"rpcUrl":"wss://x","startBlock":0}]',
      /0\.rpcUrl: must be an http\(s\) URL or name a secret/,
    ],
    [
      'a malformed secret name',
      '[{"chainId":1,"rpcUrl":"secretsmanager:","startBlock":0}]',
      /0\.rpcUrl/,
    ],
    [
      'a bad allow-list entry',
      '[{"chainId":1,"rpcUrl":"https://x","startBlock":0,"contracts":["0x12"]}]',
      /0\.contracts\.0: must be an address/,
    ],
    [
      'a chain twice',
      '[{"chainId":1,"rpcUrl":"https://x","startBlock":0},{"chainId":1,"rpcUrl":"https://y","startBlock":5}]',
      /each chainId at most once/,
    ],
    ['a negative start', '[{"chainId":1,"rpcUrl":"https://x","startBlock":-1}]', /0\.startBlock/],
  ])('refuses %s, naming where', (_name, text, message) => {
    expect(() => loadConfig({ CHAINS: text })).toThrow(message);
    expect(() => configFor({ CHAINS: text })).toThrow(message);
  });

  it('reaches every function as the deployer wrote it, from text or from cdk.json JSON', () => {
    const asText = configFor({ CHAINS: JSON.stringify(CHAINS) });
    expect(JSON.parse(asText.functionEnvironment.CHAINS as string)).toEqual(CHAINS);
    const asJson = configFor({ CHAINS });
    expect(JSON.parse(asJson.functionEnvironment.CHAINS as string)).toEqual(CHAINS);
  });

  it('names the secrets it refers to', () => {
    expect(configFor({ CHAINS }).settingSecrets.CHAINS).toEqual([
      { store: 'secretsmanager', id: 'pinstack/mainnet-rpc' },
      { store: 'ssm', id: '/pinstack/polygon-rpc' },
      {
        store: 'secretsmanager',
        id: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:op-AbCdEf',
      },
    ]);
  });
});

describe('IPFS_GATEWAYS', () => {
  it('defaults to public trustless gateways for a deployment only', () => {
    expect(configFor({}).functionEnvironment.IPFS_GATEWAYS).toBe(
      PUBLIC_TRUSTLESS_GATEWAYS.join(','),
    );
    expect(loadConfig({}).IPFS_GATEWAYS).toBeUndefined();
  });

  it('takes a list, or none', () => {
    expect(
      loadConfig({ IPFS_GATEWAYS: 'https://a.example, http://b.example/' }).IPFS_GATEWAYS,
    ).toEqual(['https://a.example', 'http://b.example']);
    expect(loadConfig({ IPFS_GATEWAYS: 'none' }).IPFS_GATEWAYS).toEqual([]);
    expect(configFor({ IPFS_GATEWAYS: 'none' }).functionEnvironment.IPFS_GATEWAYS).toBe('none');
    expect(() => loadConfig({ IPFS_GATEWAYS: 'https://a.example,ftp://b' })).toThrow(
      /IPFS_GATEWAYS.*ftp:\/\/b is not an http\(s\) URL/,
    );
  });
});

describe('RPC secrets in the stack', () => {
  const { stack, template } = buildStack({ CHAINS: JSON.stringify(CHAINS) });
  const lambdas = template.findResources('AWS::Lambda::Function');
  const secretActions = (name: (typeof functions)[number]['name']) =>
    functionStatements(stack, template, name).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('secretsmanager:') || a.startsWith('ssm:')),
    );

  it('grants the scraper exactly the named secrets, read-only', () => {
    const statements = secretActions('scraper');
    expect(statements.map((s) => actionsOf(s)).sort()).toEqual([
      ['secretsmanager:GetSecretValue'],
      ['ssm:GetParameter'],
    ]);
    const resources = JSON.stringify(statements.map((s) => s.Resource));
    expect(resources).toContain(':secret:pinstack/mainnet-rpc-??????');
    expect(resources).toContain('arn:aws:secretsmanager:us-east-1:123456789012:secret:op-AbCdEf');
    expect(resources).toContain(':parameter/pinstack/polygon-rpc');
    expect(resources).not.toContain('*');
  });

  it('grants no other function any secret but the provider key, to those bound to it', () => {
    for (const spec of functions.filter((fn) => fn.name !== 'scraper')) {
      const resources = secretActions(spec.name).map((s) => JSON.stringify(s.Resource));
      if ('providerKey' in spec.bindings) {
        expect(resources.length, spec.name).toBeGreaterThan(0);
        for (const resource of resources) expect(resource, spec.name).toMatch(/"Ref":"ProviderKey/);
      } else {
        expect(resources, spec.name).toEqual([]);
      }
    }
  });

  it('adds the Parameters and Secrets extension to the scraper only', () => {
    const scraper = lambdas[logicalId(stack.functions.scraper.fn)];
    expect(JSON.stringify(scraper?.Properties.Layers)).toMatch(
      /ParamsAndSecrets|AWS-Parameters-and-Secrets/i,
    );
    for (const spec of functions.filter((fn) => fn.name !== 'scraper')) {
      expect(
        lambdas[logicalId(stack.functions[spec.name].fn)]?.Properties.Layers,
        spec.name,
      ).toBeUndefined();
    }
  });

  it('writes no RPC URL into the template, only the names of its secrets', () => {
    const text = JSON.stringify(template.toJSON());
    expect(text).toContain('secretsmanager:pinstack/mainnet-rpc');
    expect(text).not.toMatch(/v3\/[0-9a-f]{32}/);
  });

  it('needs no extension when no chain names a secret', () => {
    const { stack: plain, template: plainTemplate } = buildStack({
      CHAINS: JSON.stringify(CHAINS.slice(3)),
    });
    const scraper =
      plainTemplate.findResources('AWS::Lambda::Function')[logicalId(plain.functions.scraper.fn)];
    expect(scraper?.Properties.Layers).toBeUndefined();
    expect(
      functionStatements(plain, plainTemplate, 'scraper').filter((s) =>
        actionsOf(s).some((a) => a.startsWith('secretsmanager:') || a.startsWith('ssm:')),
      ),
    ).toEqual([]);
  });
});
