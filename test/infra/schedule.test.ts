import { describe, expect, it } from 'vitest';
import { FN } from '#shared/contracts/names';
import { SourceSchema } from '#shared/vendors/index';
import { businessHoursSchedules } from '../../cdk/schedule';

const src = (id: string, extra: object) =>
  SourceSchema.parse({ id, vendor: 'itnio', baseUrl: 'https://x.example', secretId: 's', timezone: 'Asia/Shanghai', ...extra });

describe('business-hours schedules', () => {
  it("runs every interval inside each window, in the sources' timezone", () => {
    const s = [src('a', { businessHours: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '22:00' }] })];
    expect(businessHoursSchedules(s, 60, FN.agentStatus)).toEqual([
      { expression: 'cron(* 8-21 ? * MON,TUE,WED,THU,FRI *)', timezone: 'Asia/Shanghai' },
    ]);
    expect(businessHoursSchedules(s, 300, FN.agentStatus)[0]!.expression).toBe('cron(0/5 8-21 ? * MON,TUE,WED,THU,FRI *)');
  });

  it('splits a window across midnight, merges identical windows of several sources', () => {
    const night = { businessHours: [{ days: ['sat'], from: '20:00', to: '02:00' }] };
    expect(businessHoursSchedules([src('a', night), src('b', night)], 60, FN.agentStatus).map((c) => c.expression)).toEqual([
      'cron(* 20-23 ? * SAT *)',
      'cron(* 0-1 ? * SUN *)',
    ]);
  });

  it('refuses what cron cannot express, naming the place', () => {
    const hours = { businessHours: [{ days: ['mon'], from: '08:00', to: '18:00' }] };
    expect(() => businessHoursSchedules([src('a', hours), src('b', { ...hours, timezone: 'UTC' })], 60, FN.agentStatus)).toThrow(
      /share one timezone; they use Asia\/Shanghai, UTC/,
    );
    expect(() => businessHoursSchedules([src('a', hours), src('b', {})], 60, FN.agentStatus)).toThrow(
      /source\(s\) b have no businessHours/,
    );
    expect(() => businessHoursSchedules([src('a', { businessHours: [{ days: ['mon'], from: '08:30', to: '18:00' }] })], 60, 'x')).toThrow(
      /sources\[0\]\.businessHours\[0\] must start and end on the hour/,
    );
    expect(() => businessHoursSchedules([src('a', hours)], 420, 'x')).toThrow(/must divide an hour/);
  });
});
