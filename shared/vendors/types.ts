import type { NormalizedAgent } from '#shared/model/agent';

/** One read of a source's agents. */
export interface AgentRead {
  agents: NormalizedAgent[];
  /**
   * Ids that were asked for but are absent from the answer (Huawei, which is asked by id). Empty
   * for vendors that list every agent, where absence means the agent is gone.
   */
  unreported: string[];
}

/** What every vendor adapter offers the core. */
export interface AgentReader {
  readonly source: string;
  /**
   * Every agent of the source, or a SourceError: never a partial list passed off as complete
   * (ids missing from an answer by id are named in `unreported`). `now` is epoch ms; when
   * `signal` aborts, the read stops with a 'deadline' SourceError. With `only`, a vendor that asks
   * per agent (NXCloud) asks for just the agents it keeps: one shard of a large tenant.
   */
  readAgents(now: number, signal?: AbortSignal, only?: (agentId: string) => boolean): Promise<AgentRead>;
  close(): Promise<void>;
}
