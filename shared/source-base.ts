import { z } from 'zod';
import { HttpSettingsSchema } from './http';
import { BusinessWindowSchema, TimezoneSchema } from './business-hours';

/** What every source has, whatever its vendor. */
export const SourceBaseSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'expected an id of letters, digits, - or _ (at most 40)'),
  baseUrl: z.url({ protocol: /^https?$/ }),
  /** Secrets Manager secret id (name or ARN) holding this source's credentials. */
  secretId: z.string().min(1),
  timezone: TimezoneSchema.default('UTC'),
  /** Outside these weekly windows no agent alert fires (resolves still do). */
  businessHours: z.array(BusinessWindowSchema).optional(),
  http: HttpSettingsSchema.prefault({}),
});
