import * as z from 'zod';
import { policyOf, reachedChannels } from '#shared/alerting/escalation';
import { toldSeverities } from '#shared/alerting/lifecycle';
import { scopeMatches } from '#shared/alerting/scope';
import { type Channel, type Config, ruleOf } from '#shared/config/schema';
import { formatDuration, parseDuration } from '#shared/model/duration';
import { type Episode, isQuiet } from '#shared/model/items';
import { channelTakes } from '#shared/notify/digest';
import { STATE_WORDS, zonedTime } from '#shared/notify/format';
import type { RuntimeSilence } from '#shared/store/silences';
import type { Store } from '#shared/store/store';
import { setAcknowledgment } from './acknowledge';
import type { HttpReply } from './http';
import { messagePage, type OpenRow, openAlertsPage, PAGE_ACTIONS, type PageAction } from './open-page';
import { verifyPageToken } from './token';

export interface OpenPageDeps {
  store: Store;
  key: string;
  now: number;
  config: Config;
}

type Request = { method: string; query: Record<string, string | undefined>; form: Record<string, string> };

/** What an action form may say: the page's token, one alert, a name, one of the offered actions. */
const ActionSchema = z.object({
  c: z.string().min(1).max(200),
  e: z.string().regex(/^[2-9A-HJ-NP-Z]{6}$/),
  s: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/),
  by: z.string().trim().min(1).max(60),
  a: z.enum(PAGE_ACTIONS),
});

/** The confirmation after the redirect names the action and alert only; nothing typed is echoed. */
const DoneSchema = z.object({ done: z.enum(PAGE_ACTIONS), e: z.string().regex(/^[2-9A-HJ-NP-Z]{6}$/) });

const SILENCE_COMMENT = 'from the open-alerts page';

const refuse = (status: number, title: string, message: string, back?: string): HttpReply => ({
  status,
  html: messagePage(title, message, back),
});

/**
 * The open-alerts page of one channel (`?c=<token>`). GET lists the channel's open alerts; POST
 * acknowledges, snoozes or silences one of them, then redirects (303) back to the list with a
 * short confirmation. The token names one channel: only that channel's open alerts can be seen or
 * changed. No token, a wrong or expired one: a clear refusal and no change.
 */
export async function handleOpenPage(req: Request, deps: OpenPageDeps): Promise<HttpReply> {
  const token = req.method === 'POST' ? req.form.c : req.query.c;
  const check = verifyPageToken(deps.key, token, deps.now);
  if (!check.ok)
    return check.reason === 'expired'
      ? refuse(410, 'Link expired', 'This open-alerts link has expired (links work for 24 hours). Use the link in a newer alert email.')
      : refuse(403, 'Link not valid', 'This open-alerts link is not valid. Nothing was changed.');
  const channel = deps.config.channels.find((c) => c.id === check.claims.channel);
  if (!channel) return refuse(404, 'Channel not found', `There is no channel "${check.claims.channel}" any more. Nothing was changed.`);
  const back = `/?c=${token}`;

  if (req.method === 'GET') return { status: 200, html: await listPage(token!, channel, check.claims.expiresAt, req.query, deps) };
  if (req.method !== 'POST') return refuse(405, 'Not allowed', 'Open the link from the alert email.');

  const form = ActionSchema.safeParse(req.form);
  if (!form.success)
    return refuse(400, 'Nothing changed', 'Say who you are (your name) and pick one of the buttons, then try again.', back);
  const { e: episodeId, s: source, by, a: action } = form.data;
  const [found] = (await deps.store.episodes.findEpisode(episodeId, deps.now)).filter((f) => f.episode.source === source);
  const episode = found?.episode;
  if (!episode || !listedFor(channel, episode, deps.config))
    return refuse(404, 'Alert not found', `Alert ${episodeId} is not one of ${channel.id}'s alerts. Nothing was changed.`, back);
  if (episode.resolvedAt !== undefined)
    return refuse(409, 'Already resolved', `Alert ${episodeId} has resolved meanwhile. Nothing was changed.`, back);

  const [verb, duration] = action.split('-') as ['ack' | 'snooze' | 'silence', string | undefined];
  const seconds = duration ? parseDuration(duration)! : undefined;
  if (verb === 'silence') {
    if (episode.kind !== 'agent') return refuse(400, 'Nothing changed', `Alert ${episodeId} is not about an agent.`, back);
    await deps.store.silences.add(
      {
        scope: { sources: [], groups: [], agents: [`${episode.source}:${episode.subjectId}`] },
        rules: [],
        startsAt: deps.now,
        endsAt: deps.now + seconds! * 1000,
        createdBy: by,
        comment: SILENCE_COMMENT,
      },
      deps.now,
    );
  } else {
    const result = await setAcknowledgment(deps.store, { episodeId, source, by, snoozeSec: seconds, now: deps.now });
    if (!result.ok) return refuse(result.reason === 'resolved' ? 409 : 404, 'Nothing changed', result.message, back);
  }
  // back to the list (303: the reload that follows is a GET), which confirms what was done
  const location = `${back}&done=${action}&e=${episodeId}`;
  return { status: 303, headers: { location }, html: messagePage('Done', 'Done.', location) };
}

/**
 * Whether a channel's page lists an open alert: the channels it was told on, as the planners route
 * (an escalation policy's levels reached so far, else those taking the severities it was announced at).
 */
export function listedFor(channel: Channel, e: Episode, config: Config): boolean {
  const rule = ruleOf(config, e.ruleId);
  const p = rule && policyOf(rule, config.escalationPolicies);
  if (p) return reachedChannels(p, e).includes(channel.id);
  // a two-tier alert was announced at its rule's severity, and past the first tier its escalation's
  const severities = rule ? toldSeverities(rule, e) : [e.severity];
  return severities.some((severity) => channelTakes(channel, { ...e, severity }));
}

async function listPage(token: string, channel: Channel, expiresAt: number, query: Request['query'], deps: OpenPageDeps): Promise<string> {
  const { config, now } = deps;
  const zones = Object.fromEntries(config.sources.map((s) => [s.id, s.timezone]));
  const [episodes, silences] = await Promise.all([
    deps.store.episodes.openEpisodes(),
    deps.store.silences.list({ now }).then(
      (all) => all.filter((s) => s.startsAt <= now),
      () => undefined,
    ),
  ]);
  const mine = episodes
    .filter((e) => listedFor(channel, e, config))
    .sort((a, b) => b.tier - a.tier || severityRank(b) - severityRank(a) || a.startedAt - b.startedAt);
  const rows = mine.map((e) => toRow(e, config, zones[e.source] ?? 'UTC', now, silences ?? []));
  const shownZones = new Set((channel.sources.length ? channel.sources : config.sources.map((s) => s.id)).map((s) => zones[s] ?? 'UTC'));
  const pageZone = shownZones.size === 1 ? [...shownZones][0]! : 'UTC';
  const done = DoneSchema.safeParse(query);
  return openAlertsPage({
    token,
    channel: channel.id,
    rows,
    asOf: zonedTime(now, pageZone),
    validUntil: zonedTime(expiresAt, pageZone),
    done: done.success ? confirmation(done.data.done, done.data.e, rows) : undefined,
    note: silences ? undefined : 'Silences could not be read just now; rows do not say which agents are silenced.',
  });
}

const severityRank = (e: Episode) => (e.severity === 'critical' ? 1 : 0);

function confirmation(action: PageAction, episodeId: string, rows: readonly OpenRow[]): string {
  const row = rows.find((r) => r.episodeId === episodeId);
  const what = row ? `${episodeId} (${row.who})` : episodeId;
  const [verb, d] = action.split('-');
  if (verb === 'ack') return `Acknowledged alert ${what}: no repeats or escalation until it resolves.`;
  if (verb === 'snooze') return `Snoozed alert ${what} for ${d}.`;
  return `Silenced ${row ? row.who : `the agent of alert ${episodeId}`} for ${d}.`;
}

function toRow(e: Episode, config: Config, tz: string, now: number, silences: readonly RuntimeSilence[]): OpenRow {
  const name = e.subjectName && e.subjectName !== e.subjectId ? `${e.subjectName} (${e.subjectId})` : e.subjectId;
  const who = e.kind === 'task' ? `Task ${name}` : e.kind === 'source' ? `Source ${e.subjectName ?? e.subjectId}` : name;
  const quiet = isQuiet(e, now);
  const ack =
    e.ackedBy === undefined
      ? 'no'
      : e.snoozeUntil === undefined
        ? `by ${e.ackedBy}`
        : quiet
          ? `snoozed by ${e.ackedBy} until ${zonedTime(e.snoozeUntil, tz)}`
          : `no (${e.ackedBy}'s snooze ended ${zonedTime(e.snoozeUntil, tz)})`;
  const silence =
    e.kind === 'agent'
      ? silences
          // the episode does not know the agent's groups: a group-scoped silence is not shown
          .filter((s) => (!s.rules.length || s.rules.includes(e.ruleId)) && scopeMatches(s.scope, e.source, e.subjectId, []))
          .sort((a, b) => b.endsAt - a.endsAt)[0]
      : undefined;
  return {
    episodeId: e.episodeId,
    source: e.source,
    who,
    kind: e.kind,
    ruleId: e.ruleId,
    state: stateOf(e, config),
    forText: formatDuration((now - e.startedAt) / 1000),
    since: zonedTime(e.startedAt, tz),
    tier: e.tier,
    level: e.level !== undefined ? e.level + 1 : undefined,
    severity: e.severity,
    ack,
    quiet,
    silenced: silence ? `Silenced until ${zonedTime(silence.endsAt, tz)} by ${silence.createdBy}` : undefined,
  };
}

/**
 * The state in words, from what the episode knows: its rule's states ("on a call or in wrap-up").
 * The agent's current state is not in the episode; while it is open, the rule still holds.
 */
function stateOf(e: Episode, config: Config): string {
  if (e.kind === 'source') return 'not answering';
  if (e.kind === 'task') return 'abnormal contacts above the limit';
  const rule = config.agentRules.find((r) => r.id === e.ruleId);
  return rule ? rule.states.map((s) => STATE_WORDS[s]).join(' or ') : `under rule ${e.ruleId}`;
}
