import { randomBytes } from 'node:crypto';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { ScopeSchema, type Silence } from '#shared/config/schema';
import { DAY_S, isConditionFailure, parseItem, type Table } from './dynamo';
import { keys } from './table';

/**
 * A silence made at runtime (`ccwatch silence add`, the open-alerts page), like `amtool silence`:
 * honoured by the next tick of both functions, with who made it and why. State keeps being tracked
 * while it lasts, so an alert still true when it ends fires on the next tick.
 */
export const RuntimeSilenceSchema = z.object({
  id: z.string().regex(/^[0-9A-Z]{6,12}$/),
  scope: ScopeSchema,
  /** Only these rules (agent or task rule ids, "source-down"); empty: every rule. */
  rules: z.array(z.string().min(1)).default([]),
  startsAt: z.number().int(),
  endsAt: z.number().int(),
  createdBy: z.string().min(1).max(80),
  comment: z.string().max(500),
  createdAt: z.number().int(),
  expiredAt: z.number().int().optional(),
  expiredBy: z.string().max(80).optional(),
});
export type RuntimeSilence = z.infer<typeof RuntimeSilenceSchema>;

/** One line of a silence's history: made, or expired early. */
export const SilenceEventSchema = z.object({
  silenceId: z.string(),
  event: z.enum(['created', 'expired']),
  at: z.number().int(),
  by: z.string(),
  comment: z.string().optional(),
  /** The silence as it stood after the change. */
  silence: RuntimeSilenceSchema,
});
export type SilenceEvent = z.infer<typeof SilenceEventSchema>;

/** History and ended silences are kept this long after they end, then DynamoDB's TTL removes them. */
const KEEP_ENDED_S = 90 * DAY_S;
const ID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function newId(): string {
  return [...randomBytes(8)].map((b) => ID_ALPHABET[b % 32]).join('');
}

export class SilenceNotFound extends Error {}

export class Silences {
  constructor(private readonly t: Table) {}

  /** Stores a new silence and its "created" history line in one transaction. */
  async add(input: Omit<RuntimeSilence, 'id' | 'createdAt' | 'expiredAt' | 'expiredBy'>, now: number): Promise<RuntimeSilence> {
    const silence = RuntimeSilenceSchema.parse({ ...input, id: newId(), createdAt: now });
    if (silence.endsAt <= silence.startsAt) throw new Error('a silence must end after it starts');
    await this.write(
      silence,
      { silenceId: silence.id, event: 'created', at: now, by: silence.createdBy, comment: silence.comment, silence },
      'new',
    );
    return silence;
  }

  /** Ends a silence now; its history keeps who ended it. Expiring an ended silence changes nothing. */
  async expire(id: string, by: string, now: number): Promise<RuntimeSilence> {
    const current = (await this.list({ includeEnded: true, now })).find((s) => s.id === id);
    if (!current) throw new SilenceNotFound(`no silence "${id}"`);
    if (current.expiredAt !== undefined || current.endsAt <= now) return current;
    const next: RuntimeSilence = { ...current, expiredAt: now, expiredBy: by, endsAt: Math.max(current.startsAt, now) };
    await this.write(next, { silenceId: id, event: 'expired', at: now, by, silence: next }, current.endsAt);
    return next;
  }

  /** Silences in force or still to come (and, with includeEnded, the ended ones kept for history). */
  async list(opts: { includeEnded?: boolean; now: number }): Promise<RuntimeSilence[]> {
    const items = await this.t.queryAll(keys.silencePk, keys.silenceSk(''));
    const all = items.map((i) => parseItem(RuntimeSilenceSchema, i));
    return all.filter((s) => opts.includeEnded || s.endsAt > opts.now).sort((a, b) => a.startsAt - b.startsAt || a.id.localeCompare(b.id));
  }

  /** Every change, oldest first. */
  async history(): Promise<SilenceEvent[]> {
    const items = await this.t.queryAll(keys.silencePk, keys.silenceHistorySk(''));
    return items.map((i) => parseItem(SilenceEventSchema, i));
  }

  /** What the planners honour this tick, in the config's silence shape. */
  async active(now: number): Promise<Silence[]> {
    return (await this.list({ now })).map(toSilence);
  }

  /**
   * The silence and its history line together: a silence never changes without its history. A new
   * one must not exist; an expiry must find the end it read (two people expiring at once: one wins).
   */
  private async write(silence: RuntimeSilence, event: SilenceEvent, expect: 'new' | number): Promise<void> {
    const ttl = Math.ceil(silence.endsAt / 1000) + KEEP_ENDED_S;
    try {
      const out = await this.t.doc.send(
        new TransactWriteCommand({
          ReturnConsumedCapacity: 'TOTAL',
          TransactItems: [
            {
              Put: {
                TableName: this.t.name,
                Item: { pk: keys.silencePk, sk: keys.silenceSk(silence.id), type: 'silence', ...silence, expiresAt: ttl },
                ...(expect === 'new'
                  ? { ConditionExpression: 'attribute_not_exists(pk)' }
                  : { ConditionExpression: 'endsAt = :end', ExpressionAttributeValues: { ':end': expect } }),
              },
            },
            {
              Put: {
                TableName: this.t.name,
                Item: {
                  pk: keys.silencePk,
                  sk: keys.silenceHistorySk(`${new Date(event.at).toISOString()}#${silence.id}#${event.event}`),
                  type: 'silence-event',
                  ...event,
                  expiresAt: ttl,
                },
              },
            },
          ],
        }),
      );
      this.t.track(out, 'write');
    } catch (err) {
      if (isConditionFailure(err) || (err as Error).name === 'TransactionCanceledException')
        throw new Error(`silence ${silence.id} was changed by someone else meanwhile; list and try again`);
      throw err;
    }
  }
}

export function toSilence(s: RuntimeSilence): Silence {
  return {
    scope: s.scope,
    rules: s.rules,
    from: s.startsAt,
    until: s.endsAt,
    reason: `${s.comment} (${s.createdBy}, silence ${s.id})`,
  };
}
