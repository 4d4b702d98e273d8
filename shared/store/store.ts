import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type Log, silentLog } from '#shared/runtime/log';
import { Table } from './dynamo';
import { Episodes } from './episodes';
import { Health } from './health';
import { LegacyOutbox } from './legacy-outbox';
import { Silences } from './silences';
import { SourceStates } from './source-state';
import { Watched } from './watched';

export { StoreError } from './dynamo';

/**
 * The alerting core's DynamoDB access, one part per job over the one table: each source's
 * compact state (snapshot, open episodes, outbox), its health, and the alert episodes with their
 * history and acknowledgments. Every state change is a conditional write, so two overlapping runs
 * cannot both move the same thing forward.
 */
export class Store {
  readonly table: Table;
  readonly episodes: Episodes;
  readonly states: SourceStates;
  readonly health: Health;
  /** Unsent notices of the earlier per-channel layout, delivered once by the first run after an upgrade. */
  readonly legacyOutbox: LegacyOutbox;
  /** Silences made at runtime (CLI, open-alerts page). */
  readonly silences: Silences;
  /** What each function's ticks watch, to close what sources and shards left behind. */
  readonly watched: Watched;

  constructor(client: DynamoDBClient, tableName: string, log: Log = silentLog) {
    this.table = new Table(client, tableName);
    this.episodes = new Episodes(this.table, log);
    this.states = new SourceStates(this.table, this.episodes, log);
    this.health = new Health(this.table);
    this.legacyOutbox = new LegacyOutbox(this.table);
    this.silences = new Silences(this.table);
    this.watched = new Watched(this.table);
  }

  get tableName(): string {
    return this.table.name;
  }

  /** Capacity units used, for metrics and the benchmark. */
  get consumed(): { read: number; write: number } {
    return this.table.consumed;
  }
}
