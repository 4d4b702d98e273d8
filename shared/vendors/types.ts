import type { NormalizedAgent } from '#shared/model/agent';

/** One read of a source's agents. */
export interface AgentRead {
  agents: NormalizedAgent[];
  /**
   * Agents whose state this answer cannot tell: ids asked for but absent from the answer (Huawei,
   * asked by id), or listed agents whose answer says too little (NXCloud: a window without enough
   * time in it). Absence from a vendor's full list still means the agent is gone.
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
