import { createHash } from 'node:crypto';
import { brotliCompressSync, brotliDecompressSync, deflateRawSync, inflateRawSync, constants as zlib } from 'node:zlib';
import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  type NativeAttributeValue,
  PutCommand,
  type PutCommandInput,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { TTL_ATTRIBUTE } from './table';

/**
 * A versioned state document: named parts, each serialized as JSON and compressed, kept in the
 * one table under one partition key. Its write cost follows the compressed size of what changed,
 * not the number of things that changed.
 *
 * Layout (pk given by the caller):
 * - head  `${name}#HEAD`: version, meta, and per part its content hash plus either the compressed
 *   bytes inline (small parts) or the list of its chunks;
 * - chunk `${name}#C#<hash>`: up to CHUNK_BYTES of one part's compressed bytes, addressed by their
 *   own hash. A chunk is immutable, so writers never disturb each other's chunks; only the head's
 *   conditional flip decides which document is current. Unreferenced chunks expire by TTL.
 *
 * A stage that owns one part (the publisher and its outbox) loads with `only` and saves with
 * `keepOthers`: the head is read and rewritten whole, the other parts' chunks are never touched.
 */

export interface StateDoc<M = unknown, P extends Record<string, unknown> = Record<string, unknown>> {
  version: number;
  meta: M;
  parts: P;
}

export interface Meter {
  read: number;
  write: number;
}

export interface LoadOptions<M, P extends Record<string, unknown>, K extends keyof P & string = keyof P & string> {
  /** Validates meta; a mismatch is an error naming the head's key and the field. */
  meta?: z.ZodType<M>;
  /** Validates these parts (each must be present); others come back unchecked. */
  parts?: { [Part in keyof P]: z.ZodType<P[Part]> };
  /**
   * Reads and decodes only these parts (each must be present; `parts` schemas apply to them). The
   * whole head is still read and remembered, so a `keepOthers` save can carry the other parts.
   */
  only?: readonly K[];
  /** Epoch ms, to tell an expired head (default: the clock). */
  now?: number;
}

export interface SaveOptions {
  /**
   * Parts not given are kept as the head at `prev` has them: not re-read, not rewritten, their
   * chunks' TTL not refreshed (the next full save does). Needs this store to have loaded or saved
   * exactly that version; otherwise save throws rather than drop them.
   */
  keepOthers?: boolean;
}

/** Chunk items stay under DynamoDB's 400 KB item limit with room for keys and attribute names. */
const CHUNK_BYTES = 300_000;
/** Parts this small ride in the head: one item fewer to write and read. */
const INLINE_MAX_BYTES = 2048;
/** Inline parts share this much of the head; a head is rewritten every save (paying max(old, new) size). */
const INLINE_TOTAL_BYTES = 16 * 1024;
/** Meta beyond this belongs in a part; keeps the head far from the item limit. */
const HEAD_MAX_BYTES = 64 * 1024;
/** A write unit covers 1 KB of an item; a put pays for the larger of the item it replaces and the new one. */
const WRITE_UNIT_BYTES = 1024;
/** Inline parts weighed for a chunk instead, at most (the largest): 2^n layouts are priced. */
const MOVABLE_MAX = 5;
const DAY_S = 86_400;
/** Superseded chunks disappear after this, for free. */
const CHUNK_TTL_S = 7 * DAY_S;
/** A referenced chunk older than this is rewritten on save, so a live document never loses one. */
const REFRESH_AFTER_S = 2 * DAY_S;
/**
 * The head expires a little before its oldest chunk: two writers of one chunk (same content) may
 * stamp it with clocks a little apart, the later put setting its TTL.
 */
const HEAD_EXPIRY_MARGIN_S = 3600;
/** Brotli quality: see bench/state-doc-measure.ts for the size/CPU figures behind it. */
const BROTLI_QUALITY = 5;
const BATCH_GET_KEYS = 100;
const BATCH_WRITE_ITEMS = 25;

export class StateDocError extends Error {
  override readonly name = 'StateDocError';
}

// ---- encoding ----------------------------------------------------------------------------------

const ENCODINGS = {
  br: {
    compress: (raw: Uint8Array) =>
      brotliCompressSync(raw, {
        params: {
          [zlib.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
          [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
          [zlib.BROTLI_PARAM_SIZE_HINT]: raw.length,
        },
      }),
    decompress: (packed: Uint8Array, size: number) => brotliDecompressSync(packed, { maxOutputLength: Math.max(size, 1) }),
  },
  deflate: {
    compress: (raw: Uint8Array) => deflateRawSync(raw, { level: 6 }),
    decompress: (packed: Uint8Array, size: number) => inflateRawSync(packed, { maxOutputLength: Math.max(size, 1) }),
  },
} as const;
type Encoding = keyof typeof ENCODINGS;
const ENCODING: Encoding = 'br';

/** 132 bits of SHA-256, URL-safe: collisions are out of reach, and keys stay short. */
const digest = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('base64url').slice(0, 22);

function serialize(part: string, value: unknown): Uint8Array {
  const json = JSON.stringify(value) as string | undefined;
  if (json === undefined) throw new StateDocError(`part "${part}" is not a JSON value`);
  return Buffer.from(json, 'utf8');
}

/** One part ready to store: serialized size, content hash, compressed bytes. */
export interface PackedPart {
  size: number;
  hash: string;
  packed: Uint8Array;
}

/** Serializes and compresses one part as save does (exported for measurement). */
export function packPart(value: unknown): PackedPart {
  const raw = serialize('(measured)', value);
  return { size: raw.length, hash: digest(raw), packed: ENCODINGS[ENCODING].compress(raw) };
}

/** Decompresses and parses one part as load does (exported for measurement). */
export function unpackPart(packed: Uint8Array, size: number, enc: Encoding = ENCODING): unknown {
  const raw = ENCODINGS[enc].decompress(packed, size);
  if (raw.length !== size) throw new Error(`decompressed to ${raw.length} bytes, expected ${size}`);
  return JSON.parse(raw.toString('utf8'));
}

// ---- stored shapes -----------------------------------------------------------------------------

const uint = z.int().nonnegative();
const PartEntrySchema = z
  .object({
    /** Hash of the serialized part: an equal hash on save means the part is unchanged. */
    hash: z.string().min(1),
    /** Serialized size in bytes (also the decompression limit). */
    size: uint,
    enc: z.enum(Object.keys(ENCODINGS) as [Encoding, ...Encoding[]]),
    /** The compressed bytes, for a small part. */
    data: z.instanceof(Uint8Array).optional(),
    /** Otherwise its chunks in order: [hash, written at (epoch s)]. */
    chunks: z
      .array(z.tuple([z.string().min(1), uint]))
      .min(1)
      .optional(),
  })
  .refine((p) => (p.data === undefined) !== (p.chunks === undefined), { message: 'a part has either inline data or chunks' });
type PartEntry = z.output<typeof PartEntrySchema>;

const HeadSchema = z.object({
  version: uint,
  savedAt: z.number(),
  meta: z.string(),
  parts: z.record(z.string(), PartEntrySchema),
  [TTL_ATTRIBUTE]: uint,
});
type Head = z.output<typeof HeadSchema>;

type Item = Record<string, NativeAttributeValue>;

const headSk = (name: string) => `${name}#HEAD`;
const chunkSk = (name: string, hash: string) => `${name}#C#${hash}`;

/** `parts.roster.chunks[0]: expected string` from zod issues. */
function describeIssues(error: z.ZodError, prefix: string): string {
  const path = (parts: PropertyKey[]) =>
    parts.map((p, n) => (typeof p === 'number' ? `[${p}]` : n ? `.${String(p)}` : String(p))).join('') || '(root)';
  return error.issues.map((i) => `${path(prefix ? [prefix, ...i.path] : i.path)}: ${i.message}`).join('; ');
}

/**
 * A part's entry and, for a chunked part, its chunks' bytes in order ([] for an inline part;
 * undefined when this store has not read them, as for a part left out of a load's `only`).
 */
interface KnownPart {
  entry: PartEntry;
  chunks: Uint8Array[] | undefined;
}

/** A part whose bytes are at hand. */
interface HeldPart extends KnownPart {
  chunks: Uint8Array[];
}

/** What this store last read or wrote of a document: lets save skip unchanged parts and load skip known chunks. */
interface Known {
  version: number;
  parts: Map<string, KnownPart>;
  /** The head item's size: the next save's put pays at least this. */
  headBytes: number;
}

interface ChunkWrite {
  sk: string;
  data: Uint8Array;
}

// ---- the store ---------------------------------------------------------------------------------

export class StateDocStore {
  private readonly known = new Map<string, Known>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Capacity units consumed, added to as calls return. */
    readonly meter: Meter = { read: 0, write: 0 },
  ) {}

  /**
   * Strongly consistent read of the head, then of its chunks. Undefined when absent or expired
   * (a document nobody saved for days; its chunks may be gone). A damaged head, part or chunk,
   * or a missing chunk, is an error naming its key.
   */
  async load<M = unknown, P extends Record<string, unknown> = Record<string, unknown>, K extends keyof P & string = keyof P & string>(
    pk: string,
    name: string,
    opts: LoadOptions<M, P, K> = {},
  ): Promise<StateDoc<M, Pick<P, K>> | undefined> {
    const sk = headSk(name);
    const head = await this.readHead(pk, sk);
    if (!head || head[TTL_ATTRIBUTE] <= Math.floor((opts.now ?? Date.now()) / 1000)) return undefined;
    const meta = parseMeta(pk, sk, head.meta, opts.meta);
    for (const part of opts.only ?? Object.keys(opts.parts ?? {}))
      if (!Object.hasOwn(head.parts, part)) throw new StateDocError(`state document ${pk} / ${sk} has no part "${part}"`);
    const wanted = opts.only ? [...new Set<string>(opts.only)] : Object.keys(head.parts);
    const entries = wanted.map((part): [string, PartEntry] => [part, head.parts[part] as PartEntry]);
    const chunks = await this.fetchChunks(pk, name, entries);
    const parts: Record<string, unknown> = {};
    for (const [part, entry] of entries)
      parts[part] = decodePart(pk, sk, part, entry, heldBytes(entry, chunks) as Uint8Array[], opts.parts?.[part]);
    this.known.set(docKey(pk, name), rememberHead(head, chunks, approxItemBytes(headItem(pk, name, head, false))));
    return { version: head.version, meta, parts: parts as Pick<P, K> };
  }

  /**
   * Writes the parts that changed, then flips the head with one check: its version is still
   * `prev` (or it is absent or expired, when `prev` is undefined). False when another writer
   * moved the head first: its document stays the visible one. The new version is prev + 1.
   * Parts are compared with what this store last loaded or saved at `prev`; without that, every
   * part is written (correct, only dearer).
   */
  async save<M>(
    pk: string,
    name: string,
    prev: number | undefined,
    meta: M,
    parts: Record<string, unknown>,
    now: number,
    opts: SaveOptions = {},
  ): Promise<boolean> {
    const key = docKey(pk, name);
    const base = this.known.get(key);
    const known = prev !== undefined && base?.version === prev ? base : undefined;
    if (opts.keepOthers && !known)
      throw new StateDocError(
        `state document ${pk} / ${headSk(name)}: cannot keep the other parts of version ${prev ?? '(none)'}: this store has not loaded or saved it`,
      );
    const nowS = Math.floor(now / 1000);
    const kept = opts.keepOthers && known ? othersOf(known, parts) : new Map<string, KnownPart>();
    const version = (prev ?? 0) + 1;
    const metaJson = JSON.stringify(meta ?? null);
    const headOf = (entries: Record<string, PartEntry>, check = true) =>
      headItem(pk, name, { version, savedAt: now, meta: metaJson, parts: entries, [TTL_ATTRIBUTE]: headExpiry(entries, nowS) }, check);
    const plan = planParts(pk, name, parts, known, kept, nowS, (entries) => approxItemBytes(headOf(entries, false)));
    const head = headOf(plan.entries);
    await this.writeChunks(pk, plan.writes, nowS);
    const won = await this.flipHead(head, prev, nowS);
    if (won) this.known.set(key, { version, parts: plan.known, headBytes: approxItemBytes(head) });
    else this.known.delete(key);
    return won;
  }

  private async readHead(pk: string, sk: string): Promise<Head | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk, sk }, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }),
    );
    this.track(out.ConsumedCapacity, 'read');
    return out.Item ? parseHead(pk, sk, out.Item) : undefined;
  }

  private track(consumed: { CapacityUnits?: number } | { CapacityUnits?: number }[] | undefined, kind: keyof Meter): void {
    for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) this.meter[kind] += c.CapacityUnits ?? 0;
  }

  /**
   * The given parts' chunks by hash (plus every chunk this store already holds), each checked
   * against its hash. Held chunks are not read again (content-addressed: same hash, same bytes).
   * Reads are eventually consistent (half price): an immutable chunk is either there whole or not
   * yet visible; what is not visible is asked again strongly consistent before it counts as missing.
   */
  private async fetchChunks(pk: string, name: string, entries: readonly [string, PartEntry][]): Promise<Map<string, Uint8Array>> {
    const have = new Map<string, Uint8Array>();
    for (const { entry, chunks } of this.known.get(docKey(pk, name))?.parts.values() ?? []) {
      if (chunks) for (const [i, [h]] of (entry.chunks ?? []).entries()) have.set(h, chunks[i] as Uint8Array);
    }
    const wanted = new Set<string>();
    for (const [, entry] of entries) for (const [h] of entry.chunks ?? []) if (!have.has(h)) wanted.add(h);
    const got = new Map<string, Uint8Array>();
    let missing = [...wanted];
    for (const consistent of [false, true]) {
      if (!missing.length) break;
      await this.batchGet(pk, name, missing, consistent, got);
      missing = missing.filter((h) => !got.has(h));
    }
    if (missing.length)
      throw new StateDocError(
        `state document ${pk} / ${headSk(name)} refers to missing chunk ${pk} / ${chunkSk(name, missing[0] as string)}${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}`,
      );
    for (const [h, bytes] of have) got.set(h, bytes);
    return got;
  }

  private async batchGet(
    pk: string,
    name: string,
    hashes: readonly string[],
    consistent: boolean,
    got: Map<string, Uint8Array>,
  ): Promise<void> {
    for (let i = 0; i < hashes.length; i += BATCH_GET_KEYS) {
      let keys: Item[] | undefined = hashes.slice(i, i + BATCH_GET_KEYS).map((h) => ({ pk, sk: chunkSk(name, h) }));
      await retryUnprocessed('chunk reads', async () => {
        const out = await this.doc.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: consistent } },
            ReturnConsumedCapacity: 'TOTAL',
          }),
        );
        this.track(out.ConsumedCapacity, 'read');
        for (const item of out.Responses?.[this.tableName] ?? []) {
          const { hash, data } = parseChunk(pk, item, name);
          got.set(hash, data);
        }
        keys = out.UnprocessedKeys?.[this.tableName]?.Keys;
        return Boolean(keys?.length);
      });
    }
  }

  private async writeChunks(pk: string, writes: readonly ChunkWrite[], nowS: number): Promise<void> {
    for (let i = 0; i < writes.length; i += BATCH_WRITE_ITEMS) {
      let requests: { PutRequest: { Item: Item } }[] | undefined = writes
        .slice(i, i + BATCH_WRITE_ITEMS)
        .map((w) => ({ PutRequest: { Item: chunkItem(pk, w, nowS) } }));
      await retryUnprocessed('chunk writes', async () => {
        const out = await this.doc.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: requests! }, ReturnConsumedCapacity: 'TOTAL' }),
        );
        this.track(out.ConsumedCapacity, 'write');
        requests = out.UnprocessedItems?.[this.tableName] as typeof requests;
        return Boolean(requests?.length);
      });
    }
  }

  private async flipHead(item: Item, prev: number | undefined, nowS: number): Promise<boolean> {
    const condition: Pick<PutCommandInput, 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> =
      prev === undefined
        ? {
            ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now',
            ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
            ExpressionAttributeValues: { ':now': nowS },
          }
        : {
            ConditionExpression: '#v = :prev',
            ExpressionAttributeNames: { '#v': 'version' },
            ExpressionAttributeValues: { ':prev': prev },
          };
    try {
      const out = await this.doc.send(
        new PutCommand({ TableName: this.tableName, Item: item, ...condition, ReturnConsumedCapacity: 'TOTAL' }),
      );
      this.track(out.ConsumedCapacity, 'write');
      return true;
    } catch (err) {
      // DynamoDB charges a failed condition too, but does not report it: the meter misses it
      if ((err as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }
}

// ---- helpers -----------------------------------------------------------------------------------

const docKey = (pk: string, name: string) => `${pk}\u0000${name}`;

/** A part's compressed bytes when all are at hand: its inline data, or its chunks in order. */
function heldBytes(entry: PartEntry, chunks: ReadonlyMap<string, Uint8Array>): Uint8Array[] | undefined {
  if (entry.data) return [entry.data];
  const bytes = (entry.chunks ?? []).map(([h]) => chunks.get(h));
  return bytes.every((b) => b !== undefined) ? bytes : undefined;
}

/** Every part's entry of a loaded head, with the chunk bytes at hand (a later save may keep any part). */
function rememberHead(head: Head, chunks: ReadonlyMap<string, Uint8Array>, headBytes: number): Known {
  const parts: Known['parts'] = new Map();
  for (const [part, entry] of Object.entries(head.parts)) parts.set(part, { entry, chunks: entry.chunks ? heldBytes(entry, chunks) : [] });
  return { version: head.version, parts, headBytes };
}

/** The parts of the known head that a keepOthers save was not given. */
function othersOf(known: Known, given: Record<string, unknown>): Map<string, KnownPart> {
  return new Map([...known.parts].filter(([part]) => !Object.hasOwn(given, part)));
}

/**
 * Decides, per part, what to store: a kept part keeps its entry as is; an unchanged part keeps its
 * entry, a changed one is compressed and inlined when small, chunked otherwise. Then each inline
 * part given may go to a chunk instead: of those layouts, the one this save pays the fewest write
 * units for (the head's put at the larger of its old and new size, plus the chunks written) is
 * chosen, and of equals the smallest head, so a later head rewrite (a keepOthers save of the
 * outbox) stays within one unit. Only chunks not already stored fresh are written.
 */
function planParts(
  pk: string,
  name: string,
  parts: Record<string, unknown>,
  known: Known | undefined,
  kept: ReadonlyMap<string, KnownPart>,
  nowS: number,
  headBytes: (entries: Record<string, PartEntry>) => number,
) {
  const fresh = freshChunks(known, nowS);
  let inlineBudget = INLINE_TOTAL_BYTES;
  for (const [, { entry }] of kept) inlineBudget -= entry.data?.length ?? 0;
  const held = new Map<string, HeldPart>();
  for (const [part, value] of Object.entries(parts)) {
    const h = reuseOrPack(part, value, known?.parts.get(part), inlineBudget);
    if (h.entry.data) inlineBudget -= h.entry.data.length;
    held.set(part, h);
  }
  const movable = [...held]
    .filter(([, h]) => h.entry.data)
    .sort(([, a], [, b]) => (b.entry.data?.length ?? 0) - (a.entry.data?.length ?? 0))
    .slice(0, MOVABLE_MAX)
    .map(([part]) => part);
  let best: (ReturnType<typeof layOut> & { units: number; bytes: number }) | undefined;
  for (let mask = 0; mask < 1 << movable.length; mask++) {
    const spill = new Set(movable.filter((_, i) => mask & (1 << i)));
    const layout = layOut(name, kept, held, spill, new Map(fresh), nowS);
    const bytes = headBytes(layout.entries);
    const units =
      Math.ceil(Math.max(known?.headBytes ?? 0, bytes) / WRITE_UNIT_BYTES) +
      layout.writes.reduce((n, w) => n + Math.ceil(approxItemBytes(chunkItem(pk, w, nowS)) / WRITE_UNIT_BYTES), 0);
    if (!best || units < best.units || (units === best.units && bytes < best.bytes)) best = { ...layout, units, bytes };
  }
  return best as NonNullable<typeof best>;
}

/** The entries, known parts and chunk writes of one layout: the `spill` parts chunked, the others as packed. */
function layOut(
  name: string,
  kept: ReadonlyMap<string, KnownPart>,
  held: ReadonlyMap<string, HeldPart>,
  spill: ReadonlySet<string>,
  fresh: Map<string, number>,
  nowS: number,
) {
  const entries: Record<string, PartEntry> = {};
  const next: Known['parts'] = new Map(kept);
  const writes: ChunkWrite[] = [];
  for (const [part, { entry }] of kept) entries[part] = entry;
  for (const [part, h] of held) {
    const { entry, chunks } = spill.has(part) ? chunked(h) : h;
    const placed = entry.chunks ? { ...entry, chunks: placeChunks(name, entry.chunks, chunks, fresh, nowS, writes) } : entry;
    entries[part] = placed;
    next.set(part, { entry: placed, chunks });
  }
  return { entries, known: next, writes };
}

/** An inline part as chunks instead. */
function chunked({ entry: { data, ...base } }: HeldPart): HeldPart {
  const chunks = split(data as Uint8Array);
  return { entry: { ...base, chunks: chunks.map((c): [string, number] => [digest(c), 0]) }, chunks };
}

/** Chunks the previous head holds that are far from expiry: [hash, written at]. */
function freshChunks(known: Known | undefined, nowS: number): Map<string, number> {
  const fresh = new Map<string, number>();
  for (const { entry } of known?.parts.values() ?? [])
    for (const [h, at] of entry.chunks ?? []) if (at > nowS - REFRESH_AFTER_S) fresh.set(h, at);
  return fresh;
}

function reuseOrPack(part: string, value: unknown, old: KnownPart | undefined, inlineBudget: number): HeldPart {
  const raw = serialize(part, value);
  const hash = digest(raw);
  // reused only with its bytes at hand: a stale chunk is rewritten from them (else repacked, same hashes)
  if (old?.chunks && old.entry.hash === hash && old.entry.enc === ENCODING) return { entry: old.entry, chunks: old.chunks };
  const bytes = ENCODINGS[ENCODING].compress(raw);
  const base = { hash, size: raw.length, enc: ENCODING };
  const inline = { entry: { ...base, data: bytes }, chunks: [] };
  return bytes.length <= Math.min(INLINE_MAX_BYTES, inlineBudget) ? inline : chunked(inline);
}

/** Dates each chunk: a fresh stored one keeps its date, any other is (re)written now. */
function placeChunks(
  name: string,
  refs: readonly [string, number][],
  bytes: readonly Uint8Array[],
  fresh: Map<string, number>,
  nowS: number,
  writes: ChunkWrite[],
): [string, number][] {
  return refs.map(([h], i) => {
    const at = fresh.get(h);
    if (at !== undefined) return [h, at];
    fresh.set(h, nowS); // the same chunk twice in one save is written once
    writes.push({ sk: chunkSk(name, h), data: bytes[i] as Uint8Array });
    return [h, nowS];
  });
}

function split(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += CHUNK_BYTES) out.push(bytes.subarray(i, i + CHUNK_BYTES));
  return out;
}

/** The head item, refused before anything is written when meta would make it large. */
function headItem(pk: string, name: string, head: Head, check = true): Item {
  const item: Item = { pk, sk: headSk(name), type: 'statedoc', ...head };
  const size = check ? approxItemBytes(item) : 0;
  if (size > HEAD_MAX_BYTES)
    throw new StateDocError(
      `state document ${pk} / ${headSk(name)}: head would be ${size} bytes (limit ${HEAD_MAX_BYTES}); keep meta small`,
    );
  return item;
}

/** The head lives as long as its oldest chunk (less a margin, kept parts' too), so it never outlives one. */
function headExpiry(entries: Record<string, PartEntry>, nowS: number): number {
  let oldest = nowS;
  for (const e of Object.values(entries)) for (const [, at] of e.chunks ?? []) oldest = Math.min(oldest, at);
  return oldest + CHUNK_TTL_S - HEAD_EXPIRY_MARGIN_S;
}

const chunkItem = (pk: string, w: ChunkWrite, nowS: number): Item => ({ pk, sk: w.sk, data: w.data, [TTL_ATTRIBUTE]: nowS + CHUNK_TTL_S });

/**
 * DynamoDB's item size: attribute names plus values. A number takes a byte per two significant
 * digits plus one; one more is counted here, so a layout priced at one unit is not over by a byte.
 */
function approxItemBytes(value: unknown): number {
  if (value instanceof Uint8Array) return value.length;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') return Math.ceil(significantDigits(value) / 2) + 2;
  if (typeof value === 'boolean' || value == null) return 1;
  if (Array.isArray(value)) return 3 + value.reduce((n: number, v) => n + 1 + approxItemBytes(v), 0);
  return 3 + Object.entries(value as object).reduce((n, [k, v]) => n + 1 + Buffer.byteLength(k) + approxItemBytes(v), 0);
}

function significantDigits(n: number): number {
  const [mantissa = ''] = Math.abs(n).toExponential().split('e');
  return mantissa.replace('.', '').length;
}

async function retryUnprocessed(what: string, send: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; await send(); attempt++) {
    if (attempt >= 8) throw new StateDocError(`DynamoDB kept leaving ${what} unprocessed`);
    await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
  }
}

function parseHead(pk: string, sk: string, item: Item): Head {
  const result = HeadSchema.safeParse(item);
  if (!result.success) throw new StateDocError(`state document ${pk} / ${sk} is damaged: ${describeIssues(result.error, '')}`);
  return result.data;
}

function parseMeta<M>(pk: string, sk: string, json: string, schema: z.ZodType<M> | undefined): M {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new StateDocError(`state document ${pk} / ${sk} is damaged: meta: ${(err as Error).message}`);
  }
  if (!schema) return value as M;
  const result = schema.safeParse(value);
  if (!result.success) throw new StateDocError(`state document ${pk} / ${sk} is damaged: ${describeIssues(result.error, 'meta')}`);
  return result.data;
}

function parseChunk(pk: string, item: Item, name: string): { hash: string; data: Uint8Array } {
  const sk = String(item.sk);
  const hash = sk.slice(chunkSk(name, '').length);
  const data: unknown = item.data;
  if (!(data instanceof Uint8Array) || digest(data) !== hash)
    throw new StateDocError(`state document chunk ${pk} / ${sk} is damaged: its data does not match its hash`);
  return { hash, data };
}

function decodePart(pk: string, sk: string, part: string, entry: PartEntry, bytes: Uint8Array[], schema: z.ZodType | undefined): unknown {
  let value: unknown;
  try {
    value = unpackPart(bytes.length === 1 ? (bytes[0] as Uint8Array) : Buffer.concat(bytes), entry.size, entry.enc);
  } catch (err) {
    throw new StateDocError(`state document ${pk} / ${sk} is damaged: part "${part}" cannot be decoded: ${(err as Error).message}`);
  }
  if (!schema) return value;
  const result = schema.safeParse(value);
  if (!result.success) throw new StateDocError(`state document ${pk} / ${sk} is damaged: ${describeIssues(result.error, part)}`);
  return result.data;
}
