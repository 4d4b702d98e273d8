import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { keys } from '#shared/store/table';

/**
 * What a function that acknowledges alerts (the acknowledge endpoint, SMS replies) may do in the
 * table, and nothing more: in the alert-episode partition, find and list alerts and record an
 * acknowledgment with its history line; and read the per-run "notified" history (which channels
 * an alert was sent to).
 */
export function grantAcknowledging(fn: IFunction, table: ITableV2): void {
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: ['dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'],
      resources: [table.tableArn],
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [keys.episodePk] } },
    }),
  );
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: ['dynamodb:Query'],
      resources: [table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [keys.history('*')] } },
    }),
  );
}
