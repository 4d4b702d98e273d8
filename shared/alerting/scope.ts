import type { Scope, Silence } from '#shared/config/schema';

/** Whether a rule's or silence's scope covers a subject. Empty lists mean any. */
export function scopeMatches(scope: Scope, source: string, subjectId: string, groups: readonly string[]): boolean {
  if (scope.sources.length && !scope.sources.includes(source)) return false;
  if (scope.groups.length && !scope.groups.some((g) => groups.includes(g))) return false;
  if (scope.agents.length && !scope.agents.some((a) => a === subjectId || a === `${source}:${subjectId}`)) return false;
  return true;
}

export function isSilenced(
  silences: readonly Silence[],
  now: number,
  source: string,
  subjectId: string,
  groups: readonly string[],
): boolean {
  return silences.some((s) => s.until > now && scopeMatches(s.scope, source, subjectId, groups));
}
