import { describe, expect, it } from 'vitest';
import { type ConfigError, parseConfig } from '#shared/config/parse';
import { SourceError } from '#shared/vendors/errors';
import { cleanVendorText, HttpSettingsSchema, TEXT_MAX, VendorText } from '#shared/vendors/http';
import { readAllPages } from '#shared/vendors/paging';

describe('VendorText', () => {
  const name = VendorText(TEXT_MAX.name);

  it('turns line breaks and other controls into single spaces (no header injection)', () => {
    expect(name.parse('Eve\r\nBcc: x\u202e')).toBe('Eve Bcc: x');
    expect(name.parse('a\tb\u000bc\u0000d\u001b[31me\u0085f\u007fg')).toBe('a b c d [31me f g');
    expect(name.parse('one\u2028two\u2029three')).toBe('one two three');
  });

  it('drops bidi overrides, isolates, zero-width characters and lone surrogates', () => {
    expect(name.parse('a\u202ab\u202bc\u202cd\u202de\u202ef\u2066g\u2067h\u2068i\u2069j')).toBe('abcdefghij');
    expect(name.parse('\ufeffx\u200by\u200cz\u200d!\u2060\u00ad')).toBe('xyz!');
    expect(name.parse('a\ud800b\udc00c')).toBe('abc');
  });

  it('collapses whitespace runs (Unicode spaces included) and trims', () => {
    expect(name.parse('  Li \u00a0\u3000 Wei  ')).toBe('Li Wei');
    expect(name.parse('\r\n\u202e ')).toBe('');
  });

  it('keeps ordinary text in any script as it is', () => {
    for (const s of ['Agent 7', '张伟', 'Zoë Ørsted', 'محمد', '😀 Ana']) expect(name.parse(s)).toBe(s);
    // the price of dropping zero-width characters: a joined emoji comes apart
    expect(name.parse('👩\u200d💻')).toBe('👩💻');
  });

  it('caps the length in code points with an ellipsis, and a huge value is cut, not refused', () => {
    const huge = name.parse('N'.repeat(450_000));
    expect(huge).toBe(`${'N'.repeat(79)}…`);
    expect(name.parse('a'.repeat(80))).toBe('a'.repeat(80));
    // astral characters count once and are never split into halves
    const emoji = cleanVendorText('😀'.repeat(100), 10);
    expect([...emoji]).toEqual([...'😀'.repeat(9), '…']);
    // no space left before the ellipsis
    expect(cleanVendorText('abc defgh', 5)).toBe('abc…');
  });

  it('is still a string schema: other types are schema errors, null passes where allowed', () => {
    expect(name.safeParse(42).success).toBe(false);
    expect(name.nullish().parse(null)).toBeNull();
  });
});

describe('HTTP settings', () => {
  const source = { id: 'itn', vendor: 'itnio', baseUrl: 'https://api.itniotech.com', secretId: 'x' };
  const problems = (http: object) => {
    try {
      parseConfig({
        sources: [{ ...source, http }],
        channels: [{ id: 'c', severities: ['warning', 'critical'], emails: ['a@b.example'] }],
      });
      return [];
    } catch (err) {
      return (err as ConfigError).problems;
    }
  };

  it('has safe defaults for the deadline, the body cap and the page cap', () => {
    expect(HttpSettingsSchema.parse({})).toMatchObject({
      timeoutMs: 10_000,
      deadlineMs: 20_000,
      maxResponseBytes: 16 * 1024 * 1024,
      maxPages: 1000,
    });
  });

  it('names the field of a bad value', () => {
    expect(problems({ timeoutMs: 30_000 })).toEqual(['sources[0].http.deadlineMs: must be at least timeoutMs (30000)']);
    expect(problems({ timeoutMs: 30_000, deadlineMs: 45_000 })).toEqual([]);
    expect(problems({ maxPages: 0 })[0]).toMatch(/^sources\[0\]\.http\.maxPages: /);
    expect(problems({ maxResponseBytes: 10 })[0]).toMatch(/^sources\[0\]\.http\.maxResponseBytes: /);
  });
});

describe('readAllPages limits', () => {
  const base = { source: 'src', what: 'list', pageSize: 100, concurrency: 4, maxPages: 1000, idOf: (n: number) => String(n) };

  it('refuses a total over the page cap after page 1, before planning the rest', async () => {
    let calls = 0;
    const err = await readAllPages({
      ...base,
      fetchPage: async () => {
        calls++;
        return { items: [1], total: 100_000_000 };
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).kind).toBe('schema');
    expect((err as SourceError).message).toContain(
      'list: vendor reported total 100000000 records: 1000000 pages of 100, over the cap of 1000 (http.maxPages)',
    );
    expect(calls).toBe(1);
  });

  it('reads exactly maxPages pages', async () => {
    const items = await readAllPages({
      ...base,
      maxPages: 3,
      fetchPage: async (p) => ({ items: Array.from({ length: 100 }, (_, i) => (p - 1) * 100 + i), total: 300 }),
    });
    expect(items).toHaveLength(300);
  });

  it('starts no page once the signal has aborted', async () => {
    const controller = new AbortController();
    const asked: number[] = [];
    const err = await readAllPages({
      ...base,
      concurrency: 1,
      signal: controller.signal,
      fetchPage: async (p) => {
        asked.push(p);
        if (p === 2) controller.abort();
        return { items: [p], total: 500 };
      },
    }).catch((e: unknown) => e);
    expect((err as SourceError).kind).toBe('deadline');
    expect(asked).toEqual([1, 2]);
  });
});
