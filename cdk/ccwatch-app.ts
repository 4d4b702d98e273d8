import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfig } from './config';
import { CcwatchStack } from './stack';

/** The app as `cdk synth` builds it: the config validated first, one stack, cdk-nag's AwsSolutions checks. */
export function buildApp(props: AppProps = {}): { app: App; stack: CcwatchStack } {
  const app = new App(props);
  const { config, runtimeJson } = loadConfig(app.node.tryGetContext('config') ?? 'ccwatch.config.json');
  const stack = new CcwatchStack(app, app.node.tryGetContext('stackName') ?? 'Ccwatch', {
    config,
    runtimeJson,
    importSecrets: ['true', true].includes(app.node.tryGetContext('importSecrets')),
    description: 'ccwatch: call-center agent and dialer-task alerting',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}
