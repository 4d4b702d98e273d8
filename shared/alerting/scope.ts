import type { Scope, Silence } from '#shared/config/schema';

/** Whether a rule's or silence's scope covers a subject. Empty lists mean any. */
export function scopeMatches(scope: Scope, source: string, subjectId: string, groups: readonly string[]): boolean {
  if (scope.sources.length && !scope.sources.includes(source)) return false;
  if (scope.groups.length && !scope.groups.some((g) => groups.includes(g))) return false;
  if (scope.agents.length && !scope.agents.some((a) => a === subjectId || a === `${source}:${subjectId}`)) return false;
  return true;
}

/** Whether a silence in force at `now` covers a subject (and the rule, for a silence of some rules only). */
export function isSilenced(
  silences: readonly Silence[],
  now: number,
  source: string,
  subjectId: string,
  groups: readonly string[],
  ruleId?: string,
): boolean {
  return silences.some(
    (s) =>
      s.until > now &&
      (s.from ?? 0) <= now &&
      (!s.rules.length || (ruleId !== undefined && s.rules.includes(ruleId))) &&
      scopeMatches(s.scope, source, subjectId, groups),
  );
}
