import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod';
import { policyOf } from '#shared/alerting/escalation';
import { type Channel, type Config, E164, ruleOf } from '#shared/config/schema';
import { formatDuration, parseDuration } from '#shared/model/duration';
import { formatIssues } from '#shared/model/issues';
import type { Episode, EpisodeEvent } from '#shared/model/items';
import { maskPhone } from '#shared/model/phone';
import { channelTakes } from '#shared/notify/digest';
import { STATE_WORDS } from '#shared/notify/format';
import { mapLimit } from '#shared/runtime/concurrency';
import type { Log } from '#shared/runtime/log';
import type { Store } from '#shared/store/store';
import { setAcknowledgment } from './acknowledge';

/**
 * Acknowledging alerts by replying to the alert SMS (AWS End User Messaging SMS, two-way). The
 * inbound message comes from the stack's inbound topic; "ACK K7M2QX", "SNOOZE K7M2QX 30m", or
 * "ACK" / "SNOOZE 30m" for the latest alert sent to the sender. Only numbers a channel sends SMS to
 * are answered; anything else gets no reply at all, so that the number cannot be used as a relay.
 *
 * An alert counts as sent to a number when a channel listing the number takes it (severity, sources,
 * kinds: what the channel's open-alerts page lists), or when the alert's history records a
 * "notified" line for such a channel (an escalation policy's level, or a severity the alert had
 * before it escalated).
 */

// ---------------------------------------------------------------- the inbound message (pure)

/** What End User Messaging publishes to the two-way topic for each inbound SMS. */
export const InboundSmsSchema = z.object({
  originationNumber: E164,
  destinationNumber: E164,
  messageKeyword: z.string().optional(),
  messageBody: z.string().max(1600),
  inboundMessageId: z.string().min(1),
  previousPublishedMessageId: z.string().optional(),
});
export type InboundSms = z.infer<typeof InboundSmsSchema>;

const SnsRecordSchema = z.object({ Sns: z.object({ Message: z.string(), MessageId: z.string().optional() }) });
const SnsEventSchema = z.object({ Records: z.array(z.unknown()) });

/** One record of the Lambda's SNS event: the inbound SMS, or why it was not one (the field named). */
export type InboundRecord = { ok: true; sms: InboundSms } | { ok: false; index: number; messageId?: string | undefined; problem: string };

/** The SNS event's records, each parsed on its own: a malformed one does not hold up the others. */
export function parseInboundEvent(event: unknown): InboundRecord[] {
  const outer = SnsEventSchema.safeParse(event);
  if (!outer.success) return [{ ok: false, index: -1, problem: `not an SNS event: ${formatIssues(outer.error).join('; ')}` }];
  return outer.data.Records.map((raw, index): InboundRecord => {
    const record = SnsRecordSchema.safeParse(raw);
    if (!record.success) return { ok: false, index, problem: formatIssues(record.error, `Records[${index}]`).join('; ') };
    const messageId = record.data.Sns.MessageId;
    let body: unknown;
    try {
      body = JSON.parse(record.data.Sns.Message);
    } catch {
      return { ok: false, index, messageId, problem: `Records[${index}].Sns.Message: not JSON` };
    }
    const sms = InboundSmsSchema.safeParse(body);
    if (!sms.success) return { ok: false, index, messageId, problem: formatIssues(sms.error, `Records[${index}].Sns.Message`).join('; ') };
    return { ok: true, sms: sms.data };
  });
}

// ---------------------------------------------------------------- the command (pure)

/** Snoozes longer than this are refused: a typo ("30d" for "30m") must not silence an alert for a month. */
export const MAX_SNOOZE_SEC = 24 * 3600;

const EPISODE_ID = /^[2-9A-HJ-NP-Z]{6}$/;

/**
 * Words End User Messaging itself answers (opt-out, opt-in, help) when the number manages
 * opt-outs: never answered here as well, and never with the help text.
 */
const CARRIER_KEYWORDS = new Set([
  'STOP',
  'STOPALL',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  'OPTOUT',
  'OPT-OUT',
  'REVOKE',
  'ARRET',
  'HELP',
  'INFO',
  'START',
  'UNSTOP',
  'YES',
  'SUBSCRIBE',
]);

export type SmsCommand =
  /** episodeId absent: the latest alert sent to the sender. */
  | { verb: 'ack'; episodeId?: string }
  | { verb: 'snooze'; episodeId?: string; snoozeSec: number }
  /** Something else: answered with the one-line help. */
  | { verb: 'help'; why?: string }
  /** An opt-out/opt-in/help keyword End User Messaging handles: no answer from here. */
  | { verb: 'keyword' };

/** "ack k7m2qx", "SNOOZE [K7M2QX] 30m", "Ack", "snooze 15m": case and extra spaces do not matter. */
export function parseSmsCommand(body: string): SmsCommand {
  const words = body
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => w.toUpperCase());
  const [first, ...args] = words;
  if (!first) return { verb: 'help' };
  const verb = first.replace(/[.,;!]+$/, '');
  if (CARRIER_KEYWORDS.has(verb)) return { verb: 'keyword' };
  // the alert SMS shows ids as "[K7M2QX]"; a copied id keeps its brackets
  const id = (w: string | undefined) => {
    const bare = w?.replace(/^\[(.*)\]$/, '$1').replace(/[.,;!]+$/, '');
    return bare && EPISODE_ID.test(bare) ? bare : undefined;
  };
  if (verb === 'ACK') {
    if (args.length === 0) return { verb: 'ack' };
    const episodeId = id(args[0]);
    return args.length === 1 && episodeId ? { verb: 'ack', episodeId } : { verb: 'help' };
  }
  if (verb === 'SNOOZE') {
    const episodeId = args.length === 2 ? id(args[0]) : undefined;
    if (args.length === 2 && !episodeId) return { verb: 'help' };
    const durationText = args.length === 2 ? args[1] : args.length === 1 ? args[0] : undefined;
    if (durationText === undefined) return { verb: 'help', why: 'say for how long, e.g. SNOOZE K7M2QX 30m' };
    const seconds = parseDuration(durationText.toLowerCase());
    if (seconds === undefined) return { verb: 'help', why: 'say for how long, e.g. SNOOZE K7M2QX 30m' };
    if (seconds > MAX_SNOOZE_SEC) return { verb: 'help', why: `snooze at most ${formatDuration(MAX_SNOOZE_SEC)}` };
    return { verb: 'snooze', ...(episodeId ? { episodeId } : {}), snoozeSec: seconds };
  }
  return { verb: 'help' };
}

// ---------------------------------------------------------------- who may, which alert (pure)

/** The channels whose SMS list holds this number: the only senders answered. */
export function channelsOfNumber(config: Config, number: string): Channel[] {
  return config.channels.filter((c) => c.sms.includes(number));
}

/** Who the acknowledgment is recorded as: the number masked like every phone number ccwatch shows. */
export function smsActor(number: string): string {
  return `sms:${maskPhone(number)}`;
}

/**
 * Whether the alert went to one of these channels: a channel takes it (severity and filters, as the
 * open-alerts page lists it), or its history names one of them in a "notified" line.
 */
export function sentToChannels(episode: Episode, events: readonly EpisodeEvent[] | undefined, channels: readonly Channel[]): boolean {
  if (channels.some((c) => channelTakes(c, episode))) return true;
  const ids = new Set(channels.map((c) => c.id));
  return (events ?? []).some((e) => e.event === 'notified' && e.channel !== undefined && ids.has(e.channel));
}

/** When the alert was last sent to one of these channels, as far as the episode and its history tell. */
function lastSentAt(episode: Episode, events: readonly EpisodeEvent[] | undefined, channels: readonly Channel[]): number {
  const ids = new Set(channels.map((c) => c.id));
  const notified = (events ?? []).filter((e) => e.event === 'notified' && e.channel !== undefined && ids.has(e.channel)).map((e) => e.at);
  if (notified.length) return Math.max(...notified);
  return episode.lastNotifiedAt;
}

/**
 * Whether an open alert could have reached these channels other than by their severity: it
 * escalated (its earlier severity may have been theirs) or its rule follows an escalation policy
 * that names one of them. Only these need their history read.
 */
function mayHaveReached(config: Config, episode: Episode, channels: readonly Channel[]): boolean {
  if (episode.tier > 1 || episode.level !== undefined) return true;
  const rule = ruleOf(config, episode.ruleId);
  const p = rule && policyOf(rule, config.escalationPolicies);
  return !!p?.policy.levels.some((l) => l.channels.some((id) => channels.some((c) => c.id === id)));
}

// ---------------------------------------------------------------- the reply text (pure)

/** Every reply is one line; the help says everything there is. */
export const HELP_TEXT = 'ccwatch: reply ACK <id>, SNOOZE <id> 30m, or ACK alone for your latest alert.';

/** "Alice Chen on break 25m", "task Renewals", "itnio-main down". */
export function describeForSms(e: Episode, config: Config, now: number): string {
  const name = e.subjectName && e.subjectName !== e.subjectId ? e.subjectName : e.subjectId;
  const open = formatDuration((now - e.startedAt) / 1000);
  if (e.kind === 'source') return `${e.subjectName ?? e.subjectId} down ${open}`;
  if (e.kind === 'task') return `task ${name} ${open}`;
  const rule = config.agentRules.find((r) => r.id === e.ruleId);
  const state = rule ? STATE_WORDS[rule.states[0]!] : `rule ${e.ruleId}`;
  return `${name} ${state} ${open}`;
}

/** "10:40 Europe/London", with the day in front when it is not today there. */
export function untilText(until: number, now: number, timezone: string): string {
  const day = (ms: number) => new Intl.DateTimeFormat('en-GB', { timeZone: timezone, day: '2-digit', month: 'short' }).format(ms);
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(until);
  return `${day(until) === day(now) ? '' : `${day(until)} `}${time} ${timezone}`;
}

export function ackedText(e: Episode, config: Config, now: number): string {
  return `Acknowledged ${e.episodeId}: ${describeForSms(e, config, now)}. No repeats or escalation until it resolves.`;
}

export function snoozedText(e: Episode, config: Config, now: number, until: number): string {
  const tz = config.sources.find((s) => s.id === e.source)?.timezone ?? 'UTC';
  return `Snoozed ${e.episodeId} until ${untilText(until, now, tz)}: ${describeForSms(e, config, now)}.`;
}

// ---------------------------------------------------------------- acting on one message (I/O)

/** What was done with one inbound message (logged by the handler; tests read it). */
export type SmsOutcome =
  | { action: 'ignored'; reason: 'wrong-destination' | 'unknown-sender' | 'keyword' }
  | { action: 'replied'; result: 'acked' | 'snoozed' | 'no-alert' | 'help' | 'ambiguous'; episodeId?: string; reply: string };

export interface SmsReplyDeps {
  store: Store;
  config: Config;
  /** The two-way number alerts are sent from (config.sms.twoWay.originationNumber). */
  originationNumber: string;
  now: number;
  /** Sends one SMS to a number, from the two-way number. */
  send: (to: string, text: string) => Promise<void>;
  log: Log;
}

/** Open alerts whose history is read, at most, to find the latest one sent to a number. */
const HISTORY_READS = 25;

/**
 * Handles one inbound SMS: checks where it was sent and who sent it, then acknowledges or snoozes
 * and answers in one line. Nothing at all is sent to a number no channel sends SMS to.
 */
export async function handleInboundSms(sms: InboundSms, deps: SmsReplyDeps): Promise<SmsOutcome> {
  if (sms.destinationNumber !== deps.originationNumber) return { action: 'ignored', reason: 'wrong-destination' };
  const channels = channelsOfNumber(deps.config, sms.originationNumber);
  if (!channels.length) return { action: 'ignored', reason: 'unknown-sender' };
  const command = parseSmsCommand(sms.messageBody);
  if (command.verb === 'keyword') return { action: 'ignored', reason: 'keyword' };
  const reply = async (out: Extract<SmsOutcome, { action: 'replied' }>): Promise<SmsOutcome> => {
    await deps.send(sms.originationNumber, out.reply);
    return out;
  };
  if (command.verb === 'help')
    return reply({ action: 'replied', result: 'help', reply: command.why ? `${HELP_TEXT} (${command.why})` : HELP_TEXT });

  const target = command.episodeId
    ? await namedAlert(deps, command.episodeId, channels)
    : await latestAlert(deps, channels).then((e) => (e ? { episode: e } : { missing: 'No open alert sent to this number.' }));
  if ('missing' in target) return reply({ action: 'replied', result: 'no-alert', ...idOf(command), reply: target.missing });
  if ('ambiguous' in target) return reply({ action: 'replied', result: 'ambiguous', ...idOf(command), reply: target.ambiguous });

  const { episode } = target;
  const snoozeSec = command.verb === 'snooze' ? command.snoozeSec : undefined;
  const result = await setAcknowledgment(deps.store, {
    episodeId: episode.episodeId,
    source: episode.source,
    by: smsActor(sms.originationNumber),
    snoozeSec,
    now: deps.now,
  });
  if (!result.ok)
    return reply({ action: 'replied', result: 'no-alert', episodeId: episode.episodeId, reply: `No open alert ${episode.episodeId}.` });
  const done = result.episode;
  return done.snoozeUntil !== undefined && snoozeSec !== undefined
    ? reply({
        action: 'replied',
        result: 'snoozed',
        episodeId: done.episodeId,
        reply: snoozedText(done, deps.config, deps.now, done.snoozeUntil),
      })
    : reply({ action: 'replied', result: 'acked', episodeId: done.episodeId, reply: ackedText(done, deps.config, deps.now) });
}

const idOf = (c: SmsCommand) => ('episodeId' in c && c.episodeId ? { episodeId: c.episodeId } : {});

/**
 * The alert an id names, if it is open and was sent to these channels. An alert that exists but
 * was not sent to the sender is answered like one that does not exist: a reply says nothing about
 * other people's alerts.
 */
async function namedAlert(
  deps: SmsReplyDeps,
  episodeId: string,
  channels: readonly Channel[],
): Promise<{ episode: Episode } | { missing: string } | { ambiguous: string }> {
  const found = (await deps.store.episodes.findEpisode(episodeId, deps.now)).filter(
    (f) => f.episode.resolvedAt === undefined && sentToChannels(f.episode, f.events, channels),
  );
  if (found.length === 0) return { missing: `No open alert ${episodeId}.` };
  if (found.length > 1)
    return {
      ambiguous: `${episodeId} names ${found.length} open alerts (${found.map((f) => f.episode.source).join(', ')}); use the alert email's link.`,
    };
  return { episode: found[0]!.episode };
}

/** The open alert most recently sent to one of these channels. */
async function latestAlert(deps: SmsReplyDeps, channels: readonly Channel[]): Promise<Episode | undefined> {
  const open = await deps.store.episodes.openEpisodes();
  const candidates: { episode: Episode; at: number }[] = open
    .filter((e) => channels.some((c) => channelTakes(c, e)))
    .map((e) => ({ episode: e, at: e.lastNotifiedAt }));
  // the rest could have reached the number only by escalating or by a policy's level: their history says
  const others = open
    .filter((e) => !channels.some((c) => channelTakes(c, e)) && mayHaveReached(deps.config, e, channels))
    .sort((a, b) => b.lastNotifiedAt - a.lastNotifiedAt)
    .slice(0, HISTORY_READS);
  const checked = await mapLimit(others, 8, async (e) => {
    const [found] = (await deps.store.episodes.findEpisode(e.episodeId, deps.now)).filter((f) => f.episode.source === e.source);
    return found && sentToChannels(found.episode, found.events, channels)
      ? { episode: e, at: lastSentAt(e, found.events, channels) }
      : undefined;
  });
  for (const c of checked) if (c) candidates.push(c);
  candidates.sort((a, b) => b.at - a.at || b.episode.startedAt - a.episode.startedAt);
  return candidates[0]?.episode;
}

// ---------------------------------------------------------------- sending the reply (I/O)

/**
 * A sender of one-line replies: SNS Publish to the phone number, from the two-way number (so that
 * the next reply comes back to it), Transactional like the alerts.
 */
export function snsSmsSender(sns: SNSClient, originationNumber: string): (to: string, text: string) => Promise<void> {
  return async (to, text) => {
    await sns.send(
      new PublishCommand({
        PhoneNumber: to,
        Message: text,
        MessageAttributes: {
          'AWS.MM.SMS.OriginationNumber': { DataType: 'String', StringValue: originationNumber },
          'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
        },
      }),
    );
  };
}

/** What happened to each record of one SNS event, for the handler's log. */
export interface SmsBatchReport {
  handled: { inboundMessageId: string; from: string; outcome: SmsOutcome }[];
  malformed: { index: number; messageId?: string | undefined; problem: string }[];
  failed: { inboundMessageId: string; from: string; error: string }[];
}

/**
 * Every record of one SNS event: malformed ones are logged (the field named) and skipped; one that
 * fails (DynamoDB, SNS) is logged and does not stop the others. The caller decides whether a
 * failure fails the invocation (so that Lambda tries the event again).
 */
export async function handleInboundEvent(event: unknown, deps: Omit<SmsReplyDeps, 'now'> & { now: () => number }): Promise<SmsBatchReport> {
  const report: SmsBatchReport = { handled: [], malformed: [], failed: [] };
  for (const record of parseInboundEvent(event)) {
    if (!record.ok) {
      deps.log.warn('inbound SMS record skipped: malformed', { index: record.index, messageId: record.messageId, problem: record.problem });
      report.malformed.push({ index: record.index, messageId: record.messageId, problem: record.problem });
      continue;
    }
    const { sms } = record;
    const from = maskPhone(sms.originationNumber);
    try {
      const outcome = await handleInboundSms(sms, { ...deps, now: deps.now() });
      // the message body is not logged: it is whatever anyone typed
      deps.log.info('inbound SMS', {
        inboundMessageId: sms.inboundMessageId,
        from,
        action: outcome.action,
        ...(outcome.action === 'ignored' ? { reason: outcome.reason } : { result: outcome.result, episodeId: outcome.episodeId }),
      });
      report.handled.push({ inboundMessageId: sms.inboundMessageId, from, outcome });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      deps.log.error('inbound SMS failed', { inboundMessageId: sms.inboundMessageId, from, error });
      report.failed.push({ inboundMessageId: sms.inboundMessageId, from, error });
    }
  }
  return report;
}
