import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { FN } from '#shared/contracts/names';
import { createTableInput, TTL_ATTRIBUTE } from '#shared/store/table';
import { buildApp } from '../../cdk/ccwatch-app';

const EXAMPLE = 'ccwatch.config.json';
// bundling is exercised by `cdk synth` and the benchmark; these tests read the template only
const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

function build(config = EXAMPLE) {
  const outdir = mkdtempSync(join(tmpdir(), 'ccwatch-cdk-'));
  const { app, stack } = buildApp({ outdir, context: { config, ...NO_BUNDLING } });
  return { app, stack, outdir };
}

function writeConfig(mutate: (c: any) => void): string {
  const cfg = JSON.parse(readFileSync(EXAMPLE, 'utf8'));
  mutate(cfg);
  const file = join(mkdtempSync(join(tmpdir(), 'ccwatch-cfg-')), 'ccwatch.config.json');
  writeFileSync(file, JSON.stringify(cfg));
  return file;
}

describe('the deployed stack', () => {
  let t: Template;
  let json: any;
  beforeAll(() => {
    const { stack } = build();
    t = Template.fromStack(stack);
    json = t.toJSON();
  });
  const resources = (type: string) => Object.entries(json.Resources as Record<string, any>).filter(([, r]) => r.Type === type);

  it('keeps state in one on-demand table with PITR and TTL, keyed as the store expects, retained', () => {
    const input = createTableInput('x');
    t.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: input.KeySchema,
        AttributeDefinitions: input.AttributeDefinitions,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
        Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
      }),
    });
  });

  it('has a KMS-encrypted topic per channel with its email and SMS subscribers', () => {
    expect(
      resources('AWS::SNS::Topic')
        .map(([, r]) => r.Properties.TopicName)
        .sort(),
    ).toEqual(['Ccwatch-oncall', 'Ccwatch-supervisors']);
    for (const [, r] of resources('AWS::SNS::Topic')) expect(r.Properties.KmsMasterKeyId).toBeDefined();
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'floor-leads@example.com' });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'sms', Endpoint: '+8613800138000' });
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('runs both functions on Node.js 24 arm64, unreserved (the fan-out runs one per source), JSON logs and retention', () => {
    const fns = resources('AWS::Lambda::Function').filter(([id]) => !id.startsWith('Ack'));
    expect(fns).toHaveLength(2);
    for (const [, f] of fns) {
      expect(f.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: { LogFormat: 'JSON' },
      });
      expect(f.Properties.ReservedConcurrentExecutions).toBeUndefined();
      expect(f.Properties.Timeout).toBeLessThan(60);
      expect(f.Properties.MemorySize).toBe(1024);
      expect(f.Properties.Environment.Variables.NODE_OPTIONS).toContain('--max-old-space-size=192');
      expect(Object.keys(f.Properties.Environment.Variables).sort()).toEqual([
        'CCWATCH_ACK_SECRET',
        'CCWATCH_ACK_URL',
        'CCWATCH_STACK',
        'CCWATCH_TABLE',
        'CCWATCH_TOPICS',
        'NODE_OPTIONS',
        'POWERTOOLS_SERVICE_NAME',
      ]);
    }
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('schedules each tick every minute with the scheduled time as input, retries and a DLQ', () => {
    const schedules = resources('AWS::Scheduler::Schedule');
    expect(schedules).toHaveLength(2);
    const machines = resources('AWS::StepFunctions::StateMachine').map(([id]) => id);
    for (const [, s] of schedules) {
      expect(s.Properties.ScheduleExpression).toBe('rate(1 minute)');
      expect(JSON.parse(s.Properties.Target.Input)).toEqual({ scheduledTime: '<aws.scheduler.scheduled-time>' });
      expect(s.Properties.Target.RetryPolicy.MaximumRetryAttempts).toBe(2);
      expect(s.Properties.Target.DeadLetterConfig.Arn).toBeDefined();
      // the schedule starts the tick's state machine, not a function
      expect(machines).toContain(s.Properties.Target.Arn.Ref);
    }
  });

  it('fans each tick out: an Express state machine reads every source in a Map, catches a failed source, then publishes', () => {
    const machines = resources('AWS::StepFunctions::StateMachine');
    expect(machines).toHaveLength(2);
    for (const [id, m] of machines) {
      expect(m.Properties.StateMachineType).toBe('EXPRESS');
      expect(m.Properties.LoggingConfiguration.Level).toBe('ALL');
      const definition = JSON.parse(
        (m.Properties.DefinitionString['Fn::Join'][1] as unknown[]).map((p) => (typeof p === 'string' ? p : 'ARN')).join(''),
      );
      expect(definition.StartAt).toBe('Sources');
      expect(definition.TimeoutSeconds).toBe(55);
      const each = definition.States.EachSource;
      expect(each).toMatchObject({ Type: 'Map', ItemsPath: '$.sources', MaxConcurrency: 40, ResultPath: '$.results', Next: 'Publish' });
      const read = each.ItemProcessor.States.ReadSource;
      expect(read.Parameters).toEqual({ stage: 'source', 'source.$': '$.source', 'tick.$': '$.tick' });
      expect(read.Catch[0]).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'SourceFailed' });
      expect(definition.States.Publish.Parameters).toEqual({ stage: 'publish', 'tick.$': '$.tick', 'results.$': '$.results' });
      expect(definition.States.Publish.End).toBe(true);
      const sources = definition.States.Sources.Parameters.sources;
      expect(sources).toEqual(id.startsWith('AgentStatus') ? ['itnio', 'huawei', 'nxcloud'] : ['itnio']);
    }
  });

  it('creates a placeholder secret per source and lets each function read only its own sources', () => {
    const secrets = resources('AWS::SecretsManager::Secret');
    expect(
      secrets
        .map(([, s]) => s.Properties.Name)
        .filter(Boolean)
        .sort(),
    ).toEqual(['Ccwatch/ccwatch/huawei', 'Ccwatch/ccwatch/itnio', 'Ccwatch/ccwatch/nxcloud']);
    // named `<stack>/<secretId>`: the functions are told the stack's name (shared/runtime/stack-secrets.ts)
    const idOf = (name: string) => secrets.find(([, s]) => s.Properties.Name === `Ccwatch/${name}`)![0];
    const policyOf = (fnPrefix: string) =>
      JSON.stringify(resources('AWS::IAM::Policy').find(([id]) => id.startsWith(fnPrefix) && id.includes('ServiceRole'))![1]);
    const agent = policyOf('AgentStatus');
    const tasks = policyOf('PreviewTasks');
    for (const name of ['ccwatch/itnio', 'ccwatch/huawei', 'ccwatch/nxcloud']) expect(agent).toContain(idOf(name));
    expect(tasks).toContain(idOf('ccwatch/itnio'));
    expect(tasks).not.toContain(idOf('ccwatch/huawei'));
    expect(tasks).not.toContain(idOf('ccwatch/nxcloud'));
  });

  it('grants no IAM action on "*" resources (but log delivery, which has no resource-level permissions)', () => {
    const logDelivery =
      /^logs:(Create|Get|Update|Delete|List)LogDeliver(y|ies)$|^logs:(PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups)$/;
    for (const [id, p] of resources('AWS::IAM::Policy')) {
      for (const st of p.Properties.PolicyDocument.Statement) {
        const res = [st.Resource].flat();
        if ([st.Action].flat().every((a: string) => logDelivery.test(a))) continue;
        expect(res, `${id}: ${JSON.stringify(st.Action)}`).not.toContain('*');
      }
    }
  });

  it('pages the critical channel on errors, throttles, dead letters, failed or late ticks and a silent watcher', () => {
    const alarms = resources('AWS::CloudWatch::Alarm');
    const oncall = resources('AWS::SNS::Topic').find(([, r]) => r.Properties.TopicName === 'Ccwatch-oncall')![0];
    expect(alarms).toHaveLength(12);
    expect(alarms.filter(([, a]) => ['ExecutionsFailed', 'ExecutionsTimedOut'].includes(a.Properties.MetricName))).toHaveLength(4);
    for (const [, a] of alarms) expect(JSON.stringify(a.Properties.AlarmActions)).toContain(oncall);
    const stale = alarms.filter(([, a]) => /no successful run/.test(a.Properties.AlarmDescription));
    expect(stale).toHaveLength(2);
    expect(stale[0]![1].Properties).toMatchObject({ ComparisonOperator: 'LessThanThreshold', Threshold: 1, TreatMissingData: 'breaching' });
    // a source read, or one still waiting for its credentials, counts as watched: a fresh deploy does not page
    const metrics = stale[0]![1].Properties.Metrics as any[];
    expect(metrics.find((m) => m.Expression)).toMatchObject({ Expression: 'FILL(ok, 0) + FILL(waiting, 0)' });
    const stat = (id: string) => metrics.find((m) => m.Id === id).MetricStat;
    expect(stat('ok')).toMatchObject({ Metric: { Namespace: 'ccwatch', MetricName: 'SourcesOk' }, Period: 300, Stat: 'Sum' });
    expect(stat('waiting')).toMatchObject({ Metric: { Namespace: 'ccwatch', MetricName: 'SourcesNotConfigured' }, Period: 300 });
  });

  it('has a dashboard of agents by state, active alerts, run duration and vendor errors', () => {
    const body = JSON.stringify(resources('AWS::CloudWatch::Dashboard')[0]![1].Properties.DashboardBody);
    for (const text of ['Agents by state: itnio', 'Active agent alerts', 'Run duration', 'Vendor errors', 'Agents_break'])
      expect(body).toContain(text);
  });

  it('exposes the acknowledge endpoint, unreserved unless configured, with access to alert episodes and its key only', () => {
    const [id, fn] = resources('AWS::Lambda::Function').find(([i]) => i.startsWith('Ack'))!;
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    t.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': [id, 'Arn'] } });
    const policy = resources('AWS::IAM::Policy').find(([pid]) => pid.startsWith('Ack'))![1];
    const statements = policy.Properties.PolicyDocument.Statement as any[];
    const ddb = statements.filter((st) => [st.Action].flat().some((a: string) => a.startsWith('dynamodb:')));
    // and a third, the open-alerts page's silences (test/infra/open-page.test.ts)
    expect(ddb).toHaveLength(3);
    expect([ddb[0].Action].flat().sort()).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(ddb[0].Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['EPISODE'] } });
    // the per-run "notified" history is read-only to it
    expect(ddb[1].Action).toBe('dynamodb:Query');
    expect(ddb[1].Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['HIST#*'] } });
    expect(ddb[2].Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['SILENCE'] } });
    const other = statements.filter((st) => !ddb.includes(st));
    expect(other.flatMap((st) => [st.Action].flat()).sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    expect(JSON.stringify(other)).toContain('AckSigningKey');
  });

  it('puts no secret or subscriber in function environments', () => {
    const envs = JSON.stringify(resources('AWS::Lambda::Function').map(([, f]) => f.Properties.Environment));
    expect(envs).not.toMatch(/REPLACE_ME|apiSecret|floor-leads|\+86/);
  });
});

describe('quality gates', () => {
  it('passes cdk-nag AwsSolutions: synth succeeds and the report lists no open violation', () => {
    const { app, outdir } = build();
    expect(() => app.synth()).not.toThrow();
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    const violations = (report.pluginReports ?? []).flatMap((r: { violations?: unknown[] }) => r.violations ?? []);
    expect(violations).toEqual([]);
  });

  it('fails synth on an unacknowledged finding', () => {
    const { app, stack } = build();
    // a topic without encryption or TLS enforcement is an AwsSolutions error
    new Topic(stack, 'Plain');
    expect(() => app.synth()).toThrow(/SNS Topic does not require publishers to use SSL/);
  });

  it('a config error fails synth with a message naming the config path', () => {
    const file = writeConfig((c) => (c.agentRules[1].after = 'later'));
    expect(() => build(file)).toThrow(/agentRules\[1\]\.after: expected a duration like "15m"/);
  });

  it("businessHoursOnly: cron schedules in the sources' timezone, and closed hours do not page", () => {
    const file = writeConfig((c) => {
      c.schedule.businessHoursOnly = true;
      c.taskRules = [];
      for (const s of c.sources)
        Object.assign(s, { timezone: 'Asia/Shanghai', businessHours: [{ days: ['mon', 'fri'], from: '08:00', to: '20:00' }] });
    });
    const t = Template.fromStack(build(file).stack);
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(* 8-19 ? * MON,FRI *)',
      ScheduleExpressionTimezone: 'Asia/Shanghai',
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('no successful run'),
      TreatMissingData: 'notBreaching',
    });
    // the example's sources do not share one timezone: synth says so
    expect(() => build(writeConfig((c) => (c.schedule.businessHoursOnly = true)))).toThrow(
      /schedule.businessHoursOnly \(agent-status\): the sources it polls must share one timezone/,
    );
  });

  it('without task rules there is no preview-tasks function', () => {
    const { stack } = build(writeConfig((c) => (c.taskRules = [])));
    const services = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')).map(
      (f: any) => f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME,
    );
    expect(services.sort()).toEqual([FN.ack, FN.agentStatus]);
  });
});
