import { resolveChannels } from '#shared/alerting/escalation';
import { planHealth } from '#shared/alerting/health';
import { type EpisodeStep, resolveEpisode } from '#shared/alerting/lifecycle';
import { isSilenced } from '#shared/alerting/scope';
import { type Config, ruleOf, type Silence } from '#shared/config/schema';
import type { Episode, OutboxEntry, StoredHealth } from '#shared/model/items';
import type { Digest } from '#shared/notify/digest';
import { relaysAcks } from '#shared/notify/targets';
import { mapLimit } from '#shared/runtime/concurrency';
import type { SourceState } from '#shared/store/source-state';
import type { SourceConfig } from '#shared/vendors/index';
import { applyEntries, type Holder, toEntries } from './outbox';
import { publish } from './publish';
import { retireLeftovers } from './retire';
import type { Budget, CoreDeps, RunReport, SourceOutcome } from './types';
import { type Shard, stageUnits, unitKey } from './units';

/** Episode moves a source stage reports as still pending, at most (beyond: "not known"). */
const MAX_PENDING_REPORTED = 200;

/** Sources read at once in one run; each source bounds its own requests (http.concurrency). */
export const SOURCES_IN_FLIGHT = 32;

/** What a function's pass over one source found: the next snapshot and the steps it takes. */
export interface Planned<T> {
  items: T[];
  steps: EpisodeStep[];
  outcome: Partial<SourceOutcome>;
  /** Open episodes as read fresh for this plan (acknowledgments); the stored copies otherwise. */
  episodes?: ReadonlyMap<string, Episode>;
}

/** What one function does for one source; `tick` runs it the same way for every function. */
export interface SourcePass<T> {
  load(): Promise<SourceState<T>>;
  /**
   * Reads the vendor (aborted by `signal` at the read deadline) and plans; SourceError for vendor
   * trouble. `silences`: those in force, from the config and made at runtime.
   */
  plan(state: SourceState<T>, signal: AbortSignal, unobservedMs: number, silences: readonly Silence[]): Promise<Planned<T>>;
  /** Episode ids the items point to. */
  episodeIds(item: T): string[];
  save(next: SourceState<T>): Promise<boolean>;
}

export interface TickOptions {
  fn: string;
  sources: readonly SourceConfig[];
  config: Config;
  tick: string;
  now: number;
  deps: CoreDeps;
  budget: Budget;
}

/**
 * One scheduled tick of a function: every source (or shard of one) at once, bounded, each isolated from the others
 * and held to the run's budget, then one digest per channel of everything stored. A source still
 * busy when it is time to publish does not hold the others' notices: what it stores later goes
 * out with the next run.
 */
export async function runFunctionTick<T>(
  opts: TickOptions,
  passFor: (source: SourceConfig, shard?: Shard) => SourcePass<T>,
): Promise<RunReport> {
  const { fn, config, tick, now, deps, budget } = opts;
  const started = Date.now();
  const finished: SourceResult[] = [];
  const units = stageUnits(opts.sources);
  const all = mapLimit(units, SOURCES_IN_FLIGHT, async (u) => {
    const result = await runSourceStage(opts, u.source, passFor(u.source, u.shard), u.shard);
    finished.push(result);
    return result;
  });
  const inTime = await Promise.race([all.then(() => true), sleepUntil(budget.publishAt).then(() => false)]);
  const done = [...finished];
  if (!inTime) {
    const late = units.filter((u) => !done.some((d) => d.source === u.key)).map((u) => u.key);
    deps.log.warn('publishing before every source finished; the rest goes out next run', { fn, late });
  }
  const published = await runPublishStage({ fn, config, now, deps, sources: opts.sources, results: done, deadline: budget.endsAt });
  const publishedAfterMs = Date.now() - started;
  // in config order, whatever order they finished in
  const sources = units.map(
    (u): SourceOutcome =>
      done.find((d) => d.source === u.key)?.outcome ?? {
        source: u.key,
        status: 'failed',
        error: 'did not finish within the run',
        errorKind: 'deadline',
      },
  );
  return { tick, sources, ...published, publishedAfterMs, tookMs: Date.now() - started };
}

const sleepUntil = (at: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())).unref?.());

/** What a source stage hands the publish stage (serializable: a fan-out engine carries it). */
export interface SourceResult {
  /** The source, or the shard of one ("nx:2/4"): see StageUnit.key. */
  source: string;
  outcome: SourceOutcome;
  /**
   * The stage ran to its end: every outbox entry it saw had its episode item moved, but those in
   * `pending`. Only a few ids ever travel (a mass event of thousands of steps would not fit the
   * engine's state otherwise); past that the stage says it does not know, and nothing is taken as moved.
   */
  complete: boolean;
  pending: string[];
  /** Its state was read from the earlier per-item layout in this run. */
  migrated: boolean;
  /**
   * The versions of the source's state document and health item as this stage left them: the
   * publish stage delivers what they hold, and leaves a newer one to the run that wrote it (two
   * overlapping runs must not both send the same steps).
   */
  stateVersion?: number | undefined;
  healthVersion?: number | undefined;
}

/**
 * The publish stage: what every source stored and still owes (its state document's outbox and its
 * health item's), read back from the store, published as one digest per channel; then recorded.
 * Entries are only dropped once a source stage reported their episode moved.
 */
export async function runPublishStage(opts: {
  fn: string;
  config: Config;
  now: number;
  deps: CoreDeps;
  sources: readonly SourceConfig[];
  results: readonly SourceResult[];
  /** When the stage must be done (epoch ms): sending stops in time to record what went out. */
  deadline?: number | undefined;
}): Promise<{ digests: Digest[]; failedChannels: string[] }> {
  const { fn, config, now, deps } = opts;
  const bySource = new Map(opts.results.map((r) => [r.source, r]));
  const units = stageUnits(opts.sources);
  // sources and shards no longer read: what they left open is closed, and goes out with the rest
  const retired = await retireLeftovers({ fn, config, now, deps, units }).catch((err: Error) => {
    deps.log.error('sources no longer read could not be checked; tried again next run', { fn, error: err.message });
    return [];
  });
  const holders = (
    await Promise.all([
      ...units.map((u) => storedHolders(fn, u.key, bySource.get(u.key), now, deps)),
      ...retired.map((r) => storedHolders(r.fn, r.result.source, r.result, now, deps)),
    ])
  ).flat();
  // the first run after an upgrade also delivers what the earlier version had left unsent
  if (opts.results.some((r) => r.migrated)) {
    const legacy = await legacyHolder(fn, config, deps).catch((err: Error) => {
      deps.log.error('unsent notices of the earlier version could not be read', { fn, error: err.message });
      return undefined;
    });
    if (legacy) holders.push(legacy);
  }
  return publish({ fn, holders, config, now, deps, deadline: opts.deadline });
}

/**
 * What one source owes. `result` is its source stage's report, if it finished: a document or
 * health item another run moved since is that run's to deliver. Without a report (the stage
 * failed or is late) whatever is stored is delivered: at least once.
 */
async function storedHolders(fn: string, source: string, result: SourceResult | undefined, now: number, deps: CoreDeps): Promise<Holder[]> {
  const { store, log } = deps;
  const out: Holder[] = [];
  const pending = new Set(result?.pending ?? []);
  const applied = (id: string) => result?.complete === true && !pending.has(id);
  const mine = (stored: number, reported: number | undefined) => !result || reported === undefined || stored === reported;
  try {
    const doc = await store.states.loadOutbox(fn, source, Date.now());
    if (doc?.outbox.length && mine(doc.version, result?.stateVersion)) {
      out.push({
        source,
        entries: doc.outbox,
        applied,
        record: (settle) => store.states.recordOutbox(fn, source, doc, settle, Date.now()),
      });
    }
    const health = await store.health.load(fn, source);
    if (health?.outbox.length)
      out.push({ source, entries: health.outbox, applied, record: (settle) => store.health.record(fn, health, settle) });
  } catch (err) {
    log.error('what this source owes could not be read; it goes out next run', { fn, source, error: (err as Error).message, at: now });
  }
  return out;
}

async function legacyHolder(fn: string, config: Config, deps: CoreDeps): Promise<Holder | undefined> {
  const { entries, keys } = await deps.store.legacyOutbox.load(
    fn,
    config.channels.map((c) => c.id),
  );
  if (!entries.length) return undefined;
  return {
    source: 'earlier version',
    entries,
    applied: () => true,
    record: async (settle) => {
      const owed = new Set(settle(entries).flatMap((e) => e.channels.map((c) => `${c} ${e.id}`)));
      await deps.store.legacyOutbox.delete([...keys].filter(([k]) => !owed.has(k)).map(([, key]) => key));
    },
  };
}

/** The source stage: one source (or shard) read, planned and stored, its steps' episodes moved. Never throws. */
export async function runSourceStage<T>(
  opts: TickOptions,
  source: SourceConfig,
  pass: SourcePass<T>,
  shard?: Shard,
): Promise<SourceResult> {
  const { fn, config, now, deps, budget } = opts;
  const { store, log } = deps;
  const key = unitKey(source.id, shard);
  // every outbox entry this stage saw, and those whose episode item it moved
  const seen = new Set<string>();
  const applied = new Set<string>();
  const apply = async (entries: readonly OutboxEntry[]) => {
    for (const e of entries) seen.add(e.id);
    for (const id of await applyEntries(store, entries, log)) applied.add(id);
  };
  let outcome: SourceOutcome = { source: key, status: 'ok' };
  const health = await store.health.load(fn, key).catch((err: Error) => {
    log.error('source health could not be read', { fn, source: key, error: err.message });
    return undefined;
  });

  // read beside the state (it never rejects): one query a tick when the stages run in this process
  const silencesRead = silencesInForce(opts);
  let state: SourceState<T> | undefined;
  let stateVersion: number | undefined;
  try {
    state = await pass.load();
    stateVersion = state.version;
    // steps an earlier run stored but did not finish (a crash, a failed publish): finish them first
    await apply(state.outbox);
  } catch (err) {
    outcome = storeError(key, err, log, fn);
  }

  if (state) {
    const readStart = performance.now();
    const signal = AbortSignal.timeout(Math.max(0, budget.readsEndAt - Date.now()));
    // time not observed counts toward no rule that has not fired: failed or not configured runs,
    // and with businessHoursOnly the closed hours no tick ran (time in state restarts at opening)
    const every = config.schedule.every * 1000;
    const sinceOk = state.lastOkAt !== undefined ? now - state.lastOkAt - every : 0;
    const unread = health?.consecutiveFailures || health?.notConfigured || (config.schedule.businessHoursOnly && sinceOk >= every);
    const gap = unread ? sinceOk : 0;
    let planned: Planned<T> | undefined;
    try {
      planned = await pass.plan(state, signal, Math.max(0, gap), await silencesRead);
      outcome.readMs = Math.round(performance.now() - readStart);
    } catch (err) {
      const kind = signal.aborted ? 'deadline' : ((err as { kind?: string }).kind ?? 'unknown');
      if (kind === 'not-configured' && state.lastOkAt === undefined) {
        // the deploy's placeholders: no vendor failure, nothing sent, state kept, never paged
        outcome = { ...outcome, status: 'not-configured', error: (err as Error).message, errorKind: kind };
        log.warn('source not configured: its secret still holds placeholder values; not read, not paged', {
          fn,
          source: key,
          secretId: source.secretId,
        });
      } else if (kind === 'not-configured') {
        // placeholders where real credentials were once read (a secret replaced by a deploy, or
        // reset by hand): a watcher gone blind, which must page like any failed read
        outcome = {
          ...outcome,
          status: 'failed',
          error: `${(err as Error).message}, though this source was read before: its credentials were replaced`,
          errorKind: 'config',
        };
        log.error('source secret holds placeholders again; counted as a failed read', { fn, source: key, secretId: source.secretId });
      } else {
        outcome = { ...outcome, status: 'failed', error: (err as Error).message, errorKind: kind };
        log.warn('source read failed; its stored state is kept', { fn, source: key, error: outcome.error });
      }
    }
    if (planned) {
      const storeStart = performance.now();
      try {
        const steps = [...planned.steps, ...sweep(state, planned, pass, now, config)];
        const entries = toEntries(steps, config.channels, now);
        const next: SourceState<T> = {
          ...state,
          items: planned.items,
          episodes: nextEpisodes(planned.episodes ?? state.episodes, steps),
          outbox: [...state.outbox, ...entries],
          lastOkAt: now,
        };
        if (await pass.save(next)) {
          stateVersion = (state.version ?? 0) + 1;
          await apply(entries);
          outcome = { ...outcome, ...planned.outcome, storeMs: Math.round(performance.now() - storeStart) };
        } else {
          // another run stored this source meanwhile: it owns what it stored
          stateVersion = -1;
          outcome = { ...outcome, status: 'superseded' };
          log.warn('another run stored this source first; leaving it to it', { fn, source: key });
        }
      } catch (err) {
        outcome = storeError(key, err, log, fn);
      }
    }
  }

  const healthVersion = await moveHealth(opts, source, key, health, outcome, apply, await silencesRead).catch((err: Error) => {
    log.error('source health could not be stored', { fn, source: key, error: err.message });
    return undefined;
  });
  const pending = [...seen].filter((id) => !applied.has(id));
  const complete = pending.length <= MAX_PENDING_REPORTED;
  return {
    source: key,
    outcome,
    complete,
    pending: complete ? pending : [],
    migrated: state?.migrated !== undefined,
    stateVersion,
    healthVersion,
  };
}

/**
 * The config's silences and those made at runtime. Runtime ones that cannot be read are left out
 * (logged): a page too many beats a tick that stops reading because one small query failed.
 */
function silencesInForce(opts: TickOptions): Promise<Silence[]> {
  let read = silencesOfTick.get(opts);
  if (!read) {
    read = opts.deps.store.silences.active(opts.now).then(
      (runtime) => [...opts.config.silences, ...runtime],
      (err: Error) => {
        opts.deps.log.error('runtime silences could not be read; only the config silences apply this run', {
          fn: opts.fn,
          error: err.message,
        });
        return [...opts.config.silences];
      },
    );
    silencesOfTick.set(opts, read);
  }
  return read;
}

/** A tick's silences, read once for all its stages (a whole tick in one process passes one `opts` to each). */
const silencesOfTick = new WeakMap<TickOptions, Promise<Silence[]>>();

function storeError(source: string, err: unknown, log: CoreDeps['log'], fn: string): SourceOutcome {
  const message = (err as Error).message;
  log.error('storing the run failed; its changes are not notified and count as a failed run', { fn, source, error: message });
  return { source, status: 'store-error', error: `store: ${message}`, errorKind: 'store' };
}

/** Open episodes after the steps: resolved ones leave, the rest are kept as the steps left them. */
function nextEpisodes(prev: ReadonlyMap<string, Episode>, steps: readonly EpisodeStep[]): Map<string, Episode> {
  const out = new Map(prev);
  for (const s of steps) {
    if (s.next.resolvedAt !== undefined) out.delete(s.next.episodeId);
    else out.set(s.next.episodeId, s.next);
  }
  return out;
}

/**
 * An open episode the next snapshot no longer points to (its rule or its agent left the config)
 * is resolved here, so no alert stays open with nothing to end it.
 */
function sweep<T>(state: SourceState<T>, planned: Planned<T>, pass: SourcePass<T>, now: number, config: Config): EpisodeStep[] {
  const referenced = new Set(planned.items.flatMap((i) => pass.episodeIds(i)));
  const stepped = new Set(planned.steps.map((s) => s.next.episodeId));
  const orphans = [...state.episodes.values()].filter((e) => !referenced.has(e.episodeId) && !stepped.has(e.episodeId) && !e.resolvedAt);
  return orphans.map((e) => resolveEpisode(e, now, undefined, resolveChannels(ruleOf(config, e.ruleId), config.escalationPolicies, e)));
}

/** Source down after K failed runs (vendor or store), up again on the first stored answer. Returns the health item's version as left (-1: another run moved it). */
async function moveHealth(
  opts: TickOptions,
  source: SourceConfig,
  unit: string,
  prev: StoredHealth | undefined,
  outcome: SourceOutcome,
  apply: (entries: readonly OutboxEntry[]) => Promise<void>,
  silences: readonly Silence[],
): Promise<number | undefined> {
  const { fn, config, now, deps } = opts;
  const { store } = deps;
  if (outcome.status === 'superseded') return -1;
  const leftovers = prev?.outbox ?? [];
  await apply(leftovers);
  const episode = prev?.episodeId ? await store.episodes.getEpisode(source.id, prev.episodeId) : undefined;
  const hp = planHealth({
    now,
    fn,
    source: source.id,
    unit,
    prev,
    episode,
    error: outcome.status === 'ok' ? undefined : outcome.error,
    notConfigured: outcome.status === 'not-configured' ? { secretId: source.secretId } : undefined,
    downAfter: config.sourceDownAfter,
    silenced: isSilenced(silences, now, source.id, source.id, [], 'source-down'),
    relayAcks: relaysAcks(config.channels),
  });
  if (!hp.changed) return prev?.version;
  const entries = toEntries(hp.steps, config.channels, now);
  if (!(await store.health.save(fn, { ...hp.health, outbox: [...leftovers, ...entries], savedAt: now }, hp.prevVersion))) return -1;
  await apply(entries);
  return hp.health.version;
}
