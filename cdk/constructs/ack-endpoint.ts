import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type FunctionUrl, FunctionUrlAuthType } from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { Channel } from '#shared/config/schema';
import { ENV, FN } from '#shared/contracts/names';
import { keys } from '#shared/store/table';
import { configDefine } from '../bundling';
import { grantAcknowledging } from './episode-access';
import { CcwatchFunction } from './function';
import { grantReadSecrets } from './secret-refs';

/**
 * The acknowledge link's endpoint: a function URL that takes an HMAC-signed, expiring token for
 * one alert. Anyone may call it; the token is the authorization, so the function may touch only
 * alert-episode items and read only its signing key (and the channels' webhook secrets). It runs outside any VPC (it needs none), and
 * reserves concurrency only when deployment.reservedConcurrency.ack says so: a reservation caps a
 * flood of requests, but an account must keep 10 executions unreserved.
 */
export class AckEndpoint extends Construct {
  readonly url: FunctionUrl;
  readonly key: Secret;

  constructor(
    scope: Construct,
    id: string,
    props: { table: ITableV2; reservedConcurrency?: number | undefined; runtimeJson: string; channels: readonly Channel[] },
  ) {
    super(scope, id);
    this.key = new Secret(this, 'SigningKey', {
      description: 'ccwatch: HMAC key signing the acknowledge links in alert emails',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const { fn } = new CcwatchFunction(this, 'Fn', {
      name: FN.ack,
      environment: { [ENV.table]: props.table.tableName, [ENV.ackSecret]: this.key.secretArn },
      timeout: Duration.seconds(10),
      // when configured, a flood of requests cannot run more than this many at once
      reservedConcurrency: props.reservedConcurrency,
      memorySize: 256,
      // the open-alerts page reads the channels' filters and the sources' timezones
      define: configDefine(props.runtimeJson),
    });
    // the alert-episode partition and the notified history, nothing else of the table
    grantAcknowledging(fn, props.table);
    // the open-alerts page: read the runtime silences, and add one ("Silence this agent for ...");
    // a silence and its history line are one transaction, whose Puts IAM checks as PutItem
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query', 'dynamodb:PutItem'],
        resources: [props.table.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [keys.silencePk] } },
      }),
    );
    this.key.grantRead(fn);
    // the channels' PagerDuty and Opsgenie webhook secrets, each by its name (or ARN), nothing broader
    grantReadSecrets(this, 'Webhook', webhookSecretIds(props.channels), fn);
    this.url = fn.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
  }
}

/** The webhook secrets the channels name (pagerduty/opsgenie `webhookSecretId`), once each. */
export function webhookSecretIds(channels: readonly Channel[]): string[] {
  return [
    ...new Set(channels.flatMap((c) => [c.pagerduty?.webhookSecretId, c.opsgenie?.webhookSecretId].filter((id): id is string => !!id))),
  ];
}

/** The PagerDuty routing keys and Opsgenie API keys the channels name, once each: the scheduled functions read them. */
export function onCallKeySecretIds(channels: readonly Channel[]): string[] {
  return [
    ...new Set(channels.flatMap((c) => [c.pagerduty?.routingKeySecretId, c.opsgenie?.apiKeySecretId].filter((id): id is string => !!id))),
  ];
}
