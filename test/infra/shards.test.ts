import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../cdk/ccwatch-app';

describe('a sharded source in the deployed stack', () => {
  it('gives the agent-status state machine one Map item per shard, named as the source stages store them', () => {
    const cfg = JSON.parse(readFileSync('ccwatch.config.json', 'utf8'));
    for (const s of cfg.sources) if (s.vendor === 'nxcloud') s.shards = 4;
    const file = join(mkdtempSync(join(tmpdir(), 'ccwatch-cfg-')), 'ccwatch.config.json');
    writeFileSync(file, JSON.stringify(cfg));
    const outdir = mkdtempSync(join(tmpdir(), 'ccwatch-cdk-'));
    const { stack } = buildApp({ outdir, context: { config: file, 'aws:cdk:bundling-stacks': [] } });
    const machines = Object.entries(Template.fromStack(stack).toJSON().Resources as Record<string, any>).filter(
      ([, r]) => r.Type === 'AWS::StepFunctions::StateMachine',
    );
    const items = Object.fromEntries(
      machines.map(([id, m]) => {
        const definition = JSON.parse(
          (m.Properties.DefinitionString['Fn::Join'][1] as unknown[]).map((p) => (typeof p === 'string' ? p : 'ARN')).join(''),
        );
        return [id.startsWith('AgentStatus') ? 'agents' : 'tasks', definition.States.Sources.Parameters.sources];
      }),
    );
    expect(items.agents).toEqual(['itnio', 'huawei', 'nxcloud:1/4', 'nxcloud:2/4', 'nxcloud:3/4', 'nxcloud:4/4']);
    expect(items.tasks).toEqual(['itnio']);
  });
});
