// Times the CLI prints for people: in the source's timezone with the zone named, or UTC where no
// source applies (no --config, or a source the config does not name). --json keeps ISO-8601 / epoch.
import type { Config } from '#shared/config/schema';
import { zonedTime } from '#shared/notify/format';

/** A source id -> its timezone, from the config when one was given; UTC otherwise. */
export type ZoneOf = (source: string | undefined) => string;

export function zonesOf(config: Config | undefined): ZoneOf {
  const zones = new Map((config?.sources ?? []).map((s) => [s.id, s.timezone]));
  return (source) => (source !== undefined ? zones.get(source) : undefined) ?? 'UTC';
}

/** "23 Nov, 17:00 GMT+8": one instant, in the source's zone. */
export function timeAt(ms: number, zoneOf: ZoneOf, source?: string): string {
  return zonedTime(ms, zoneOf(source));
}
