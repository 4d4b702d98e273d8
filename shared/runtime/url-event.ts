import * as z from 'zod';
import { formatIssues } from '#shared/model/issues';

/** The parts of a Lambda function URL request the acknowledge endpoint reads. */
const FunctionUrlEventSchema = z.object({
  requestContext: z.object({ http: z.object({ method: z.string() }) }),
  queryStringParameters: z.record(z.string(), z.string()).optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
});

export function parseFunctionUrlEvent(event: unknown): { method: string; query: Record<string, string>; form: Record<string, string> } {
  const parsed = FunctionUrlEventSchema.safeParse(event);
  if (!parsed.success) throw new Error(`invalid function URL event: ${formatIssues(parsed.error).join('; ')}`);
  const e = parsed.data;
  const raw = e.body ? (e.isBase64Encoded ? Buffer.from(e.body, 'base64').toString('utf8') : e.body) : '';
  return {
    method: e.requestContext.http.method.toUpperCase(),
    query: e.queryStringParameters ?? {},
    form: Object.fromEntries(new URLSearchParams(raw)),
  };
}
