import { describe, expect, it } from 'vitest';
import { isOpen } from '#shared/alerting/business-hours';
import { parseConfig, parseConfigText } from '#shared/config/parse';
import { parseDuration } from '#shared/model/duration';
import { problems } from '../support/config';

const base = {
  sources: [{ id: 'itn', vendor: 'itnio', baseUrl: 'https://api.itniotech.com', secretId: 'ccwatch/itnio' }],
  channels: [{ id: 'sup', severities: ['warning', 'critical'], emails: ['lead@acme.example'] }],
};

describe('config validation', () => {
  it('accepts a minimal config and fills defaults', () => {
    const cfg = parseConfig({ ...base, agentRules: [{ id: 'b', states: ['break'], after: '15m' }] });
    expect(cfg.agentRules[0]).toMatchObject({ after: 900, notifyResolved: true, severity: 'warning' });
    expect(cfg.sources[0]).toMatchObject({ timezone: 'UTC', http: { retries: 2, concurrency: 4 } });
  });

  it("an NXCloud source's status window is the poll interval unless set", () => {
    const nx = { id: 'nx', vendor: 'nxcloud', baseUrl: 'https://api.nxcloud.com', secretId: 'ccwatch/nx', tenantId: 144 };
    const windowOf = (raw: object) => (parseConfig(raw).sources[0] as { windowSec?: number }).windowSec;
    expect(windowOf({ ...base, sources: [nx] })).toBe(60);
    expect(windowOf({ ...base, sources: [nx], schedule: { every: '5m' } })).toBe(300);
    expect(windowOf({ ...base, sources: [{ ...nx, windowSec: 120 }], schedule: { every: '5m' } })).toBe(120);
  });

  it('names the path of a bad duration', () => {
    expect(
      problems({
        ...base,
        agentRules: [
          { id: 'a', states: ['break'], after: '15m' },
          { id: 'b', states: ['busy'], after: '15m' },
          { id: 'c', states: ['break'], after: 'soon' },
        ],
      }),
    ).toEqual(['agentRules[2].after: expected a duration like "15m", "90s" or "2h", got "soon"']);
  });

  it('names vendor-specific fields', () => {
    const p = problems({
      ...base,
      sources: [{ id: 'hw', vendor: 'huawei', baseUrl: 'https://10.0.0.1:28080', secretId: 'x', ccId: 0, vdn: 170, agentIds: ['50-60'] }],
    });
    expect(p.some((l) => l.startsWith('sources[0].ccId:'))).toBe(true);
    expect(p.some((l) => l.startsWith('sources[0].agentIds[0]:') && l.includes('101-59999'))).toBe(true);
  });

  it('rejects unknown fields, duplicate ids, bad phone numbers, timezones and references', () => {
    const p = problems({
      ...base,
      sources: [...base.sources, { ...base.sources[0], timezone: 'Mars/Olympus' }],
      channels: [{ id: 'oncall', severities: ['critical'], sms: ['13800138000'] }],
      agentRules: [{ id: 'b', states: ['break'], after: '15m', scope: { sources: ['nope'] }, afterr: '1m' }],
      taskRules: [{ id: 't', source: 'itn', taskIds: [1] }],
    });
    expect(p).toEqual(
      expect.arrayContaining([
        'sources[1].timezone: expected an IANA timezone such as "Asia/Shanghai"',
        'sources[1].id: duplicate id "itn"',
        'channels[0].sms[0]: expected an E.164 number like "+8613800138000"',
        'agentRules[0].afterr: unknown key; did you mean "after"?',
        expect.stringMatching(/^taskRules\[0\]: needs at least one threshold/),
      ]),
    );
  });

  it('refuses plain-http vendor URLs except the loopback simulator', () => {
    expect(problems({ ...base, sources: [{ ...base.sources[0], baseUrl: 'http://api.itniotech.com' }] })).toEqual([
      'sources[0].baseUrl: expected an https URL (plain http is allowed only for http://127.0.0.1:<port>)',
    ]);
    expect(() => parseConfig({ ...base, sources: [{ ...base.sources[0], baseUrl: 'http://127.0.0.1:8080' }] })).not.toThrow();
  });

  it('channel filters must name known sources', () => {
    expect(problems({ ...base, channels: [{ ...base.channels[0], sources: ['itn', 'gone'] }] })).toEqual([
      'channels[0].sources[1]: unknown source "gone"',
    ]);
  });

  it('says when a rule severity reaches no channel', () => {
    expect(
      problems({
        ...base,
        channels: [{ id: 'sup', severities: ['warning'] }],
        agentRules: [{ id: 'b', states: ['break'], after: '15m', escalateAfter: '1h' }],
      }),
    ).toContain('channels: no channel receives severity "critical", which a rule uses');
  });

  it('refuses a config where no channel receives critical (source down would page nobody)', () => {
    expect(problems({ ...base, channels: [{ id: 'sup', severities: ['warning'], emails: ['lead@acme.example'] }] })).toContain(
      'channels: no channel receives severity "critical"; source-down alerts and alarms need one',
    );
  });

  it('reports JSON syntax errors with the file name, line and column', () => {
    expect(() => parseConfigText('{"sources": [', 'ccwatch.json')).toThrow(
      'invalid config (ccwatch.json):\n  ccwatch.json:1:14: expected a value, but the file ends',
    );
  });
});

describe('durations', () => {
  it('parses human durations', () => {
    expect(['90s', '15m', '2h', '1d', '1.5h', '15', '-1m', '0m'].map(parseDuration)).toEqual([
      90,
      900,
      7200,
      86400,
      5400,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('business hours', () => {
  const mon0830 = Date.UTC(2026, 10, 23, 0, 30); // Monday 08:30 in Shanghai
  it('opens inside a weekly window in the source timezone', () => {
    const w = [{ days: ['mon', 'tue'] as const, from: '08:00', to: '18:00' }];
    expect(
      isOpen(
        mon0830,
        'Asia/Shanghai',
        w.map((x) => ({ ...x, days: [...x.days] })),
      ),
    ).toBe(true);
    expect(
      isOpen(
        mon0830,
        'UTC',
        w.map((x) => ({ ...x, days: [...x.days] })),
      ),
    ).toBe(false);
  });
  it('handles windows across midnight and no windows at all', () => {
    const night = [{ days: ['sun' as const], from: '22:00', to: '06:00' }];
    expect(isOpen(Date.UTC(2026, 10, 23, 3, 0), 'UTC', night)).toBe(true); // Monday 03:00, from Sunday's window
    expect(isOpen(Date.UTC(2026, 10, 23, 7, 0), 'UTC', night)).toBe(false);
    expect(isOpen(mon0830, 'UTC', undefined)).toBe(true);
  });
});

describe('deployment', () => {
  const vpc = { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123abcd'], routeTableIds: ['rtb-0123abcd'] };

  it('is optional, and a VPC takes endpoints "create" by default', () => {
    expect(parseConfig(base).deployment).toBeUndefined();
    expect(parseConfig({ ...base, deployment: { vpc } }).deployment).toEqual({ vpc: { ...vpc, endpoints: 'create' } });
  });

  it('names what is wrong with a VPC by its path', () => {
    expect(problems({ ...base, deployment: { vpc: { vpcId: 'my-vpc', subnetIds: [], routeTableIds: ['rtb-0123abcd'] } } })).toEqual([
      'deployment.vpc.vpcId: expected a VPC id like "vpc-0123456789abcdef0"',
      'deployment.vpc.subnetIds: expected at least one subnet id',
    ]);
    expect(
      problems({
        ...base,
        deployment: { vpc: { ...vpc, subnetIds: ['subnet-0123abcd', 'subnet-0123abcd'], securityGroupIds: ['default'] } },
      }),
    ).toEqual([
      'deployment.vpc.subnetIds: lists a subnet twice',
      'deployment.vpc.securityGroupIds[0]: expected a security group id like "sg-0123456789abcdef0"',
    ]);
    expect(problems({ ...base, deployment: { vpc: { ...vpc, endpoints: 'nat' } } })).toEqual([
      'deployment.vpc.endpoints: expected "create" or "none"',
    ]);
    expect(problems({ ...base, deployment: { vpc: { ...vpc, subnets: [] } } })).toEqual([
      'deployment.vpc: unknown field(s) subnets: deployment.vpc takes vpcId, subnetIds, securityGroupIds, endpoints and routeTableIds',
    ]);
  });

  it('needs route tables for the DynamoDB gateway endpoint with endpoints "create", and refuses them with "none"', () => {
    const { routeTableIds: _, ...noTables } = vpc;
    const [missing] = problems({ ...base, deployment: { vpc: noTables } });
    expect(missing).toMatch(/^deployment\.vpc\.routeTableIds: required with endpoints "create": the route tables of subnetIds/);
    expect(() => parseConfig({ ...base, deployment: { vpc: { ...noTables, endpoints: 'none' } } })).not.toThrow();
    expect(problems({ ...base, deployment: { vpc: { ...vpc, endpoints: 'none' } } })).toEqual([
      'deployment.vpc.routeTableIds: only used with endpoints "create" (for the DynamoDB gateway endpoint); with "none" nothing is added to route tables',
    ]);
  });

  it('reserves whole numbers of at least 1, for known functions only', () => {
    expect(
      parseConfig({ ...base, deployment: { reservedConcurrency: { agentStatus: 4, ack: 2 } } }).deployment?.reservedConcurrency,
    ).toEqual({ agentStatus: 4, ack: 2 });
    expect(problems({ ...base, deployment: { reservedConcurrency: { agentStatus: 0, ack: 1.5, acks: 2 } } })).toEqual([
      'deployment.reservedConcurrency.agentStatus: expected at least 1 (0 would stop the function; leave it out to reserve nothing)',
      'deployment.reservedConcurrency.ack: expected a whole number of concurrent executions',
      'deployment.reservedConcurrency: unknown field(s) acks: deployment.reservedConcurrency takes agentStatus, previewTasks and ack',
    ]);
    // base has no task rules, so no preview-tasks function to reserve for
    expect(problems({ ...base, deployment: { reservedConcurrency: { previewTasks: 2 } } })).toEqual([
      'deployment.reservedConcurrency.previewTasks: there is no preview-tasks function without task rules: leave it out',
    ]);
    expect(problems({ ...base, deployment: { vpcs: {} } })).toEqual([
      'deployment: unknown field(s) vpcs: deployment takes vpc and reservedConcurrency',
    ]);
  });
});
