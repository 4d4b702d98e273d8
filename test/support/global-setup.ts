import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../local/dynamodb-local';
import { buildCliNow } from './cli';

declare module 'vitest' {
  export interface ProvidedContext {
    ddbEndpoint: string;
    /** dist/ccwatch.mjs was built for this run: suites must not build it again (see buildCli). */
    cliBuilt: boolean;
  }
}

/**
 * One DynamoDB Local for the whole run, on a free loopback port; each suite makes its own tables.
 * The CLI bin is built once here: a build empties dist/ first, so one suite building while another
 * runs the CLI would make that run fail.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [ddb] = await Promise.all([startDynamoDbLocal(), buildCliNow()]);
  project.provide('ddbEndpoint', ddb.endpoint);
  project.provide('cliBuilt', true);
  return () => ddb.stop();
}
