import { describe, expect, it } from 'vitest';
import { parseInput } from '../../cli/credentials';
import { jsonErrorWithoutContent } from '../../cli/json-error';

describe('a credential that is not valid JSON', () => {
  it('is reported by where it breaks, never by quoting it', () => {
    const text = '{"apiKey":"k",\n "apiSecret": topsecretvalue}';
    expect(() => parseInput(text, ['apiKey', 'apiSecret'])).toThrow(/^stdin: not valid JSON/);
    try {
      parseInput(text, ['apiKey', 'apiSecret']);
    } catch (err) {
      expect((err as Error).message).not.toContain('topsecret');
    }
    let parseError: unknown;
    try {
      JSON.parse('{"a":\n  nope}');
    } catch (err) {
      parseError = err;
    }
    expect(jsonErrorWithoutContent('{"a":\n  nope}', parseError)).toMatch(/^not valid JSON( at line 2, column 3)?$/);
  });
});
