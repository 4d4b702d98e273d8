import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { build, configWith, ofType } from '../support/stack';

const SLACK = { slackWorkspaceId: 'T0123ABCDE', slackChannelId: 'C0123ABCDE' };
const TEAMS = {
  teamsTenantId: '2b5c1f0e-8a7d-4c1e-9f3a-0d6e5b4a3c21',
  teamsId: '7e9d8c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b',
  teamsChannelId: '19%3ab6ef35dc342d56ba5654e6fc6d25a071%40thread.tacv2',
};

const ref = (logicalId: string) => ({ Ref: logicalId });

/** The example's on-call channel in Slack, its supervisors in Slack and Teams. */
const withChat = (c: any) => {
  c.channels[0].chat = { ...SLACK, ...TEAMS };
  c.channels[1].chat = { slackWorkspaceId: 'T0123ABCDE', slackChannelId: 'C0999ZZZZZ' };
};

describe('chat channels (AWS Chatbot)', () => {
  let json: { Resources: Record<string, any> };
  let app: { synth(): unknown };
  let outdir: string;
  const chatTopic = (channel: string) =>
    ofType(json, 'AWS::SNS::Topic').find(([, r]) => r.Properties.TopicName === `Ccwatch-${channel}-chat`)!;
  beforeAll(() => {
    ({ json, app, outdir } = build(configWith(withChat)));
  });

  it('a chat topic per channel with chat, encrypted with the alert key and TLS enforced', () => {
    const names = ofType(json, 'AWS::SNS::Topic').map(([, r]) => r.Properties.TopicName);
    expect(names.sort()).toEqual(['Ccwatch-oncall', 'Ccwatch-oncall-chat', 'Ccwatch-supervisors', 'Ccwatch-supervisors-chat']);
    const [key] = ofType(json, 'AWS::KMS::Key').find(([id]) => id.startsWith('Channels'))!;
    for (const channel of ['supervisors', 'oncall']) {
      const [id, topic] = chatTopic(channel);
      expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [key, 'Arn'] });
      const policy = ofType(json, 'AWS::SNS::TopicPolicy').find(
        ([, p]) => JSON.stringify(p.Properties.Topics) === JSON.stringify([ref(id)]),
      )!;
      expect(JSON.stringify(policy[1].Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('Slack and Teams configurations read the chat topic, through a role with no permissions, notification only, logging errors', () => {
    const [supervisors] = chatTopic('supervisors');
    const [oncall] = chatTopic('oncall');
    const slack = ofType(json, 'AWS::Chatbot::SlackChannelConfiguration').map(([, r]) => r.Properties);
    expect(slack.map((p) => [p.SlackChannelId, p.SnsTopicArns]).sort()).toEqual([
      ['C0123ABCDE', [ref(supervisors)]],
      ['C0999ZZZZZ', [ref(oncall)]],
    ]);
    const teams = ofType(json, 'AWS::Chatbot::MicrosoftTeamsChannelConfiguration').map(([, r]) => r.Properties);
    expect(teams).toHaveLength(1);
    expect(teams[0]).toMatchObject({
      TeamId: TEAMS.teamsId,
      TeamsTenantId: TEAMS.teamsTenantId,
      TeamsChannelId: TEAMS.teamsChannelId,
      SnsTopicArns: [ref(supervisors)],
    });
    const [roleId, role] = ofType(json, 'AWS::IAM::Role').find(([id]) => id.startsWith('ChatRole'))!;
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'chatbot.amazonaws.com' } },
    ]);
    // nothing attached or inline: Chatbot needs no permission to post what it is sent
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.Policies).toBeUndefined();
    expect(JSON.stringify(ofType(json, 'AWS::IAM::Policy').map(([, p]) => p.Properties.Roles))).not.toContain(roleId);
    const [guardrailId, guardrail] = ofType(json, 'AWS::IAM::ManagedPolicy').find(([id]) => id.startsWith('ChatGuardrail'))!;
    expect(guardrail.Properties.PolicyDocument.Statement).toEqual([{ Action: '*', Effect: 'Deny', Resource: '*' }]);
    expect(guardrail.Properties.Roles).toBeUndefined();
    for (const p of [...slack, ...teams]) {
      expect(p).toMatchObject({ LoggingLevel: 'ERROR', UserRoleRequired: false, IamRoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] } });
      // without a guardrail Chatbot would apply AdministratorAccess
      expect(p.GuardrailPolicies).toEqual([ref(guardrailId)]);
    }
  });

  it('names the configurations after the stack, its region and the channel', () => {
    const names = [
      ...ofType(json, 'AWS::Chatbot::SlackChannelConfiguration'),
      ...ofType(json, 'AWS::Chatbot::MicrosoftTeamsChannelConfiguration'),
    ].map(([, r]) => JSON.stringify(r.Properties.ConfigurationName));
    expect(names.sort()).toEqual(
      ['oncall-slack', 'supervisors-slack', 'supervisors-teams'].map((n) =>
        JSON.stringify({ 'Fn::Join': ['', ['Ccwatch-', { Ref: 'AWS::Region' }, `-${n}`]] }),
      ),
    );
    const other = build(configWith(withChat), { stackName: 'CcwatchStaging' }).json;
    const otherNames = ofType(other, 'AWS::Chatbot::SlackChannelConfiguration').map(([, r]) =>
      JSON.stringify(r.Properties.ConfigurationName),
    );
    for (const n of otherNames) expect(n).toContain('CcwatchStaging-');
    expect(ofType(other, 'AWS::SNS::Topic').map(([, r]) => r.Properties.TopicName)).toContain('CcwatchStaging-oncall-chat');
  });

  it('the scheduled functions get `<id>:chat` in their topics and may publish to the chat topics (and use their key)', () => {
    const [supervisors] = chatTopic('supervisors');
    const [oncall] = chatTopic('oncall');
    const [key] = ofType(json, 'AWS::KMS::Key').find(([id]) => id.startsWith('Channels'))!;
    const fns = ofType(json, 'AWS::Lambda::Function').filter(([, f]) =>
      ['agent-status', 'preview-tasks'].includes(f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME),
    );
    expect(fns).toHaveLength(2);
    for (const [id, f] of fns) {
      const topics = JSON.stringify(f.Properties.Environment.Variables.CCWATCH_TOPICS);
      expect(topics).toContain('\\"supervisors:chat\\":\\"');
      expect(topics).toContain('\\"oncall:chat\\":\\"');
      expect(topics).toContain(JSON.stringify(ref(supervisors)));
      expect(topics).toContain(JSON.stringify(ref(oncall)));
      const role = f.Properties.Role['Fn::GetAtt'][0];
      const statements = ofType(json, 'AWS::IAM::Policy')
        .filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([ref(role)]))
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as any[]);
      for (const topic of [supervisors, oncall])
        expect(statements, id).toContainEqual({ Action: 'sns:Publish', Effect: 'Allow', Resource: ref(topic) });
      const kms = statements.find((st) => JSON.stringify(st.Resource) === JSON.stringify({ 'Fn::GetAtt': [key, 'Arn'] }));
      expect([kms.Action].flat()).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey*']));
    }
  });

  it("a critical channel's chat topic also gets the stale-run alarms", () => {
    const [oncall] = chatTopic('oncall');
    const [supervisors] = chatTopic('supervisors');
    const stale = ofType(json, 'AWS::CloudWatch::Alarm').filter(([, a]) => /no successful run/.test(a.Properties.AlarmDescription));
    expect(stale.length).toBeGreaterThan(0);
    for (const [, a] of stale) {
      expect(a.Properties.AlarmActions).toContainEqual(ref(oncall));
      expect(a.Properties.AlarmActions).toContainEqual(ref(supervisors));
    }
  });

  it('passes cdk-nag with the chat channels', () => {
    app.synth();
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    expect((report.pluginReports ?? []).flatMap((r: { violations?: unknown[] }) => r.violations ?? [])).toEqual([]);
  });

  it('a Teams-only channel has no Slack configuration', () => {
    const { json: teamsOnly } = build(configWith((c) => (c.channels[1].chat = TEAMS)));
    expect(ofType(teamsOnly, 'AWS::Chatbot::SlackChannelConfiguration')).toEqual([]);
    expect(ofType(teamsOnly, 'AWS::Chatbot::MicrosoftTeamsChannelConfiguration')).toHaveLength(1);
  });

  it('a chat topic may not take the name of another channel', () => {
    expect(() =>
      build(
        configWith((c) => {
          c.channels[1].chat = SLACK;
          c.channels.push({ id: 'oncall-chat', severities: ['critical'], emails: ['x@example.com'] });
        }),
      ),
    ).toThrow(/"oncall" has chat, and its chat topic .* would be the topic of channel "oncall-chat"/);
  });
});

describe('without chat', () => {
  it('has no AWS::Chatbot resources, chat topic or chat role, and no `:chat` topics for the functions', () => {
    const { json } = build(configWith());
    expect(Object.values(json.Resources).filter((r: any) => r.Type.startsWith('AWS::Chatbot::'))).toEqual([]);
    expect(ofType(json, 'AWS::SNS::Topic').map(([, r]) => r.Properties.TopicName)).not.toContain('Ccwatch-oncall-chat');
    expect(Object.keys(json.Resources).filter((id) => id.startsWith('Chat'))).toEqual([]);
    expect(JSON.stringify(ofType(json, 'AWS::Lambda::Function').map(([, f]) => f.Properties.Environment))).not.toContain(':chat');
  });
});
