import * as z from 'zod';
import { AgentStateSchema } from '#shared/model/agent';
import { DelaySchema, DurationSchema } from '#shared/model/duration';
import { SEVERITIES, SeveritySchema } from '#shared/model/severity';
import { SourceSchema } from '#shared/vendors/index';
import { DeploymentSchema } from './deployment';

/** Who a rule or a silence covers. Empty lists mean "any". Agents are "agentId" or "source:agentId". */
export const ScopeSchema = z
  .object({
    sources: z.array(z.string().min(1)).default([]),
    groups: z.array(z.string().min(1)).default([]),
    agents: z.array(z.string().min(1)).default([]),
  })
  .strict();
export type Scope = z.infer<typeof ScopeSchema>;

export const AgentRuleSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'expected an id of letters, digits, ., - or _'),
    /** States counted as one continuous episode, e.g. ["busy", "wrapup"] = "on a call". */
    states: z.array(AgentStateSchema.exclude(['offline'])).min(1),
    /** Only these vendor codes (e.g. Huawei "7", showing busy). */
    vendorStates: z.array(z.string()).optional(),
    /** Only these break reason codes (Huawei currentStateReason), e.g. ["3"]. */
    reasons: z.array(z.string()).optional(),
    scope: ScopeSchema.prefault({}),
    after: DurationSchema,
    escalateAfter: DurationSchema.optional(),
    /** Escalate when nobody acknowledged within this long of the alert (or of a snooze's end). */
    escalateIfNotAckedAfter: DurationSchema.optional(),
    /** An escalation policy's id: its levels say who is told when, instead of the channels by severity. */
    escalation: z.string().min(1).optional(),
    repeatEvery: DurationSchema.optional(),
    notifyResolved: z.boolean().default(true),
    severity: SeveritySchema.default('warning'),
    escalateSeverity: SeveritySchema.default('critical'),
  })
  .strict()
  .refine((r) => r.escalateAfter === undefined || r.escalateAfter > r.after, {
    path: ['escalateAfter'],
    message: 'must be longer than "after"',
  });
export type AgentRule = z.infer<typeof AgentRuleSchema>;

export const TaskRuleSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'expected an id of letters, digits, ., - or _'),
    source: z.string().min(1),
    /** Explicit preview task ids. */
    taskIds: z.array(z.number().int().positive()).default([]),
    /** Also watch every running preview task the vendor lists (ITNIO taskStatus 11). */
    discoverRunning: z.boolean().default(false),
    abnormalCount: z.number().int().positive().optional(),
    abnormalShare: z
      .object({ atLeast: z.number().gt(0).max(1), minAttempted: z.number().int().positive().default(20) })
      .strict()
      .optional(),
    growth: z.object({ by: z.number().int().positive(), within: DurationSchema }).strict().optional(),
    escalateAt: z.object({ abnormalCount: z.number().int().positive() }).strict().optional(),
    /** Escalate when nobody acknowledged within this long of the alert (or of a snooze's end). */
    escalateIfNotAckedAfter: DurationSchema.optional(),
    /** An escalation policy's id: its levels say who is told when, instead of the channels by severity. */
    escalation: z.string().min(1).optional(),
    repeatEvery: DurationSchema.optional(),
    notifyResolved: z.boolean().default(true),
    /**
     * How long the thresholds must stay unmet before an open alert resolves ("0m": at once), so a
     * task hovering at a threshold pages once, not at every crossing. A task that ends resolves at once.
     */
    resolveAfter: DelaySchema.default(300),
    severity: SeveritySchema.default('warning'),
    escalateSeverity: SeveritySchema.default('critical'),
    /** Newest abnormal contacts read to name reasons and show examples (one request). */
    sampleSize: z.number().int().min(0).max(100).default(50),
  })
  .strict()
  .refine((r) => r.abnormalCount || r.abnormalShare || r.growth, {
    message: 'needs at least one threshold: abnormalCount, abnormalShare or growth',
  })
  .refine((r) => r.taskIds.length > 0 || r.discoverRunning, { path: ['taskIds'], message: 'list task ids or set discoverRunning' });
export type TaskRule = z.infer<typeof TaskRuleSchema>;

export const E164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'expected an E.164 number like "+8613800138000"');

/** A Secrets Manager id (a name or an ARN) the stack grants the functions read on. */
const SecretIdSchema = z.string().regex(/^[A-Za-z0-9/_+=.@:-]{1,512}$/, 'expected a Secrets Manager secret name or ARN');

/**
 * PagerDuty Events API v2: one event per alert step (trigger, acknowledge, resolve), dedup_key =
 * the episode id. The routing key (an integration key of a PagerDuty service) is kept in Secrets
 * Manager as the secret's text. `webhookSecretId` names the signing secret of a v3 webhook
 * subscription whose acknowledgments acknowledge the ccwatch alert.
 */
export const PagerDutyTargetSchema = z
  .object({
    routingKeySecretId: SecretIdSchema,
    /** The account's service region: events go to events.pagerduty.com or events.eu.pagerduty.com. */
    region: z.enum(['us', 'eu']).default('us'),
    webhookSecretId: SecretIdSchema.optional(),
    /** Another Events API base URL (a proxy; loopback in tests). */
    url: z.url().optional(),
  })
  .strict();
export type PagerDutyTarget = z.infer<typeof PagerDutyTargetSchema>;

/**
 * Opsgenie Alert API: create (alias = the episode id), acknowledge, close. The API key (of an
 * "API" integration) is the secret's text. Opsgenie does not sign its webhooks: `webhookSecretId`
 * holds a token the outgoing webhook integration sends as a custom header, compared in constant time.
 */
export const OpsgenieTargetSchema = z
  .object({
    apiKeySecretId: SecretIdSchema,
    region: z.enum(['us', 'eu']).default('us'),
    webhookSecretId: SecretIdSchema.optional(),
    /** Another Alert API base URL (a proxy; loopback in tests). */
    url: z.url().optional(),
  })
  .strict();
export type OpsgenieTarget = z.infer<typeof OpsgenieTargetSchema>;

/** AWS Chatbot: Slack and/or Microsoft Teams channels fed from the channel's own chat topic. */
export const ChatTargetSchema = z
  .object({
    slackWorkspaceId: z
      .string()
      .regex(/^[A-Z0-9]{9,11}$/, 'expected a Slack workspace id like "T0123ABCDE"')
      .optional(),
    slackChannelId: z
      .string()
      .regex(/^[A-Z0-9]{9,11}$/, 'expected a Slack channel id like "C0123ABCDE"')
      .optional(),
    teamsTenantId: z.uuid().optional(),
    teamsId: z.uuid().optional(),
    teamsChannelId: z.string().min(1).max(256).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const slack = [c.slackWorkspaceId, c.slackChannelId].filter(Boolean).length;
    const teams = [c.teamsTenantId, c.teamsId, c.teamsChannelId].filter(Boolean).length;
    if (slack === 1) ctx.addIssue({ code: 'custom', message: 'Slack needs both slackWorkspaceId and slackChannelId' });
    if (teams > 0 && teams < 3) ctx.addIssue({ code: 'custom', message: 'Teams needs teamsTenantId, teamsId and teamsChannelId' });
    if (slack === 0 && teams === 0) ctx.addIssue({ code: 'custom', message: 'name a Slack channel or a Teams channel' });
  });
export type ChatTarget = z.infer<typeof ChatTargetSchema>;

export const ChannelSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'expected an id of letters, digits, - or _'),
    /** Severities this channel receives (escalation policies name their channels whatever they take). */
    severities: z.array(SeveritySchema).min(1),
    /**
     * Only alerts of these sources / kinds (empty: all). Filtering happens where each channel's
     * digest is built: one SNS message carries many alerts, so SNS subscription filter policies
     * could only take or drop the whole digest. An audience for one source gets its own channel.
     */
    sources: z.array(z.string().min(1)).default([]),
    kinds: z.array(z.enum(['agent', 'task', 'source'])).default([]),
    /** The SNS topic display name; SNS puts it in front of every SMS. */
    displayName: z.string().max(10).default('ccwatch'),
    emails: z.array(z.email()).default([]),
    sms: z.array(E164).default([]),
    pagerduty: PagerDutyTargetSchema.optional(),
    opsgenie: OpsgenieTargetSchema.optional(),
    chat: ChatTargetSchema.optional(),
  })
  .strict();
export type Channel = z.infer<typeof ChannelSchema>;

/**
 * Who is told when, for the rules that name it: the first level when the alert fires, each next
 * one `after` the firing while nobody has acknowledged it (a snooze pauses: the next level comes
 * its whole delay after the snooze ends), then with `repeat` the levels again, n more times, the
 * last two levels' gap apart. A resolve tells every channel of the levels reached.
 */
export const EscalationPolicySchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'expected an id of letters, digits, ., - or _'),
    levels: z
      .array(
        z
          .object({
            after: DelaySchema,
            channels: z.array(z.string().min(1)).min(1),
            /** Default: the rule's severity on the first level, its escalateSeverity after. */
            severity: SeveritySchema.optional(),
          })
          .strict(),
      )
      .min(1)
      .max(10),
    repeat: z.number().int().min(1).max(10).optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.levels[0]!.after !== 0)
      ctx.addIssue({ code: 'custom', path: ['levels', 0, 'after'], message: 'the first level is the firing: "0m"' });
    p.levels.forEach((l, i) => {
      if (i > 0 && l.after <= p.levels[i - 1]!.after)
        ctx.addIssue({ code: 'custom', path: ['levels', i, 'after'], message: 'must be later than the level before' });
    });
    if (p.repeat !== undefined && p.levels.length < 2)
      ctx.addIssue({ code: 'custom', path: ['repeat'], message: "repeating needs two levels or more (use the rule's repeatEvery)" });
  });
export type EscalationPolicy = z.infer<typeof EscalationPolicySchema>;

/**
 * Replies to alert SMS (AWS End User Messaging SMS, two-way): alerts are sent from this number and
 * its inbound messages reach the stack's inbound topic; "ACK K7M2QX", "SNOOZE K7M2QX 30m" or "ACK"
 * from a number a channel sends SMS to acknowledge.
 */
export const SmsSettingsSchema = z
  .object({
    twoWay: z.object({ originationNumber: E164 }).strict().optional(),
  })
  .strict();

export const SilenceSchema = z
  .object({
    scope: ScopeSchema,
    /** Only these rules (agent or task rule ids, "source-down"); empty: every rule. */
    rules: z.array(z.string().min(1)).default([]),
    from: z.iso
      .datetime({ offset: true })
      .transform((s) => Date.parse(s))
      .optional(),
    until: z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
    reason: z.string().optional(),
  })
  .strict();
export type Silence = z.infer<typeof SilenceSchema>;

export const ConfigSchema = z
  .object({
    sources: z.array(SourceSchema).min(1),
    agentRules: z.array(AgentRuleSchema).default([]),
    taskRules: z.array(TaskRuleSchema).default([]),
    channels: z.array(ChannelSchema).min(1),
    escalationPolicies: z.array(EscalationPolicySchema).default([]),
    sms: SmsSettingsSchema.optional(),
    silences: z.array(SilenceSchema).default([]),
    /** Consecutive failed runs of one source before a "source down" alert. */
    sourceDownAfter: z.number().int().min(1).max(60).default(3),
    schedule: z
      .object({
        /** How often each function runs: whole minutes, 1 to 60 (EventBridge Scheduler rates). */
        every: DurationSchema.refine((s) => s % 60 === 0 && s >= 60 && s <= 3600, 'expected whole minutes from "1m" to "60m"').default(60),
        /** Page when no run of a function has succeeded for this many intervals. */
        staleAfterRuns: z.number().int().min(2).max(60).default(5),
        /**
         * Run only inside the sources' business hours (cron schedules in their timezone) instead of
         * around the clock. Costs: the no-successful-run alarm cannot tell closed hours from a dead
         * watcher. The closed hours no tick ran count toward no rule: a state seen at closing goes on
         * counting from the opening (ITNIO, NX; Huawei tells the time in state itself).
         */
        businessHoursOnly: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    /** How the stack sits in the account: a VPC for the source-reading functions, reserved concurrency (shared/config/deployment.ts). */
    deployment: DeploymentSchema.optional(),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const dup = <T>(items: T[], key: (t: T) => string, path: string) => {
      const seen = new Set<string>();
      items.forEach((item, i) => {
        const k = key(item);
        if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [path, i, 'id'], message: `duplicate id "${k}"` });
        seen.add(k);
      });
    };
    dup(cfg.sources, (s) => s.id, 'sources');
    dup(cfg.agentRules, (r) => r.id, 'agentRules');
    dup(cfg.taskRules, (r) => r.id, 'taskRules');
    dup(cfg.channels, (c) => c.id, 'channels');
    dup(cfg.escalationPolicies, (p) => p.id, 'escalationPolicies');
    const channelIds = new Set(cfg.channels.map((c) => c.id));
    cfg.escalationPolicies.forEach((p, i) => {
      p.levels.forEach((l, j) => {
        l.channels.forEach((c, k) => {
          if (!channelIds.has(c))
            ctx.addIssue({
              code: 'custom',
              path: ['escalationPolicies', i, 'levels', j, 'channels', k],
              message: `unknown channel "${c}"`,
            });
        });
      });
    });
    const policyIds = new Set(cfg.escalationPolicies.map((p) => p.id));
    for (const [path, rules] of [
      ['agentRules', cfg.agentRules],
      ['taskRules', cfg.taskRules],
    ] as const) {
      rules.forEach((r, i) => {
        if (r.escalation === undefined) return;
        if (!policyIds.has(r.escalation))
          ctx.addIssue({ code: 'custom', path: [path, i, 'escalation'], message: `unknown escalation policy "${r.escalation}"` });
        const legacy = ['escalateAfter', 'escalateIfNotAckedAfter', 'escalateAt'].filter(
          (k) => (r as Record<string, unknown>)[k] !== undefined,
        );
        if (legacy.length)
          ctx.addIssue({
            code: 'custom',
            path: [path, i, legacy[0]!],
            message: `a rule with an escalation policy escalates by its levels: leave out ${legacy.join(' and ')}`,
          });
      });
    }
    if (cfg.sms?.twoWay && !cfg.channels.some((c) => c.sms.length))
      ctx.addIssue({
        code: 'custom',
        path: ['sms', 'twoWay'],
        message: 'no channel sends SMS: replies can only come from numbers a channel sends to',
      });
    const ids = new Set(cfg.sources.map((s) => s.id));
    cfg.channels.forEach((c, i) => {
      c.sources.forEach((s, j) => {
        if (!ids.has(s)) ctx.addIssue({ code: 'custom', path: ['channels', i, 'sources', j], message: `unknown source "${s}"` });
      });
    });
    cfg.agentRules.forEach((r, i) => {
      r.scope.sources.forEach((s, j) => {
        if (!ids.has(s)) ctx.addIssue({ code: 'custom', path: ['agentRules', i, 'scope', 'sources', j], message: `unknown source "${s}"` });
      });
    });
    cfg.taskRules.forEach((r, i) => {
      const src = cfg.sources.find((s) => s.id === r.source);
      if (!src) ctx.addIssue({ code: 'custom', path: ['taskRules', i, 'source'], message: `unknown source "${r.source}"` });
      else if (src.vendor !== 'itnio')
        ctx.addIssue({
          code: 'custom',
          path: ['taskRules', i, 'source'],
          message: `preview tasks are an ITNIO feature; "${r.source}" is ${src.vendor}`,
        });
    });
    let criticalReported = false;
    for (const sev of SEVERITIES) {
      const escalates = (r: { escalateAfter?: number; escalateAt?: unknown; escalateIfNotAckedAfter?: number }) =>
        r.escalateAfter !== undefined || r.escalateAt !== undefined || r.escalateIfNotAckedAfter !== undefined;
      // a rule with a policy is routed by its levels, not by severity
      const used = [...cfg.agentRules, ...cfg.taskRules]
        .filter((r) => r.escalation === undefined)
        .some((r) => r.severity === sev || (escalates(r) && r.escalateSeverity === sev));
      if (used && !cfg.channels.some((c) => c.severities.includes(sev))) {
        ctx.addIssue({ code: 'custom', path: ['channels'], message: `no channel receives severity "${sev}", which a rule uses` });
        criticalReported ||= sev === 'critical';
      }
    }
    // "source down" pages and the alarms are critical: someone must receive them
    if (!criticalReported && !cfg.channels.some((c) => c.severities.includes('critical'))) {
      ctx.addIssue({
        code: 'custom',
        path: ['channels'],
        message: 'no channel receives severity "critical"; source-down alerts and alarms need one',
      });
    }
    if (cfg.deployment?.reservedConcurrency?.previewTasks !== undefined && cfg.taskRules.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['deployment', 'reservedConcurrency', 'previewTasks'],
        message: 'there is no preview-tasks function without task rules: leave it out',
      });
  });
export type Config = z.infer<typeof ConfigSchema>;

/** The sources a task rule names: the only ones the preview-tasks function reads. */
export function taskSources(config: Config): Config['sources'] {
  return config.sources.filter((s) => config.taskRules.some((r) => r.source === s.id));
}

/** The agent or task rule an alert follows (its episode's ruleId), if it is still configured. */
export function ruleOf(config: Config, ruleId: string): AgentRule | TaskRule | undefined {
  return config.agentRules.find((r) => r.id === ruleId) ?? config.taskRules.find((r) => r.id === ruleId);
}
