import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import { ApplicationLogLevel, Architecture, LoggingFormat, Runtime, SystemLogLevel } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FunctionId } from '#shared/contracts/names';
import { BUNDLING, FUNCTION_MEMORY_MB, RUNTIME_NODE_OPTIONS } from '../bundling';
import type { FunctionPlacement } from './network';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CcwatchFunctionProps {
  /** Folder under functions/ and the Powertools service name. */
  name: FunctionId;
  environment: Record<string, string>;
  timeout: Duration;
  /** Reserved concurrency (deployment.reservedConcurrency); none unless configured. */
  reservedConcurrency?: number | undefined;
  /** The VPC subnets and security groups its network interfaces go in (deployment.vpc); none: Lambda's own network. */
  placement?: FunctionPlacement | undefined;
  memorySize?: number;
  /** esbuild defines (the inlined config). */
  define?: Record<string, string>;
  /** Where asynchronous invocations Lambda gave up on go. */
  deadLetterQueue?: IQueue;
}

/**
 * Every ccwatch function the same way: Node.js 24 on arm64, ESM, minified with a source map its
 * stack traces read when one is written, the AWS SDK bundled in (the version the tests ran; faster
 * to load than the runtime's, `cdk/bundling.ts`), JSON logs with a month's retention.
 */
export class CcwatchFunction extends Construct {
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: CcwatchFunctionProps) {
    super(scope, id);
    this.fn = new NodejsFunction(this, 'Function', {
      entry: join(root, 'functions', props.name, 'index.ts'),
      handler: 'handler',
      projectRoot: root,
      depsLockFilePath: join(root, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? FUNCTION_MEMORY_MB,
      timeout: props.timeout,
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      ...(props.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      ...(props.placement
        ? { vpc: props.placement.vpc, vpcSubnets: { subnets: props.placement.subnets }, securityGroups: props.placement.securityGroups }
        : {}),
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      systemLogLevelV2: SystemLogLevel.WARN,
      logGroup: new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
      environment: { ...props.environment, NODE_OPTIONS: RUNTIME_NODE_OPTIONS, POWERTOOLS_SERVICE_NAME: props.name },
      bundling: {
        ...BUNDLING,
        mainFields: [...BUNDLING.mainFields],
        externalModules: [...BUNDLING.externalModules],
        format: OutputFormat.ESM,
        ...(props.define ? { define: props.define } : {}),
      },
    });
  }
}
