import * as z from 'zod';
import type { Table } from './dynamo';
import { keys } from './table';

const WatchedUnitSchema = z.object({
  key: z.string().min(1),
  source: z.string().min(1),
  /**
   * Left while its source was still read (a `shards` change): only its health is closed, its agent
   * document being the new shards' to take over, whatever becomes of the source later.
   */
  healthOnly: z.boolean().optional(),
});
export type WatchedUnit = z.infer<typeof WatchedUnitSchema>;

const WatchedItemSchema = z.object({
  /** The stage units (a source, or a shard of one: "nx:2/4") a tick of the function last read. */
  units: z.array(WatchedUnitSchema),
  /** Units no longer read whose open alerts and owed steps are not all closed yet. */
  retiring: z.array(WatchedUnitSchema).default([]),
  version: z.number().int().positive(),
});
export type WatchedItem = z.infer<typeof WatchedItemSchema>;

/**
 * One small item per function: what its ticks watch, so that a tick can tell which sources or
 * shards left the configuration and close what they left open (run/retire.ts).
 */
export class Watched {
  constructor(private readonly t: Table) {}

  load(fn: string): Promise<WatchedItem | undefined> {
    return this.t.getItem(WatchedItemSchema, { pk: keys.watched(fn), sk: keys.watchedSk });
  }

  /** Guarded by the version read; false when another tick saved first. */
  save(fn: string, item: WatchedItem, prevVersion: number | undefined): Promise<boolean> {
    return this.t.putVersioned({ pk: keys.watched(fn), sk: keys.watchedSk, type: 'watched', ...item }, prevVersion);
  }
}
