import type { BusinessWindow } from '#shared/alerting/business-hours';
import type { SourceConfig } from '#shared/vendors/index';

export interface CronSchedule {
  /** EventBridge Scheduler cron expression. */
  expression: string;
  timezone: string;
}

const DAY_NAMES: Record<BusinessWindow['days'][number], string> = {
  mon: 'MON',
  tue: 'TUE',
  wed: 'WED',
  thu: 'THU',
  fri: 'FRI',
  sat: 'SAT',
  sun: 'SUN',
};
const NEXT_DAY: Record<BusinessWindow['days'][number], BusinessWindow['days'][number]> = {
  mon: 'tue',
  tue: 'wed',
  wed: 'thu',
  thu: 'fri',
  fri: 'sat',
  sat: 'sun',
  sun: 'mon',
};

export class ScheduleConfigError extends Error {}

function cron(minuteField: string, fromHour: number, toHourExclusive: number, days: BusinessWindow['days']): string {
  const hours = toHourExclusive - fromHour === 1 ? `${fromHour}` : `${fromHour}-${toHourExclusive - 1}`;
  return `cron(${minuteField} ${hours} ? * ${days.map((d) => DAY_NAMES[d]).join(',')} *)`;
}

/**
 * Cron schedules that run a function every `everySeconds` inside the business hours of the sources
 * it polls. They must share one timezone and every one must have hours; windows must start and end
 * on the hour (cron has no partial hours); a window across midnight becomes two schedules.
 * Sources' `holidays` are not in them: a cron expression says when to run, never "except on
 * these dates", so on a holiday the function still runs inside the weekly hours and the planner
 * keeps the day closed (isOpen), as it does outside business hours when runs go around the clock.
 */
export function businessHoursSchedules(sources: readonly SourceConfig[], everySeconds: number, fn: string): CronSchedule[] {
  const problem = (msg: string) => new ScheduleConfigError(`schedule.businessHoursOnly (${fn}): ${msg}`);
  const timezones = [...new Set(sources.map((s) => s.timezone))];
  if (timezones.length !== 1) throw problem(`the sources it polls must share one timezone; they use ${timezones.join(', ')}`);
  const missing = sources.filter((s) => !s.businessHours?.length).map((s) => s.id);
  if (missing.length) throw problem(`source(s) ${missing.join(', ')} have no businessHours`);
  const minutes = everySeconds / 60;
  if (60 % minutes !== 0) throw problem(`schedule.every must divide an hour (1m, 2m, 5m, 10m, 15m, 20m, 30m, 60m)`);
  const minuteField = minutes === 60 ? '0' : minutes === 1 ? '*' : `0/${minutes}`;
  const out = new Set<string>();
  for (const [si, source] of sources.entries()) {
    for (const [wi, w] of source.businessHours!.entries()) {
      if (!w.from.endsWith(':00') || !w.to.endsWith(':00'))
        throw problem(`sources[${si}].businessHours[${wi}] must start and end on the hour for cron schedules`);
      const from = Number(w.from.slice(0, 2));
      const to = Number(w.to.slice(0, 2)) || 24;
      if (from < to) out.add(cron(minuteField, from, to, w.days));
      else {
        out.add(cron(minuteField, from, 24, w.days));
        if (to < 24)
          out.add(
            cron(
              minuteField,
              0,
              to,
              w.days.map((d) => NEXT_DAY[d]),
            ),
          );
      }
    }
  }
  return [...out].map((expression) => ({ expression, timezone: timezones[0]! }));
}
