import type { AckLink, PageLink } from '#shared/ack/link';
import type { AgentState } from '#shared/model/agent';
import type { Digest } from '#shared/notify/digest';
import type { Publisher } from '#shared/notify/publishers';
import type { Log } from '#shared/runtime/log';
import type { Store } from '#shared/store/store';
import type { ReaderPool } from '#shared/vendors/readers';

export interface CoreDeps {
  store: Store;
  publisher: Publisher;
  readers: ReaderPool;
  log: Log;
  /** The signed acknowledge link for an open alert, where the deployment has the endpoint. */
  ackLink?: AckLink | undefined;
  /** The signed link to a channel's open-alerts page, made and served where ackLink is. */
  pageLink?: PageLink | undefined;
}

export interface SourceOutcome {
  source: string;
  /**
   * ok: complete answer stored; failed: vendor trouble or out of time, state kept; store-error:
   * DynamoDB trouble, state kept; superseded: another run stored this source first;
   * not-configured: its secret still holds the deploy's placeholders, so it was not read (no
   * failure: state kept, nothing counted toward "source down", nothing notified).
   */
  status: 'ok' | 'failed' | 'store-error' | 'superseded' | 'not-configured';
  agents?: number;
  tasks?: number;
  byState?: Record<AgentState, number>;
  changes?: number;
  /** Time spent reading the vendor, and storing the plan. */
  readMs?: number;
  storeMs?: number;
  /** Subjects (agents, tasks) with an open alert episode after this run. */
  openAlerts?: number;
  error?: string;
  errorKind?: string;
}

export interface RunReport {
  tick: string;
  sources: SourceOutcome[];
  /** Digests that were published. */
  digests: Digest[];
  /** Channels whose publish failed; their notices go out on the next run. */
  failedChannels: string[];
  /** Milliseconds from the start of the run until the digests went out, and until it ended. */
  publishedAfterMs?: number;
  tookMs?: number;
}

/**
 * How a run spends its time (epoch ms). Reads still running at `readsEndAt` are aborted and count
 * as failed reads; storing gets the time until `publishAt`, when whatever is stored is published
 * even if a source is still busy; `endsAt` is the hard end (a Lambda's timeout, with a margin).
 */
export interface Budget {
  readsEndAt: number;
  publishAt: number;
  endsAt: number;
}

/** Time kept for storing and for publishing, out of the whole run: a fifth each, within bounds. */
export function budgetFor(start: number, totalMs: number): Budget {
  const publishReserve = Math.min(10_000, Math.max(1_000, totalMs * 0.2));
  const storeReserve = Math.min(10_000, Math.max(1_000, totalMs * 0.2));
  const endsAt = start + totalMs;
  return { endsAt, publishAt: endsAt - publishReserve, readsEndAt: endsAt - publishReserve - storeReserve };
}
