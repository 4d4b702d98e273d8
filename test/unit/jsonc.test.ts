import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JsoncSyntaxError, parseJsonc, stripJsonc } from '#shared/config/jsonc';
import { ConfigError, nearestKey, parseConfigText } from '#shared/config/parse';

function syntaxError(text: string): string {
  try {
    parseJsonc(text);
  } catch (err) {
    expect(err).toBeInstanceOf(JsoncSyntaxError);
    const e = err as JsoncSyntaxError;
    return `${e.line}:${e.column}: ${e.message}`;
  }
  throw new Error('parsed');
}

describe('JSONC config files', () => {
  it('take // and /* */ comments and trailing commas, and keep strings as written', () => {
    const text = `// ccwatch
{
  /* the sources */ "a": [1, 2, 3,], // trailing
  "url": "http://127.0.0.1:7780/x", "glob": "/* not a comment */",
  "q": "say \\"hi\\" // still a string",
  "o": { "k": true, },
}`;
    expect(parseJsonc(text)).toEqual({
      a: [1, 2, 3],
      url: 'http://127.0.0.1:7780/x',
      glob: '/* not a comment */',
      q: 'say "hi" // still a string',
      o: { k: true },
    });
    // blanking keeps every position: same length, same line breaks
    const stripped = stripJsonc(text);
    expect(stripped).toHaveLength(text.length);
    expect(stripped.split('\n').map((l) => l.length)).toEqual(text.split('\n').map((l) => l.length));
  });

  it('reports syntax errors as line:column with what was expected there', () => {
    expect(syntaxError('{\n  "a": 1\n  "b": 2\n}')).toBe('3:3: expected "," or "}" after a property value, found "b"');
    expect(syntaxError('{\n  "a": [1 2]\n}')).toBe('2:11: expected "," or "]" after an array element, found 2');
    expect(syntaxError('{\n  /* a comment\n  "a": 1\n}')).toBe('2:3: unterminated /* comment');
    expect(syntaxError('{"a": x}')).toBe('1:7: expected a value, found x');
    expect(syntaxError('{"a": 01}')).toBe('1:7: invalid number');
    expect(syntaxError('{"sources": [')).toBe('1:14: expected a value, but the file ends');
    expect(syntaxError('{"a": "b\n"}')).toBe('1:9: unterminated string (a line break inside quotes)');
    expect(syntaxError('{"a": 1} }')).toBe('1:10: unexpected "}" after the end of the document');
    expect(syntaxError("{'a': 1}")).toBe(`1:2: expected a property name in double quotes, found '`);
    expect(syntaxError('{,}')).toBe('1:2: expected a property name in double quotes, found ,');
    expect(syntaxError('[1,,]')).toBe('1:4: expected a value, found ,');
  });

  it('names the file, line and column of a config syntax error', () => {
    const text = '{\n  // rules\n  "agentRules": [\n    { "id": "b", "states": ["break"] "after": "2m" }\n  ]\n}';
    try {
      parseConfigText(text, 'ccwatch.config.json');
      throw new Error('parsed');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).lines()).toEqual(['ccwatch.config.json:4:38: expected "," or "}" after a property value, found "after"']);
    }
  });

  it('suggests the nearest known key for an unknown one', () => {
    expect(nearestKey('agentRule', ['sources', 'agentRules', 'taskRules'])).toBe('agentRules');
    expect(nearestKey('timeZone', ['timezone', 'tls'])).toBe('timezone');
    expect(nearestKey('windowsec', ['windowSec', 'tenantId'])).toBe('windowSec');
    expect(nearestKey('colour', ['sources', 'channels'])).toBeUndefined();
    const text = `{
      "sources": [{ "id": "hw", "vendor": "huawei", "baseUrl": "https://10.0.0.1:28080", "secretId": "s",
                    "ccId": 1, "vdn": 170, "agentIds": ["1001-1004"], "timeZone": "Asia/Shanghai" }],
      "agentRule": [],
      "channels": [{ "id": "oncall", "severities": ["critical"], "sms": ["+8613800138000"], "colour": "red" }]
    }`;
    try {
      parseConfigText(text, 'ccwatch.config.json');
      throw new Error('parsed');
    } catch (err) {
      expect((err as ConfigError).lines()).toEqual([
        'ccwatch.config.json: sources[0].timeZone: unknown key; did you mean "timezone"?',
        'ccwatch.config.json: channels[0].colour: unknown key; channels[0] takes id, severities, sources, kinds, displayName, emails, sms, pagerduty, opsgenie, chat',
        'ccwatch.config.json: agentRule: unknown key; did you mean "agentRules"?',
      ]);
    }
  });

  it("the README's config example parses and validates as it is written", () => {
    const readme = readFileSync('README.md', 'utf8');
    const blocks = [...readme.matchAll(/```jsonc\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) {
      const cfg = parseConfigText(block, 'README.md');
      expect(cfg.sources.length).toBeGreaterThan(0);
    }
  });
});
