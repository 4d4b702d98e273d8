import { type StoredHealth, StoredHealthSchema } from '#shared/model/items';
import type { Table } from './dynamo';
import type { Settle } from './source-state';
import { keys } from './table';

/**
 * Per function and source: consecutive failed runs and the open "source down" episode, with the
 * outbox of its steps. A small item of its own, so that a source whose state cannot be stored
 * still counts its failures and pages.
 */
export class Health {
  constructor(private readonly t: Table) {}

  load(fn: string, source: string): Promise<StoredHealth | undefined> {
    return this.t.getItem(StoredHealthSchema, { pk: keys.source(source), sk: keys.health(fn) });
  }

  /** Guarded by the version read; false when another run moved it first. */
  save(fn: string, h: StoredHealth, prevVersion: number | undefined): Promise<boolean> {
    return this.t.putVersioned({ pk: keys.source(h.source), sk: keys.health(fn), type: 'health', ...h }, prevVersion);
  }

  /** Takes delivered steps off the outbox, re-reading when another run saved in between. */
  async record(fn: string, stored: StoredHealth, settle: Settle): Promise<void> {
    let current: StoredHealth | undefined = stored;
    for (let attempt = 0; current && attempt < 4; attempt++) {
      const outbox = settle(current.outbox);
      if (outbox.length === current.outbox.length && outbox.every((e, i) => e.channels.length === current!.outbox[i]!.channels.length))
        return;
      if (await this.save(fn, { ...current, outbox, version: current.version + 1 }, current.version)) return;
      current = await this.load(fn, stored.source);
    }
  }
}
