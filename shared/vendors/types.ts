import type { NormalizedAgent } from '#shared/model/agent';

/** What every vendor adapter offers the core. */
export interface AgentReader {
  readonly source: string;
  /** Every agent of the source, or a SourceError: never a partial list. `now` is epoch ms. */
  readAgents(now: number): Promise<NormalizedAgent[]>;
  close(): Promise<void>;
}
