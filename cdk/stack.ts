import { CfnOutput, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { type Config, taskSources } from '#shared/config/schema';
import { ENV, FN, type ScheduledFunctionId, stackSecretName } from '#shared/contracts/names';
import { stageUnits } from '#shared/run/units';
import type { SourceConfig } from '#shared/vendors/index';
import { AckEndpoint, onCallKeySecretIds } from './constructs/ack-endpoint';
import { AlertChannels } from './constructs/alert-channels';
import { ChatChannels } from './constructs/chat';
import { CcwatchDashboard } from './constructs/dashboard';
import { SourceNetwork } from './constructs/network';
import { ScheduledFunction, SOURCE_STAGES_IN_FLIGHT } from './constructs/scheduled-function';
import { existingSecret, grantReadExisting, grantReadSecrets } from './constructs/secret-refs';
import { SmsInbound } from './constructs/sms-inbound';
import { StateTable } from './constructs/state-table';
import { businessHoursSchedules } from './schedule';

export interface CcwatchStackProps extends StackProps {
  config: Config;
  runtimeJson: string;
  /**
   * Use the existing secrets `<stack>/<secretId>` (those an earlier deploy of this stack created
   * and `cdk destroy` retained) instead of creating placeholders.
   */
  importSecrets?: boolean;
}

/** The secret JSON each vendor's adapter expects, with placeholders the operator replaces. */
const PLACEHOLDER_FIELDS: Record<SourceConfig['vendor'], string[]> = {
  itnio: ['apiKey', 'apiSecret'],
  huawei: ['ak', 'sk'],
  nxcloud: ['accessKey', 'accessSecret'],
};

export class CcwatchStack extends Stack {
  constructor(scope: Construct, id: string, props: CcwatchStackProps) {
    super(scope, id, props);
    const { config } = props;
    const { table } = new StateTable(this, 'State');
    const channels = new AlertChannels(this, 'Channels', config.channels);
    // AWS Chatbot: a chat topic (and its Slack / Teams configurations) per channel with `chat`
    const chat = config.channels.some((c) => c.chat)
      ? new ChatChannels(this, 'Chat', { channels: config.channels, key: channels.key })
      : undefined;

    // secretId -> the secret; a created or imported one is named `<stack>/<secretId>` (stackSecretName),
    // so another stack in the region has its own, and the functions are told the stack's name (ENV.stack)
    const secrets = new Map<string, ISecret>();
    const secretNames: string[] = [];
    // the operator's own secrets, maybe under a key of theirs (grantReadExisting)
    const imported = new Set<ISecret>();
    for (const source of config.sources) {
      if (secrets.has(source.secretId)) continue;
      const secretName = stackSecretName(this.stackName, source.secretId);
      secretNames.push(secretName);
      let secret: ISecret;
      // an ARN names an existing secret (stackSecretName keeps it as it is)
      if (source.secretId.startsWith('arn:') || props.importSecrets) {
        secret = existingSecret(this, `Secret-${source.id}`, secretName);
        imported.add(secret);
      } else {
        const [first, ...rest] = PLACEHOLDER_FIELDS[source.vendor];
        const created = new Secret(this, `Secret-${source.id}`, {
          secretName,
          description: `ccwatch ${source.vendor} credentials for source "${source.id}": replace the placeholder values`,
          // placeholders only; the operator puts the real credentials in after deploy
          generateSecretString: {
            secretStringTemplate: JSON.stringify(Object.fromEntries(rest.map((f) => [f, 'REPLACE_ME']))),
            generateStringKey: first!,
          },
          removalPolicy: RemovalPolicy.RETAIN,
        });
        Validations.of(created).acknowledge({
          id: 'AwsSolutions-SMG4',
          reason: 'Vendor API keys are issued and rotated in the vendor consoles; there is no rotation Lambda to run.',
        });
        secret = created;
      }
      secrets.set(source.secretId, secret);
    }

    const reserved = config.deployment?.reservedConcurrency;
    const ack = new AckEndpoint(this, 'Ack', {
      table,
      reservedConcurrency: reserved?.ack,
      runtimeJson: props.runtimeJson,
      channels: config.channels,
    });
    Validations.of(ack.key).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the link-signing key invalidates every acknowledge link in sent emails; it is rotated by hand (delete and redeploy).',
    });
    const environment = {
      [ENV.table]: table.tableName,
      [ENV.topics]: Stack.of(this).toJsonString({ ...channels.arns(), ...chat?.arns() }),
      [ENV.ackUrl]: ack.url.url,
      [ENV.ackSecret]: ack.key.secretArn,
      [ENV.stack]: this.stackName,
    };
    // the source-reading functions in the configured VPC (the ack endpoint stays outside)
    const network = config.deployment?.vpc
      ? new SourceNetwork(this, 'Network', { vpc: config.deployment.vpc, vendorUrls: config.sources.map((s) => s.baseUrl) })
      : undefined;
    const alarmTopics = [...channels.forSeverity(config.channels, 'critical'), ...(chat?.forSeverity(config.channels, 'critical') ?? [])];
    const make = (name: ScheduledFunctionId, sources: readonly SourceConfig[]) => {
      const reservedConcurrency = name === FN.agentStatus ? reserved?.agentStatus : reserved?.previewTasks;
      // a tick runs its source stages at once: a smaller reservation throttles some, and their sources fail
      const stagesAtOnce = Math.min(stageUnits(sources).length, SOURCE_STAGES_IN_FLIGHT);
      if (reservedConcurrency !== undefined && reservedConcurrency < stagesAtOnce)
        throw new Error(
          `deployment.reservedConcurrency.${name === FN.agentStatus ? 'agentStatus' : 'previewTasks'}: ${reservedConcurrency} is fewer than ` +
            `the ${stagesAtOnce} source stages a ${name} tick runs at once (one per source or shard, at most ${SOURCE_STAGES_IN_FLIGHT}); ` +
            'the stages beyond it would be throttled and their sources fail',
        );
      const f = new ScheduledFunction(this, name === FN.agentStatus ? 'AgentStatus' : 'PreviewTasks', {
        name,
        runtimeJson: props.runtimeJson,
        environment,
        everySeconds: config.schedule.every,
        staleAfterRuns: config.schedule.staleAfterRuns,
        ...(config.schedule.businessHoursOnly ? { businessHours: businessHoursSchedules(sources, config.schedule.every, name) } : {}),
        alarmTopics,
        reservedConcurrency,
        placement: network?.placement,
        // one Map item per source, or per shard of a sharded source
        sourceIds: stageUnits(sources).map((u) => u.key),
      });
      // least privilege, granted where it is used: its table, its topics, its own sources' secrets
      table.grantReadWriteData(f.fn);
      for (const topic of [...channels.topics.values(), ...(chat?.topics.values() ?? [])]) topic.grantPublish(f.fn);
      for (const s of new Set(sources.map((src) => secrets.get(src.secretId)!))) {
        if (imported.has(s)) grantReadExisting(s, f.fn);
        else s.grantRead(f.fn);
      }
      // and their private CA bundles (tls.caSecretId): the operator's own secrets, only read here
      grantReadSecrets(
        f,
        'CaBundle',
        sources.flatMap((src) => (src.tls ? [src.tls.caSecretId] : [])),
        f.fn,
      );
      // and the PagerDuty routing keys and Opsgenie API keys the channels name (the operator's secrets)
      grantReadSecrets(f, 'OnCallKey', onCallKeySecretIds(config.channels), f.fn);
      // to sign acknowledge links in emails
      ack.key.grantRead(f.fn);
      // in a VPC, its first tick needs the endpoints in place
      if (network) f.fn.node.addDependency(...network.endpoints);
      return f;
    };
    const functions = [make(FN.agentStatus, config.sources)];
    const tasks = taskSources(config);
    if (tasks.length) functions.push(make(FN.previewTasks, tasks));

    // replies to alert SMS, only with a two-way number to receive them
    if (config.sms?.twoWay)
      new SmsInbound(this, 'SmsInbound', {
        table,
        originationNumber: config.sms.twoWay.originationNumber,
        runtimeJson: props.runtimeJson,
        alarmTopics,
      });

    new CcwatchDashboard(this, 'Dashboard', {
      agentSources: config.sources.map((s) => s.id),
      taskSources: tasks.map((s) => s.id),
      functions: functions.map((f) => f.name),
    });

    for (const [id, topic] of channels.topics)
      new CfnOutput(this, `Topic-${id}-Arn`, { value: topic.topicArn, description: `SNS topic for channel "${id}"` });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'AckUrl', { value: ack.url.url, description: 'Acknowledge links in alert emails point here' });
    new CfnOutput(this, 'SecretNames', {
      value: secretNames.join(', '),
      description: "Put each source's credentials JSON into these secrets",
    });

    // each acknowledgment says why the finding is accepted (cdk-nag AwsSolutions)
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'AWSLambdaBasicExecutionRole (CloudWatch Logs only) is the standard execution policy for Lambda.',
    });
    if (network)
      Validations.of(this).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        reason:
          'AWSLambdaVPCAccessExecutionRole is the standard policy for a function in a VPC: logs and the network-interface calls Lambda makes for it, which EC2 does not scope by resource.',
      });
    for (const f of functions) {
      Validations.of(f.fn).acknowledge({
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason: "Publishing to a KMS-encrypted SNS topic needs kms:GenerateDataKey*; it is granted on the topics' own key only.",
      });
      const logicalId = this.resolve(this.getLogicalId(f.fn.node.defaultChild as CfnFunction)) as string;
      Validations.of(this).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
        reason: 'EventBridge Scheduler may invoke any version or alias of this one function.',
      });
    }
  }
}
