import type { SourceConfig } from '#shared/vendors/index';

/** One slice of a source's agents, read, planned and stored by a worker of its own. */
export interface Shard {
  /** 0-based. */
  index: number;
  count: number;
}

/** What one source stage works on: a whole source, or one shard of a source too large for one worker. */
export interface StageUnit {
  /** Where its state and health are kept, and what the fan-out engine's items name: "nx", or "nx:2/4". */
  key: string;
  source: SourceConfig;
  shard?: Shard;
}

/** The store key of a source or of one of its shards; a source of one shard keeps its plain id. */
export function unitKey(sourceId: string, shard?: Shard): string {
  return shard && shard.count > 1 ? `${sourceId}:${shard.index + 1}/${shard.count}` : sourceId;
}

/** The stages a tick runs: one per source, or one per shard of a source configured with `shards`. */
export function stageUnits(sources: readonly SourceConfig[]): StageUnit[] {
  return sources.flatMap((source) => {
    const count = 'shards' in source ? source.shards : 1;
    if (count <= 1) return [{ key: source.id, source }];
    return Array.from({ length: count }, (_, index) => ({ key: unitKey(source.id, { index, count }), source, shard: { index, count } }));
  });
}

/**
 * Whether an agent belongs to a shard: by a hash of its id, so an agent stays in its shard from
 * tick to tick whatever joins or leaves (a list position would move everyone after a change).
 */
export function inShard(agentId: string, shard: Shard): boolean {
  // FNV-1a, 32 bits: cheap, and spreads ids like "agent0001".."agent9999" evenly
  let h = 0x811c9dc5;
  for (let i = 0; i < agentId.length; i++) {
    h ^= agentId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shard.count === shard.index;
}
