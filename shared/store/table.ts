import { randomUUID } from 'node:crypto';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { EPISODE_EVENT_TYPES, type EpisodeEvent } from '#shared/model/items';

/**
 * The one table's shape. The CDK stack and the test/local setup both build it from here, so the
 * table tests run against is the table that gets deployed.
 */
export const TABLE_KEYS = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
} as const;
export const TTL_ATTRIBUTE = 'expiresAt';

export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: TABLE_KEYS.partitionKey.name, AttributeType: TABLE_KEYS.partitionKey.type },
      { AttributeName: TABLE_KEYS.sortKey.name, AttributeType: TABLE_KEYS.sortKey.type },
    ],
    KeySchema: [
      { AttributeName: TABLE_KEYS.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: TABLE_KEYS.sortKey.name, KeyType: 'RANGE' },
    ],
  };
}

/** Every key the functions write, in one place (the ack endpoint's IAM condition reads `episodePk`). */
export const keys = {
  source: (source: string) => `SRC#${source}`,
  agent: (agentId: string) => `AGENT#${agentId}`,
  /** All episodes share one partition, so an id alone finds one (its events sort beside it). */
  episodePk: 'EPISODE',
  episodeSk: (episodeId: string, source: string) => `${episodeId}#${source}#EPISODE`,
  /** Unique per event; events of the same millisecond sort in lifecycle order (fired before notified). */
  eventSk: (episodeId: string, source: string, at: number, event: EpisodeEvent['event']) =>
    `${episodeId}#${source}#EVENT#${String(at).padStart(15, '0')}#${EPISODE_EVENT_TYPES.indexOf(event)}#${randomUUID().slice(0, 8)}`,
  health: (fn: string) => `HEALTH#${fn}`,
  /** One state document per function and source: snapshot, open episodes, outbox. */
  state: (fn: string) => `STATE#${fn}`,
  /** Under the source's own key: the shard count its agent documents were last all saved under. */
  layout: (fn: string) => `LAYOUT#${fn}`,
  /** Per function: the stage units its last tick watched, and those it stopped watching still to close (run/retire.ts). */
  watched: (fn: string) => `WATCHED#${fn}`,
  watchedSk: 'UNITS',
  /** The "notified" history of one run for one source: one item per run, by time. */
  history: (source: string) => `HIST#${source}`,
  historySk: (at: number, fn: string) => `${new Date(at).toISOString()}#${fn}#${randomUUID().slice(0, 8)}`,
  task: (ruleId: string, taskId: number | string) => `TASK#${ruleId}#${taskId}`,
  outbox: (fn: string, channel: string) => `OUTBOX#${fn}#${channel}`,
  run: (fn: string, source: string) => `RUN#${fn}#${source}`,
  /** Runtime silences and their history share one small partition: one query reads every silence. */
  silencePk: 'SILENCE',
  silenceSk: (id: string) => `S#${id}`,
  silenceHistorySk: (suffix: string) => `H#${suffix}`,
};
