import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type OpenRow, openAlertsPage, PAGE_CSP } from '#shared/ack/open-page';

const EVIL = `<img src=x onerror="alert(1)">'&`;
const row = (over: Partial<OpenRow> = {}): OpenRow => ({
  episodeId: 'K7M2QX',
  source: 'itnio-main',
  who: 'Alice Chen (1)',
  kind: 'agent',
  ruleId: 'long-break',
  state: 'on break',
  forText: '50m',
  since: '23 Nov, 17:00 GMT+8',
  tier: 1,
  severity: 'warning',
  ack: 'no',
  quiet: false,
  ...over,
});
const page = (rows: OpenRow[], over = {}) =>
  openAlertsPage({ token: 'supervisors.tp03bc.abc', channel: 'supervisors', rows, asOf: 'now', validUntil: 'later', ...over });

describe('the open-alerts page', () => {
  it('escapes every vendor string: names, ids, reasons, who acknowledged', () => {
    const html = page([
      row({ who: EVIL, state: `on break: ${EVIL}`, ack: `by ${EVIL}`, silenced: `Silenced until x by ${EVIL}`, source: EVIL }),
    ]);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('onerror="');
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&#39;&amp;');
    // the only script is the page's own
    expect(html.match(/<script/g)).toHaveLength(1);
  });

  it('allows exactly its own inline script, and forms to itself only', () => {
    const html = page([row()]);
    const script = html.match(/<script>(.*?)<\/script>/s)![1]!;
    expect(PAGE_CSP).toContain(`script-src 'sha256-${createHash('sha256').update(script).digest('base64')}'`);
    expect(PAGE_CSP).toContain("form-action 'self'");
    expect(PAGE_CSP).toContain("frame-ancestors 'none'");
  });

  it('offers a silence only for agents, and every form carries the token and the alert', () => {
    const html = page([row(), row({ episodeId: 'T4SK22', kind: 'task', who: 'Task Renewals (7)' })]);
    expect(html.match(/value="silence-/g)).toHaveLength(3);
    expect(html.match(/<form method="post"><input type="hidden" name="c" value="supervisors\.tp03bc\.abc">/g)).toHaveLength(2);
    expect(html).toContain('name="e" value="T4SK22"');
  });

  it('says when nothing is open, with no script and no forms', () => {
    const html = page([]);
    expect(html).toContain('Nothing is open for supervisors right now.');
    expect(html).not.toContain('<form');
    expect(html).not.toContain('<script');
  });
});
