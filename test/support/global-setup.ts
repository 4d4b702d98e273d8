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
 * The CLI bin is built once here, in place (scripts/build-cli.mjs --in-place): suites, and other
 * test runs in the same tree, may be running it from dist/ meanwhile.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [ddb] = await Promise.all([startDynamoDbLocal(), buildCliNow()]);
  project.provide('ddbEndpoint', ddb.endpoint);
  project.provide('cliBuilt', true);
  return () => ddb.stop();
}
