import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FN } from '#shared/contracts/names';
import { keys } from '#shared/store/table';
import { build, configWith, ofType } from '../support/stack';

const EXAMPLE = 'ccwatch.config.json';
const NUMBER = '+447700900123';

const leading = (st: any) => Object.values(st.Condition ?? {}).flatMap((c: any) => c['dynamodb:LeadingKeys'] ?? []);
const smsVoice = (st: any) => JSON.stringify(st.Principal ?? {}).includes('sms-voice.amazonaws.com');

describe('two-way SMS in the stack (sms.twoWay set)', () => {
  let json: { Resources: Record<string, any>; Outputs: Record<string, any> };
  let built: ReturnType<typeof build>;
  let fnId: string;
  let topicId: string;
  beforeAll(() => {
    built = build(configWith((c) => (c.sms = { twoWay: { originationNumber: NUMBER } })));
    json = Template.fromStack(built.stack).toJSON() as typeof json;
    fnId = ofType(json, 'AWS::Lambda::Function').find(
      ([, f]) => f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME === FN.smsReply,
    )![0];
    topicId = ofType(json, 'AWS::SNS::Topic').find(([, t]) => String(t.Properties.TopicName).endsWith('-sms-inbound'))![0];
  });

  it('has a KMS-encrypted inbound topic, its own key letting End User Messaging of this account use it', () => {
    const topic = json.Resources[topicId];
    expect(topic.Properties.TopicName).toBe('Ccwatch-sms-inbound');
    const keyId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0];
    const key = json.Resources[keyId];
    expect(key.Properties.EnableKeyRotation).toBe(true);
    const st = key.Properties.KeyPolicy.Statement.find(smsVoice);
    expect([st.Action].flat().sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    expect(st.Condition.StringEquals['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
    expect(JSON.stringify(st.Condition.ArnLike['aws:SourceArn'])).toContain(':sms-voice:');
  });

  it('lets only End User Messaging (of this account) publish to the topic, over TLS', () => {
    const policies = ofType(json, 'AWS::SNS::TopicPolicy').filter(([, p]) => JSON.stringify(p.Properties.Topics).includes(topicId));
    expect(policies).toHaveLength(1);
    const statements = policies[0]![1].Properties.PolicyDocument.Statement as any[];
    const allow = statements.filter((st) => st.Effect === 'Allow');
    expect(allow).toHaveLength(1);
    expect(allow[0].Principal).toEqual({ Service: 'sms-voice.amazonaws.com' });
    expect(allow[0].Action).toBe('sns:Publish');
    expect(allow[0].Resource).toEqual({ Ref: topicId });
    expect(allow[0].Condition.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
    // enforceSSL: a deny for publishers without TLS
    expect(statements.some((st) => st.Effect === 'Deny' && JSON.stringify(st.Condition).includes('aws:SecureTransport'))).toBe(true);
  });

  it('subscribes the sms-reply function to it, and lets SNS invoke it from that topic only', () => {
    const subs = ofType(json, 'AWS::SNS::Subscription').filter(([, s]) => s.Properties.Protocol === 'lambda');
    expect(subs).toHaveLength(1);
    expect(subs[0]![1].Properties.TopicArn).toEqual({ Ref: topicId });
    expect(subs[0]![1].Properties.Endpoint).toEqual({ 'Fn::GetAtt': [fnId, 'Arn'] });
    const perm = ofType(json, 'AWS::Lambda::Permission').find(([, p]) => JSON.stringify(p.Properties.FunctionName).includes(fnId))!;
    expect(perm[1].Properties).toMatchObject({ Principal: 'sns.amazonaws.com', SourceArn: { Ref: topicId } });
    const fn = json.Resources[fnId].Properties;
    expect(fn).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], MemorySize: 256 });
    // the config (with the channels' numbers) is inlined at bundling, never in the environment
    expect(Object.keys(fn.Environment.Variables)).not.toContain('CCWATCH_CONFIG');
    expect(JSON.stringify(fn.Environment)).not.toContain('+86');
  });

  it('keeps a reply Lambda gave up on in a dead-letter queue, and pages the critical channel when one fails', () => {
    const fn = json.Resources[fnId].Properties;
    const queueId = fn.DeadLetterConfig.TargetArn['Fn::GetAtt'][0];
    expect(json.Resources[queueId].Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86400 });
    const alarms = ofType(json, 'AWS::CloudWatch::Alarm').filter(([, a]) => /sms-reply/.test(a.Properties.AlarmDescription));
    const watched = alarms.map(([, a]) => JSON.stringify(a.Properties.Dimensions));
    expect(watched).toEqual(expect.arrayContaining([expect.stringContaining(fnId), expect.stringContaining(queueId)]));
    const critical = ofType(json, 'AWS::SNS::Topic').find(([, t]) => String(t.Properties.TopicName).endsWith('-oncall'))![0];
    for (const [, a] of alarms) expect(a.Properties.AlarmActions).toContainEqual({ Ref: critical });
  });

  it('grants DynamoDB on the alert-episode partition and the notified history only, SMS publish and its dead-letter queue', () => {
    const role = fnRole(json, fnId);
    const statements = ofType(json, 'AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(role))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as any[]);
    const ddb = statements.filter((st) => [st.Action].flat().some((a: string) => a.startsWith('dynamodb:')));
    for (const st of ddb) expect(leading(st).length, JSON.stringify(st)).toBeGreaterThan(0);
    const episode = ddb.find((st) => leading(st).includes(keys.episodePk));
    expect([episode.Action].flat().sort()).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    const history = ddb.find((st) => leading(st).includes(keys.history('*')));
    expect(history.Action).toBe('dynamodb:Query');
    expect(ddb).toHaveLength(2);
    const sns = statements.filter((st) => [st.Action].flat().some((a: string) => a.startsWith('sns:')));
    expect(sns).toEqual([{ Action: 'sns:Publish', Effect: 'Allow', Resource: '*' }]);
    // nothing else but its dead-letter queue: no secrets, no KMS, no topic grants
    const other = statements.filter((st) => !ddb.includes(st) && !sns.includes(st));
    expect(other).toEqual([
      { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/DeadLetters/), 'Arn'] } },
    ]);
  });

  it('outputs the inbound topic ARN and the command that points the number at it', () => {
    expect(json.Outputs.SmsInboundTopicArn.Value).toEqual({ Ref: topicId });
    const command = JSON.stringify(json.Outputs.SmsTwoWaySetup.Value);
    expect(command).toContain('aws pinpoint-sms-voice-v2 update-phone-number');
    expect(command).toContain('--two-way-enabled --two-way-channel-arn ');
    expect(command).toContain(`PhoneNumber=='${NUMBER}'`);
    expect(command).toContain(topicId);
  });

  it('passes cdk-nag: the one "*" resource (SMS publish) is acknowledged with its reason', () => {
    built.app.synth();
    const report = JSON.parse(readFileSync(join(built.outdir, 'validation-report.json'), 'utf8'));
    const violations = (report.pluginReports ?? []).flatMap((r: { violations?: unknown[] }) => r.violations ?? []);
    expect(violations).toEqual([]);
  });
});

describe('without sms.twoWay', () => {
  it('there is no inbound topic and no sms-reply function', () => {
    const json = Template.fromStack(build(EXAMPLE).stack).toJSON() as { Resources: Record<string, any>; Outputs: Record<string, any> };
    expect(ofType(json, 'AWS::SNS::Topic').map(([, t]) => t.Properties.TopicName)).not.toContain('Ccwatch-sms-inbound');
    const services = ofType(json, 'AWS::Lambda::Function').map(([, f]) => f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME);
    expect(services).not.toContain(FN.smsReply);
    expect(Object.keys(json.Outputs)).not.toContain('SmsTwoWaySetup');
  });
});

function fnRole(json: { Resources: Record<string, any> }, fnId: string): string {
  return json.Resources[fnId].Properties.Role['Fn::GetAtt'][0];
}
