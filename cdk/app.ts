// The CDK app entry (cdk.json): builds the stack from the validated config; `-c config=<file>` picks the file.
import { buildApp } from './ccwatch-app';

buildApp();
