import { type Config, taskSources } from '#shared/config/schema';
import { FN, type ScheduledFunctionId } from '#shared/contracts/names';
import type { SourceConfig } from '#shared/vendors/index';
import { agentPass } from './agent-status';
import { taskPass } from './preview-tasks';
import type { SourcePass } from './tick';
import type { CoreDeps } from './types';
import type { Shard } from './units';

/** What a scheduled function is, for whatever runs its stages (in process, or one Lambda per source). */
export interface FunctionDef {
  fn: ScheduledFunctionId;
  /** The sources it reads. */
  sources(config: Config): SourceConfig[];
  pass(source: SourceConfig, config: Config, now: number, deps: CoreDeps, shard?: Shard): SourcePass<unknown>;
}

export const FUNCTIONS: Record<ScheduledFunctionId, FunctionDef> = {
  [FN.agentStatus]: {
    fn: FN.agentStatus,
    sources: (config) => config.sources,
    pass: (source, config, now, deps, shard) => agentPass(source, config, now, deps, shard) as SourcePass<unknown>,
  },
  [FN.previewTasks]: {
    fn: FN.previewTasks,
    sources: taskSources,
    pass: (source, config, now, deps) => taskPass(source, config, now, deps) as SourcePass<unknown>,
  },
};
