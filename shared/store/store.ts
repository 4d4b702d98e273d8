import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type Log, silentLog } from '#shared/runtime/log';
import { Table } from './dynamo';
import { Episodes } from './episodes';
import { Outbox } from './outbox';
import { Runs } from './runs';
import { Snapshots } from './snapshots';

export { StoreError } from './dynamo';

/**
 * The alerting core's DynamoDB access, one part per job over the one table: snapshots, alert
 * episodes with their history, the outbox of unsent notices, and run claims. Every state change
 * is a conditional write, so two overlapping runs cannot both move the same thing forward.
 */
export class Store {
  readonly table: Table;
  readonly snapshots: Snapshots;
  readonly episodes: Episodes;
  readonly outbox: Outbox;
  readonly runs: Runs;

  constructor(client: DynamoDBClient, tableName: string, log: Log = silentLog) {
    this.table = new Table(client, tableName);
    this.snapshots = new Snapshots(this.table);
    this.episodes = new Episodes(this.table, log);
    this.outbox = new Outbox(this.table);
    this.runs = new Runs(this.table);
  }

  get tableName(): string {
    return this.table.name;
  }

  /** Capacity units used, for metrics and the benchmark. */
  get consumed(): { read: number; write: number } {
    return this.table.consumed;
  }
}
