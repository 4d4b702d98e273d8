import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { keys } from '#shared/store/table';
import { buildApp } from '../../cdk/ccwatch-app';

// bundling (the config inlined into the ack function) is exercised by test/infra/synth.test.ts
const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

describe('the open-alerts page in the stack', () => {
  const { stack } = buildApp({
    outdir: mkdtempSync(join(tmpdir(), 'ccwatch-cdk-')),
    context: { config: 'ccwatch.config.json', ...NO_BUNDLING },
  });
  const json = Template.fromStack(stack).toJSON();
  const resources = Object.entries(json.Resources as Record<string, any>);
  const ackPolicy = resources.find(([id, r]) => id.startsWith('Ack') && r.Type === 'AWS::IAM::Policy')![1];
  const statements = ackPolicy.Properties.PolicyDocument.Statement as any[];
  const leading = (st: any) => Object.values(st.Condition ?? {}).flatMap((c: any) => c['dynamodb:LeadingKeys'] ?? []);

  it('lets the ack endpoint read runtime silences and add one, in the silence partition only', () => {
    const silence = statements.filter((st) => leading(st).includes(keys.silencePk));
    expect(silence).toHaveLength(1);
    expect([silence[0].Action].flat().sort()).toEqual(['dynamodb:PutItem', 'dynamodb:Query']);
    expect(silence[0].Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['SILENCE'] } });
    expect(silence[0].Effect).toBe('Allow');
  });

  it('grants no DynamoDB action outside a leading-key condition, and no scan, delete or item read', () => {
    const ddb = statements.filter((st) => [st.Action].flat().some((a: string) => a.startsWith('dynamodb:')));
    for (const st of ddb) expect(leading(st).length, JSON.stringify(st)).toBeGreaterThan(0);
    const actions = new Set(ddb.flatMap((st) => [st.Action].flat()));
    for (const a of ['dynamodb:Scan', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:*']) expect(actions.has(a)).toBe(false);
    // the episode partition keeps exactly its acknowledge rights
    const episode = ddb.find((st) => leading(st).includes(keys.episodePk));
    expect([episode.Action].flat().sort()).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
  });

  it('keeps the config out of the environment: it is inlined at bundling, like the scheduled functions', () => {
    const [, ack] = resources.find(([id, r]) => id.startsWith('Ack') && r.Type === 'AWS::Lambda::Function')!;
    expect(Object.keys(ack.Properties.Environment.Variables)).not.toContain('CCWATCH_CONFIG');
  });
});
