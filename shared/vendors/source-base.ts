import * as z from 'zod';
import { BusinessWindowSchema, HolidaysSchema, TimezoneSchema } from '#shared/alerting/business-hours';
import { HttpSettingsSchema } from './http';
import { SourceTlsSchema } from './tls';

/** What every source has, whatever its vendor. Strict: a misspelt field is an error, never ignored. */
export const SourceBaseSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'expected an id of letters, digits, - or _ (at most 40)'),
  /** https, or plain http to 127.0.0.1 only (the simulator): signed requests never travel in clear text. */
  baseUrl: z.url({ protocol: /^https?$/ }).refine((u) => {
    const url = new URL(u);
    return url.protocol === 'https:' || url.hostname === '127.0.0.1';
  }, 'expected an https URL (plain http is allowed only for http://127.0.0.1:<port>)'),
  /** Secrets Manager secret id (name or ARN) holding this source's credentials. */
  secretId: z.string().min(1),
  timezone: TimezoneSchema.default('UTC'),
  /** Outside these weekly windows no agent alert fires (resolves still do). */
  businessHours: z.array(BusinessWindowSchema).optional(),
  /** Local dates closed all day, like hours outside businessHours (with no businessHours: closed only on these days). */
  holidays: HolidaysSchema.optional(),
  /** A private CA for this source only (an on-premise vendor): `{ "caSecretId": "..." }`. */
  tls: SourceTlsSchema.optional(),
  http: HttpSettingsSchema.prefault({}),
});
