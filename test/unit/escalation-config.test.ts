import { describe, expect, it } from 'vitest';
import { parseConfig } from '#shared/config/parse';
import { problems } from '../support/config';

const base = {
  sources: [{ id: 'itn', vendor: 'itnio', baseUrl: 'https://api.itniotech.com', secretId: 'ccwatch/itnio' }],
  channels: [
    { id: 'sup', severities: ['warning', 'critical'], emails: ['lead@acme.example'] },
    { id: 'pd', severities: ['critical'], pagerduty: { routingKeySecretId: 'ccwatch/pd' } },
  ],
};
const ladder = {
  id: 'ladder',
  levels: [
    { after: '0m', channels: ['sup'] },
    { after: '10m', channels: ['pd'] },
  ],
};

describe('escalation policies and on-call targets in the config', () => {
  it('accepts a policy named by rules, with delays in seconds', () => {
    const cfg = parseConfig({
      ...base,
      escalationPolicies: [{ ...ladder, repeat: 2 }],
      agentRules: [{ id: 'b', states: ['break'], after: '15m', escalation: 'ladder' }],
    });
    expect(cfg.escalationPolicies[0]!.levels.map((l) => l.after)).toEqual([0, 600]);
    expect(cfg.channels[1]!.pagerduty).toEqual({ routingKeySecretId: 'ccwatch/pd', region: 'us' });
  });

  it('names what is wrong: unknown policy and channel, a first level that waits, levels out of order, both ways to escalate', () => {
    expect(
      problems({
        ...base,
        escalationPolicies: [
          {
            id: 'bad',
            levels: [
              { after: '5m', channels: ['sup'] },
              { after: '2m', channels: ['nobody'] },
            ],
          },
          { id: 'one', levels: [{ after: '0m', channels: ['sup'] }], repeat: 1 },
        ],
        agentRules: [
          { id: 'a', states: ['break'], after: '15m', escalation: 'nope' },
          { id: 'b', states: ['break'], after: '15m', escalation: 'one', escalateIfNotAckedAfter: '10m' },
        ],
      }),
    ).toEqual([
      'escalationPolicies[0].levels[0].after: the first level is the firing: "0m"',
      'escalationPolicies[0].levels[1].after: must be later than the level before',
      "escalationPolicies[1].repeat: repeating needs two levels or more (use the rule's repeatEvery)",
      'escalationPolicies[0].levels[1].channels[0]: unknown channel "nobody"',
      'agentRules[0].escalation: unknown escalation policy "nope"',
      'agentRules[1].escalateIfNotAckedAfter: a rule with an escalation policy escalates by its levels: leave out escalateIfNotAckedAfter',
    ]);
  });

  it('checks chat ids and the two-way SMS number', () => {
    expect(
      problems({
        ...base,
        channels: [...base.channels, { id: 'chat', severities: ['critical'], chat: { slackWorkspaceId: 'T0123ABCDE' } }],
        sms: { twoWay: { originationNumber: '12065550100' } },
      }),
    ).toEqual([
      'channels[2].chat: Slack needs both slackWorkspaceId and slackChannelId',
      'sms.twoWay.originationNumber: expected an E.164 number like "+8613800138000"',
      'sms.twoWay: no channel sends SMS: replies can only come from numbers a channel sends to',
    ]);
    expect(problems({ ...base, sms: { twoWay: { originationNumber: '+12065550100' } } })).toEqual([
      'sms.twoWay: no channel sends SMS: replies can only come from numbers a channel sends to',
    ]);
  });
});

describe('which channels list an alert under a policy', () => {
  it("a channel's open-alerts page lists the alerts its levels reached, whatever severities it takes", async () => {
    const { listedFor } = await import('#shared/ack/open');
    const cfg = parseConfig({
      ...base,
      escalationPolicies: [ladder],
      agentRules: [
        { id: 'b', states: ['break'], after: '15m', escalation: 'ladder' },
        { id: 'c', states: ['busy'], after: '15m' },
      ],
    });
    const [sup, pd] = cfg.channels;
    const e = {
      episodeId: 'K7M2QX',
      source: 'itn',
      kind: 'agent' as const,
      subjectId: '1001',
      ruleId: 'b',
      startedAt: 0,
      tier: 1,
      severity: 'warning' as const,
      firedAt: 0,
      lastNotifiedAt: 0,
      level: 0,
      version: 1,
    };
    expect([listedFor(sup!, e, cfg), listedFor(pd!, e, cfg)]).toEqual([true, false]);
    expect([listedFor(sup!, { ...e, level: 1 }, cfg), listedFor(pd!, { ...e, level: 1 }, cfg)]).toEqual([true, true]);
    // without a policy: by severity, as before
    expect([listedFor(sup!, { ...e, ruleId: 'c' }, cfg), listedFor(pd!, { ...e, ruleId: 'c' }, cfg)]).toEqual([true, false]);
    // an escalated two-tier alert stays on the page of the warning channel that was told when it fired
    const floor = { ...sup!, id: 'floor', severities: ['warning' as const] };
    const escalated = { ...e, ruleId: 'c', tier: 2, severity: 'critical' as const };
    expect(listedFor(floor, escalated, cfg)).toBe(true);
  });
});
