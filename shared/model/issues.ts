import type { z } from 'zod';

/** `records[3].status` from a zod path. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

/** One line per issue, each naming the field path: `data.records[3].status: expected ...`. */
export function formatIssues(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => {
    const path = formatPath([...(prefix ? [prefix] : []), ...issue.path]);
    return `${path}: ${issue.message}`;
  });
}

/** A strict object's error for a misspelled field: names the fields it does take. */
export const takes = (what: string, fields: string) => ({
  error: (iss: { code?: string; keys?: string[] }) =>
    iss.code === 'unrecognized_keys' ? `unknown field(s) ${iss.keys?.join(', ')}: ${what} takes ${fields}` : undefined,
});
