import { createHash } from 'node:crypto';
import { CfnOutput, Stack } from 'aws-cdk-lib';
import { CfnMicrosoftTeamsChannelConfiguration, LoggingLevel, SlackChannelConfiguration } from 'aws-cdk-lib/aws-chatbot';
import { Effect, ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { Channel } from '#shared/config/schema';
import type { Severity } from '#shared/model/severity';
import { targetKey } from '#shared/notify/targets';

export interface ChatChannelsProps {
  /** The configured channels; those with `chat` get a chat topic and their Slack / Teams configurations. */
  channels: readonly Channel[];
  /**
   * The alert topics' key (AlertChannels). SNS decrypts before it delivers to Chatbot's endpoint,
   * so Chatbot needs no use of it; publishers do (granted with the topic), and CloudWatch, which
   * that key already lets publish, can send alarms here too.
   */
  key: IKey;
}

/** Chatbot configuration names: letters, digits, - and _, at most 128. */
const CONFIG_NAME_MAX = 128;

/**
 * AWS Chatbot (Amazon Q Developer in chat applications) for the channels with `chat`: one
 * encrypted SNS topic per channel, which ccwatch publishes custom notifications to, read by the
 * channel's Slack and/or Microsoft Teams configuration. Notification only: the configurations'
 * role has no permissions and their guardrail denies everything, so nobody in the chat channel
 * can run an AWS action through Chatbot (without a guardrail Chatbot applies AdministratorAccess).
 */
export class ChatChannels extends Construct {
  /** Channel id -> its chat topic. */
  readonly topics = new Map<string, Topic>();
  readonly role: Role;
  readonly guardrail: ManagedPolicy;

  constructor(scope: Construct, id: string, props: ChatChannelsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const ids = new Set(props.channels.map((c) => c.id));
    const chat = props.channels.filter((c) => c.chat);
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('chatbot.amazonaws.com'),
      description: 'ccwatch chat notifications: Chatbot posts what ccwatch publishes; no AWS access from the chat channel',
    });
    this.guardrail = new ManagedPolicy(this, 'Guardrail', {
      description: 'ccwatch chat channels are notification only: no AWS action from chat',
      statements: [new PolicyStatement({ effect: Effect.DENY, actions: ['*'], resources: ['*'] })],
    });
    for (const channel of chat) {
      const c = channel.chat!;
      const topicName = `${stack.stackName}-${channel.id}-chat`;
      // the channels' own topics are `<stack>-<id>`: a channel named `<id>-chat` would take this name
      if (ids.has(`${channel.id}-chat`))
        throw new Error(
          `channels: "${channel.id}" has chat, and its chat topic ${topicName} would be the topic of channel "${channel.id}-chat"; rename one`,
        );
      const topic = new Topic(this, `Topic-${channel.id}`, {
        topicName,
        displayName: channel.displayName,
        masterKey: props.key,
        enforceSSL: true,
      });
      this.topics.set(channel.id, topic);
      new CfnOutput(this, `Topic-${channel.id}-Arn`, {
        value: topic.topicArn,
        description: `Chat topic (AWS Chatbot) for channel "${channel.id}"`,
      });
      if (c.slackWorkspaceId && c.slackChannelId) {
        new SlackChannelConfiguration(this, `Slack-${channel.id}`, {
          slackChannelConfigurationName: configName(stack, channel.id, 'slack'),
          slackWorkspaceId: c.slackWorkspaceId,
          slackChannelId: c.slackChannelId,
          notificationTopics: [topic],
          role: this.role,
          guardrailPolicies: [this.guardrail],
          loggingLevel: LoggingLevel.ERROR,
          userRoleRequired: false,
        });
      }
      if (c.teamsTenantId && c.teamsId && c.teamsChannelId) {
        new CfnMicrosoftTeamsChannelConfiguration(this, `Teams-${channel.id}`, {
          configurationName: configName(stack, channel.id, 'teams'),
          teamsTenantId: c.teamsTenantId,
          teamId: c.teamsId,
          teamsChannelId: c.teamsChannelId,
          snsTopicArns: [topic.topicArn],
          iamRoleArn: this.role.roleArn,
          guardrailPolicies: [this.guardrail.managedPolicyArn],
          loggingLevel: LoggingLevel.ERROR,
          userRoleRequired: false,
        });
      }
    }
  }

  /** Target key (`<channel>:chat`) -> topic ARN, to merge into the topics the functions are given. */
  arns(): Record<string, string> {
    return Object.fromEntries([...this.topics].map(([id, t]) => [targetKey(id, 'chat'), t.topicArn]));
  }

  /** The chat topics of the channels that take a severity (alarms go to the critical ones; Chatbot shows them as they are). */
  forSeverity(channels: readonly Channel[], severity: Severity): Topic[] {
    return channels.filter((c) => c.severities.includes(severity) && this.topics.has(c.id)).map((c) => this.topics.get(c.id)!);
  }
}

/**
 * Chatbot configurations are the account's, in every region: named after the stack, its region,
 * the channel and the chat service, so another stack (or this one in another region) has its own.
 * A stack name too long for the limit is cut and a hash of it kept.
 */
function configName(stack: Stack, channelId: string, kind: 'slack' | 'teams'): string {
  // a region name is at most 14 characters (ap-southeast-5); the token stands in for it
  const fixed = `-${channelId}-${kind}`.length + 1 + 14;
  let prefix = stack.stackName;
  if (prefix.length + fixed > CONFIG_NAME_MAX) {
    const hash = createHash('sha256').update(prefix).digest('hex').slice(0, 8);
    prefix = `${prefix.slice(0, CONFIG_NAME_MAX - fixed - hash.length - 1)}-${hash}`;
  }
  return `${prefix}-${stack.region}-${channelId}-${kind}`;
}
