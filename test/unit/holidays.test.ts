import { describe, expect, it } from 'vitest';
import { planAgents } from '#shared/alerting/agents';
import { isOpen } from '#shared/alerting/business-hours';
import { AgentRuleSchema } from '#shared/config/schema';
import type { NormalizedAgent } from '#shared/model/agent';
import type { AgentSnapshot } from '#shared/model/items';
import { SourceSchema } from '#shared/vendors/index';

const MIN = 60_000;
const HOUR = 60 * MIN;
const SHANGHAI = 'Asia/Shanghai';
// 2026-10-01 (a Thursday) is China's National Day; in Shanghai (UTC+8) it starts at 16:00 UTC the day before
const NATIONAL_DAY = '2026-10-01';
const holidayStart = Date.UTC(2026, 8, 30, 16, 0);
const holidayEnd = Date.UTC(2026, 9, 1, 16, 0);
const weekdays = [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'] as ('mon' | 'tue' | 'wed' | 'thu' | 'fri')[], from: '08:00', to: '20:00' }];

const source = (extra: object) =>
  SourceSchema.parse({
    id: 'hw',
    vendor: 'huawei',
    baseUrl: 'https://10.22.26.181:28080',
    secretId: 'x',
    ccId: 1,
    vdn: 170,
    agentIds: [1001],
    ...extra,
  });

describe('holidays config', () => {
  it('takes ISO dates, in the source timezone', () => {
    expect(source({ timezone: SHANGHAI, holidays: [NATIONAL_DAY, '2026-10-02'] }).holidays).toEqual([NATIONAL_DAY, '2026-10-02']);
    expect(source({}).holidays).toBeUndefined();
  });

  it.each(['2026-02-30', '2026-10-1', '01/10/2026', '2026-10-01T00:00:00Z', ''])('refuses %j with a clear message', (bad) => {
    const result = SourceSchema.safeParse({ ...source({}), holidays: ['2026-05-01', bad] });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]).toMatchObject({
      path: ['holidays', 1],
      message: 'expected a date like "2026-10-01" (YYYY-MM-DD, a real calendar day)',
    });
  });
});

describe('holidays count as closed', () => {
  it('from local midnight to local midnight: a Shanghai holiday starts at 16:00 UTC the previous day', () => {
    // no businessHours: open around the clock, except on the holiday
    expect(isOpen(holidayStart - MIN, SHANGHAI, undefined, [NATIONAL_DAY])).toBe(true);
    expect(isOpen(holidayStart, SHANGHAI, undefined, [NATIONAL_DAY])).toBe(false);
    expect(isOpen(holidayEnd - MIN, SHANGHAI, undefined, [NATIONAL_DAY])).toBe(false);
    expect(isOpen(holidayEnd, SHANGHAI, undefined, [NATIONAL_DAY])).toBe(true);
    // the same instants in UTC: 2026-09-30 16:00 UTC is not yet the holiday there
    expect(isOpen(holidayStart, 'UTC', undefined, [NATIONAL_DAY])).toBe(true);
    expect(isOpen(Date.UTC(2026, 9, 1, 0, 0), 'UTC', undefined, [NATIONAL_DAY])).toBe(false);
  });

  it('inside what would be business hours on that day, and leaves the other days to the windows', () => {
    const thursday10 = Date.UTC(2026, 9, 1, 2, 0); // 10:00 in Shanghai
    expect(isOpen(thursday10, SHANGHAI, weekdays)).toBe(true);
    expect(isOpen(thursday10, SHANGHAI, weekdays, [NATIONAL_DAY])).toBe(false);
    expect(isOpen(thursday10 + 24 * HOUR, SHANGHAI, weekdays, [NATIONAL_DAY])).toBe(true); // Friday 10:00
    expect(isOpen(thursday10 - 24 * HOUR + 11 * HOUR, SHANGHAI, weekdays, [NATIONAL_DAY])).toBe(false); // Wednesday 21:00, closed hours
  });

  it('a window across midnight is closed for the part that falls on the holiday', () => {
    const night = [{ days: ['wed' as const, 'thu' as const], from: '22:00', to: '06:00' }];
    const wed23 = Date.UTC(2026, 8, 30, 15, 0); // Wednesday 23:00 in Shanghai
    expect(isOpen(wed23, SHANGHAI, night, [NATIONAL_DAY])).toBe(true);
    expect(isOpen(wed23 + 2 * HOUR, SHANGHAI, night, [NATIONAL_DAY])).toBe(false); // Thursday 01:00, the holiday
    expect(isOpen(wed23 + 26 * HOUR, SHANGHAI, night, [NATIONAL_DAY])).toBe(true); // Friday 01:00, from Thursday's window
  });

  it('holds agent alerts on the holiday exactly as outside business hours; the next day they fire', () => {
    const rules = [AgentRuleSchema.parse({ id: 'long-break', states: ['break'], after: '15m' })];
    const cfg = source({ timezone: SHANGHAI, holidays: [NATIONAL_DAY] });
    const onBreak = (at: number): NormalizedAgent => ({
      source: 'hw',
      agentId: '1001',
      name: '1001',
      groups: [],
      state: 'break',
      vendorState: '8',
      observedAt: at,
    });
    const run = (at: number, previous: AgentSnapshot[]) =>
      planAgents({
        now: at,
        source: 'hw',
        observed: [onBreak(at)],
        previous,
        episodes: new Map(),
        rules,
        silences: [],
        open: isOpen(at, cfg.timezone, cfg.businessHours, cfg.holidays),
      });
    const start = holidayEnd - 2 * HOUR; // 22:00 on the holiday
    let plan = run(start, []);
    plan = run(start + 30 * MIN, plan.agents);
    expect(plan.steps).toEqual([]);
    // at local midnight the holiday ends: the break, long past 15 minutes, now alerts
    plan = run(holidayEnd, plan.agents);
    expect(plan.steps.map((s) => [s.kind, s.notice?.status])).toEqual([['fired', 'firing']]);
  });
});
