/**
 * Names that cross the boundary between the CDK app and the running functions: function ids,
 * metric names, environment variables. Spelled once, here; no SDK or runtime import, so `cdk/`
 * can read it without bundling anything.
 */

/** Function ids: the folder under functions/, the Powertools service name, the metric dimension. */
export const FN = {
  agentStatus: 'agent-status',
  previewTasks: 'preview-tasks',
  ack: 'ack',
  /** Replies to alert SMS (two-way SMS): acknowledge or snooze. */
  smsReply: 'sms-reply',
} as const;
export type FunctionId = (typeof FN)[keyof typeof FN];
/** The scheduled functions that read sources. */
export type ScheduledFunctionId = typeof FN.agentStatus | typeof FN.previewTasks;

export const METRICS_NAMESPACE = 'ccwatch';

/** Metric names the functions emit and the dashboard and alarms read. */
export const METRIC = {
  runDuration: 'RunDuration',
  sourcesFailed: 'SourcesFailed',
  sourcesOk: 'SourcesOk',
  alertsPublished: 'AlertsPublished',
  publishFailures: 'PublishFailures',
  activeAlerts: 'ActiveAlerts',
  /** Sources whose secret still holds the deploy's placeholder values: not read, never paged. */
  sourcesNotConfigured: 'SourcesNotConfigured',
  /** Per agent state: `Agents_busy`, `Agents_break`, ... */
  agentsInState: (state: string) => `Agents_${state}`,
} as const;

/**
 * The value the stack puts in a new source secret's credential fields until the operator puts the
 * real credentials in (`ccwatch secrets set`); a source whose secret still holds it is "not configured".
 */
export const SECRET_PLACEHOLDER = 'REPLACE_ME';

/** Environment variables the stack sets and the functions read. None ever holds a secret value. */
export const ENV = {
  /** The validated config, inlined into the bundle at synth. */
  config: 'CCWATCH_CONFIG',
  table: 'CCWATCH_TABLE',
  /** JSON: channel id -> SNS topic ARN. */
  topics: 'CCWATCH_TOPICS',
  /** Base URL of the acknowledge endpoint. */
  ackUrl: 'CCWATCH_ACK_URL',
  /** Secrets Manager id (ARN) of the key that signs acknowledge links: the id, never the key. */
  ackSecret: 'CCWATCH_ACK_SECRET',
  /**
   * The CloudFormation stack's name: where its source secrets live (stackSecretName) and the
   * `stack` dimension of the functions' metrics, so two stacks in one region keep apart.
   */
  stack: 'CCWATCH_STACK',
} as const;

/**
 * The Secrets Manager name of a source's credentials in a deployed stack: `<stack>/<secretId>`,
 * so two stacks in one region (and one stack redeployed onto its retained secrets) each have their
 * own. A secretId that is an ARN names an existing secret and is used as it is.
 */
export function stackSecretName(stack: string, secretId: string): string {
  return secretId.startsWith('arn:') ? secretId : `${stack}/${secretId}`;
}
