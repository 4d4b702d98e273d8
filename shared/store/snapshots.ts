import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { AgentWrite } from '#shared/alerting/agents';
import { type AgentItem, AgentItemSchema, type HealthItem, HealthItemSchema, type TaskItem, TaskItemSchema } from '#shared/model/items';
import { mapLimit } from '#shared/runtime/concurrency';
import { parseItem, type Table } from './dynamo';
import { keys } from './table';

const WRITE_CONCURRENCY = 16;

/** What each source looked like at its last complete read: agents, watched tasks, health. */
export class Snapshots {
  constructor(private readonly t: Table) {}

  async loadAgents(source: string): Promise<AgentItem[]> {
    return (await this.t.queryAll(keys.source(source), 'AGENT#')).map((i) => parseItem(AgentItemSchema, i));
  }

  /** Writes changed agents; returns the ids another run had already moved on (their plan is void). */
  async writeAgents(writes: readonly AgentWrite[]): Promise<Set<string>> {
    const lost = new Set<string>();
    await mapLimit(writes, WRITE_CONCURRENCY, async (w) => {
      const ok = await this.t.putVersioned(
        { pk: keys.source(w.item.source), sk: keys.agent(w.item.agentId), type: 'agent', ...w.item },
        w.prevVersion,
      );
      if (!ok) lost.add(w.item.agentId);
    });
    return lost;
  }

  async loadTasks(source: string): Promise<TaskItem[]> {
    return (await this.t.queryAll(keys.source(source), 'TASK#')).map((i) => parseItem(TaskItemSchema, i));
  }

  async writeTask(item: TaskItem, prevVersion: number | undefined): Promise<boolean> {
    return this.t.putVersioned(
      { pk: keys.source(item.source), sk: keys.task(item.ruleId, item.taskId), type: 'task', ...item },
      prevVersion,
    );
  }

  async loadHealth(fn: string, source: string): Promise<HealthItem | undefined> {
    const out = await this.t.doc.send(
      new GetCommand({ TableName: this.t.name, Key: { pk: keys.source(source), sk: keys.health(fn) }, ReturnConsumedCapacity: 'TOTAL' }),
    );
    this.t.track(out, 'read');
    return out.Item ? parseItem(HealthItemSchema, out.Item) : undefined;
  }

  async writeHealth(fn: string, h: HealthItem, prevVersion: number | undefined): Promise<boolean> {
    return this.t.putVersioned({ pk: keys.source(h.source), sk: keys.health(fn), type: 'health', ...h }, prevVersion);
  }
}
