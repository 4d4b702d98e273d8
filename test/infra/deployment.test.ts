import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { build, configWith, ofType } from '../support/stack';

const VPC = {
  vpcId: 'vpc-0123456789abcdef0',
  subnetIds: ['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb'],
  routeTableIds: ['rtb-0cccccccccccccccc'],
};

/** The example stack, and the same under another stack name: built once each, read by several tests. */
const once = <T>(make: () => T) => {
  let made: T | undefined;
  return () => (made ??= make());
};
const plain = once(() => build(configWith()));
const staging = once(() => build(configWith(), { stackName: 'CcwatchStaging' }));
/** Service name -> function properties. */
const functions = (json: { Resources: Record<string, any> }): Record<string, any> =>
  Object.fromEntries(
    ofType(json, 'AWS::Lambda::Function').map(([, f]) => [f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME, f.Properties]),
  );

function nagViolations(app: { synth(): unknown }, outdir: string): unknown[] {
  app.synth();
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
  return (report.pluginReports ?? []).flatMap((r: { violations?: unknown[] }) => r.violations ?? []);
}

describe('deployment.vpc', () => {
  // one build for the tests that read the same template (synth is slow on a loaded machine)
  let json: { Resources: Record<string, any> };
  beforeAll(() => {
    json = build(configWith((c) => (c.deployment = { vpc: VPC }))).json;
  });

  it('puts agent-status and preview-tasks in the subnets, with a created security group; the ack endpoint stays outside', () => {
    const fns = functions(json);
    const sgs = ofType(json, 'AWS::EC2::SecurityGroup');
    const functionsSg = sgs.find(([id]) => id.includes('FunctionsSg'))!;
    for (const name of ['agent-status', 'preview-tasks']) {
      expect(fns[name].VpcConfig).toEqual({
        SubnetIds: VPC.subnetIds,
        SecurityGroupIds: [{ 'Fn::GetAtt': [functionsSg[0], 'GroupId'] }],
      });
    }
    expect(fns.ack.VpcConfig).toBeUndefined();
    // egress to HTTPS, the example's on-premise Huawei port and DNS only; nothing comes in
    expect(functionsSg[1].Properties.VpcId).toBe(VPC.vpcId);
    expect(functionsSg[1].Properties.SecurityGroupIngress).toBeUndefined();
    expect(functionsSg[1].Properties.SecurityGroupEgress.map((e: any) => [e.IpProtocol, e.FromPort, e.ToPort, e.CidrIp]).sort()).toEqual([
      ['tcp', 28080, 28080, '0.0.0.0/0'],
      ['tcp', 443, 443, '0.0.0.0/0'],
      ['tcp', 53, 53, '0.0.0.0/0'],
      ['udp', 53, 53, '0.0.0.0/0'],
    ]);
    // a function in a VPC manages its network interfaces through the VPC access policy
    const roles = ofType(json, 'AWS::IAM::Role').filter(([id]) => id.includes('FnFunctionServiceRole'));
    const vpcRoles = roles.filter(([, r]) => JSON.stringify(r.Properties.ManagedPolicyArns).includes('AWSLambdaVPCAccessExecutionRole'));
    expect(vpcRoles.map(([id]) => id.replace(/FnFunction.*/, '')).sort()).toEqual(['AgentStatus', 'PreviewTasks']);
  });

  it('endpoints "create" (the default): a DynamoDB gateway endpoint on the route tables, SNS and Secrets Manager interface endpoints with private DNS', () => {
    const endpoints = ofType(json, 'AWS::EC2::VPCEndpoint').map(([id, e]) => ({ id, ...e.Properties }));
    const service = (e: any) => (e.ServiceName['Fn::Join'][1] as unknown[]).at(-1);
    expect(endpoints.map(service).sort()).toEqual(['.dynamodb', '.secretsmanager', '.sns']);
    const gateway = endpoints.find((e) => service(e) === '.dynamodb')!;
    expect(gateway).toMatchObject({ VpcEndpointType: 'Gateway', VpcId: VPC.vpcId, RouteTableIds: VPC.routeTableIds });
    const endpointSg = ofType(json, 'AWS::EC2::SecurityGroup').find(([id]) => id.includes('EndpointsSg'))!;
    const functionsSg = ofType(json, 'AWS::EC2::SecurityGroup').find(([id]) => id.includes('FunctionsSg'))!;
    for (const e of endpoints.filter((x) => x !== gateway)) {
      expect(e).toMatchObject({
        VpcEndpointType: 'Interface',
        VpcId: VPC.vpcId,
        SubnetIds: VPC.subnetIds,
        PrivateDnsEnabled: true,
        SecurityGroupIds: [{ 'Fn::GetAtt': [endpointSg[0], 'GroupId'] }],
      });
    }
    // the interface endpoints take HTTPS from the functions' group only
    expect(endpointSg[1].Properties.SecurityGroupIngress).toEqual([
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        SourceSecurityGroupId: { 'Fn::GetAtt': [functionsSg[0], 'GroupId'] },
      }),
    ]);
    // the functions wait for the endpoints their first tick needs
    for (const [id, f] of ofType(json, 'AWS::Lambda::Function').filter(([i]) => !i.startsWith('Ack')))
      expect(f.DependsOn, id).toEqual(expect.arrayContaining(endpoints.map((e) => e.id)));
  });

  it('endpoints "none" adds no endpoint; given security groups are used as they are, and none is created', () => {
    const { json } = build(
      configWith(
        (c) =>
          (c.deployment = {
            vpc: { vpcId: VPC.vpcId, subnetIds: VPC.subnetIds, endpoints: 'none', securityGroupIds: ['sg-0dddddddddddddddd'] },
          }),
      ),
    );
    expect(ofType(json, 'AWS::EC2::VPCEndpoint')).toEqual([]);
    expect(ofType(json, 'AWS::EC2::SecurityGroup')).toEqual([]);
    const fns = functions(json);
    for (const name of ['agent-status', 'preview-tasks'])
      expect(fns[name].VpcConfig).toEqual({ SubnetIds: VPC.subnetIds, SecurityGroupIds: ['sg-0dddddddddddddddd'] });
    expect(fns.ack.VpcConfig).toBeUndefined();
  });

  it('without deployment.vpc nothing is in a VPC and no network resource exists', () => {
    const { json } = plain();
    for (const f of Object.values(functions(json))) expect(f.VpcConfig).toBeUndefined();
    expect(Object.values(json.Resources).filter((r) => r.Type.startsWith('AWS::EC2::'))).toEqual([]);
  });

  it('passes cdk-nag with the VPC and its endpoints', () => {
    const { app, outdir } = build(configWith((c) => (c.deployment = { vpc: VPC })));
    expect(nagViolations(app, outdir)).toEqual([]);
  });
});

describe('deployment.reservedConcurrency', () => {
  it('reserves nothing anywhere by default (a new account has only 10 executions, all of which must stay unreserved)', () => {
    const { json } = plain();
    const fns = ofType(json, 'AWS::Lambda::Function');
    expect(fns).toHaveLength(3);
    for (const [id, f] of fns) expect(f.Properties.ReservedConcurrentExecutions, id).toBeUndefined();
  });

  it('reserves exactly what is configured, per function', () => {
    const { json } = build(configWith((c) => (c.deployment = { reservedConcurrency: { agentStatus: 5, ack: 2 } })));
    const fns = functions(json);
    expect(fns['agent-status'].ReservedConcurrentExecutions).toBe(5);
    expect(fns['preview-tasks'].ReservedConcurrentExecutions).toBeUndefined();
    expect(fns.ack.ReservedConcurrentExecutions).toBe(2);
    const all = functions(
      build(configWith((c) => (c.deployment = { reservedConcurrency: { agentStatus: 3, previewTasks: 1, ack: 1 } }))).json,
    );
    expect([all['agent-status'], all['preview-tasks'], all.ack].map((f) => f.ReservedConcurrentExecutions)).toEqual([3, 1, 1]);
  });

  it('refuses a reservation smaller than the source stages a tick runs at once', () => {
    // the example's agent-status reads three sources, in parallel
    expect(() => build(configWith((c) => (c.deployment = { reservedConcurrency: { agentStatus: 2 } })))).toThrow(
      /deployment\.reservedConcurrency\.agentStatus: 2 is fewer than the 3 source stages an? agent-status tick runs at once/,
    );
  });
});

describe('two stacks in one region', () => {
  /**
   * Every physical name a template gives a resource: top-level properties named `*Name` (TopicName,
   * DashboardName, a secret's or a schedule's Name, StateMachineName, LogGroupName, AlarmName,
   * FunctionName, TableName, QueueName, RoleName, AliasName...). Left out: what is no resource's
   * name (an SNS DisplayName, an alarm's MetricName) and an inline IAM policy's PolicyName, which is
   * unique only within its own role. A value referring to a resource of the template (Ref, GetAtt)
   * is that stack's own resource; any other value is compared as written.
   */
  function physicalNames(json: { Resources: Record<string, any> }): Map<string, string> {
    const notNames = new Set(['DisplayName', 'MetricName']);
    const names = new Map<string, string>();
    for (const [id, r] of Object.entries(json.Resources)) {
      for (const [key, value] of Object.entries<unknown>(r.Properties ?? {})) {
        if (!key.endsWith('Name') || notNames.has(key)) continue;
        if (r.Type === 'AWS::IAM::Policy' && key === 'PolicyName') continue;
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        const refersToOwn = Object.keys(json.Resources).some((other) => text.includes(`"Ref":"${other}"`) || text.includes(`["${other}",`));
        if (typeof value !== 'string' && refersToOwn) continue;
        names.set(`${r.Type} ${key}=${text}`, `${id}.${key}`);
      }
    }
    return names;
  }

  it('built from the same config with different stack names, they share no physical name', () => {
    const a = physicalNames(plain().json);
    const b = physicalNames(staging().json);
    // the names the stack sets itself are all there
    const types = [...a.keys()].map((k) => k.split('=')[0]);
    expect(types).toEqual(
      expect.arrayContaining(['AWS::SNS::Topic TopicName', 'AWS::CloudWatch::Dashboard DashboardName', 'AWS::SecretsManager::Secret Name']),
    );
    const shared = [...a.keys()].filter((k) => b.has(k));
    expect(shared).toEqual([]);
  });

  it("keeps each stack's metrics apart: alarms and dashboard read the stack dimension its functions are given", () => {
    const { json } = staging();
    for (const [, f] of ofType(json, 'AWS::Lambda::Function').filter(([id]) => !id.startsWith('Ack')))
      expect(f.Properties.Environment.Variables.CCWATCH_STACK).toBe('CcwatchStaging');
    const stale = ofType(json, 'AWS::CloudWatch::Alarm').filter(([, a]) => /no successful run/.test(a.Properties.AlarmDescription));
    expect(stale).toHaveLength(2);
    for (const [, a] of stale)
      for (const m of (a.Properties.Metrics as any[]).filter((x) => x.MetricStat))
        expect(m.MetricStat.Metric.Dimensions).toContainEqual({ Name: 'stack', Value: 'CcwatchStaging' });
    const body = JSON.stringify(ofType(json, 'AWS::CloudWatch::Dashboard')[0]![1].Properties.DashboardBody);
    expect(body).toContain('\\"stack\\",\\"CcwatchStaging\\"');
  });

  it('importSecrets=true uses the secrets `<stack>/<secretId>` a destroyed stack retained, and creates none', () => {
    const { json } = build(configWith(), { stackName: 'CcwatchStaging', importSecrets: 'true' });
    // only the acknowledge key, which the stack owns and deletes with it
    expect(ofType(json, 'AWS::SecretsManager::Secret').map(([id]) => id)).toEqual([expect.stringMatching(/^AckSigningKey/)]);
    const policy = JSON.stringify(ofType(json, 'AWS::IAM::Policy').find(([id]) => id.startsWith('AgentStatusFn'))![1]);
    for (const id of ['itnio', 'huawei', 'nxcloud']) expect(policy).toContain(`:secret:CcwatchStaging/ccwatch/${id}-??????`);
  });
});
