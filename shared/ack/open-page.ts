import { createHash } from 'node:crypto';
import { esc } from './page';

/** One open alert as the page shows it: every field already in words, none escaped yet. */
export interface OpenRow {
  episodeId: string;
  source: string;
  /** "Alice Chen (101)", "Task Renewals (7)", "hw-main". */
  who: string;
  kind: 'agent' | 'task' | 'source';
  ruleId: string;
  /** "on break", "on a call or in wrap-up", "not answering". */
  state: string;
  /** "42m". */
  forText: string;
  /** "26 Nov, 09:40 GMT+8". */
  since: string;
  tier: number;
  /** The escalation policy level reached (1 = the first), when the rule has a policy. */
  level?: number | undefined;
  severity: string;
  /** "by Ann", "snoozed by Ann until ...", "no": the Acknowledged column. */
  ack: string;
  quiet: boolean;
  /** "Silenced until 26 Nov, 11:40 GMT+8 by Ann", when a silence covers it now. */
  silenced?: string | undefined;
}

export interface OpenPage {
  token: string;
  channel: string;
  rows: OpenRow[];
  /** "26 Nov, 09:40 GMT+8". */
  asOf: string;
  validUntil: string;
  /** The confirmation of what was just done. */
  done?: string | undefined;
  /** Something the page could not read, said plainly. */
  note?: string | undefined;
}

/** Snoozes and silences the page offers: the only values a form may carry. */
export const PAGE_ACTIONS = ['ack', 'snooze-30m', 'snooze-2h', 'silence-1h', 'silence-2h', 'silence-8h'] as const;
export type PageAction = (typeof PAGE_ACTIONS)[number];

/** Remembers the name typed on this device and fills every name field with it. */
const SCRIPT =
  "(()=>{const k='ccwatch-name',f=[...document.querySelectorAll('input[name=by]')];let v='';try{v=localStorage.getItem(k)||''}catch{}" +
  "for(const i of f){if(!i.value)i.value=v;i.addEventListener('input',()=>{for(const j of f)if(j!==i)j.value=i.value})}" +
  "document.addEventListener('submit',e=>{const i=e.target.querySelector('input[name=by]');try{if(i&&i.value.trim())localStorage.setItem(k,i.value.trim())}catch{}})})();";

/**
 * What the pages may load and where forms may post: the one inline script by its hash, inline
 * styles, forms to this endpoint only, and no framing (a framed page could trick a click).
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  `script-src 'sha256-${createHash('sha256').update(SCRIPT).digest('base64')}'`,
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const STYLE = `*{box-sizing:border-box}
body{font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;padding:1rem;max-width:78rem;color:#1b1b1b;background:#fff}
h1{font-size:1.3rem;margin:0 0 .2rem}
.meta,.sub,th,td[data-label]::before{color:#555}
.meta{margin:0 0 1rem;font-size:.9rem}
.done{background:#e6f4ea;border:1px solid #8fcf9f;border-radius:.4rem;padding:.55rem .75rem;margin:0 0 1rem}
.note{background:#fff4e5;border:1px solid #f0c27a;border-radius:.4rem;padding:.55rem .75rem;margin:0 0 1rem}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:.5rem .4rem;border-bottom:1px solid #ddd;overflow-wrap:break-word}
td:first-child{overflow-wrap:anywhere}
td:last-child{min-width:23rem}
th{font-size:.8rem;font-weight:600}
.who{font-weight:600}
.sub{font-size:.85rem}
.critical{color:#a40017;font-weight:600}
.quiet{color:#1d6b34}
form{margin:0}
label{display:flex;align-items:center;gap:.5rem;font-size:.85rem;color:#555}
input[name=by]{font:inherit;padding:.4rem .5rem;width:11rem;min-width:0;border:1px solid #999;border-radius:.3rem}
.acts{display:flex;flex-wrap:wrap;gap:.35rem;margin:.4rem 0 0;align-items:center}
button{font:inherit;font-size:.875rem;padding:.45rem .6rem;border:1px solid #8a8a8a;border-radius:.35rem;background:#f3f3f3;color:#1b1b1b;cursor:pointer}
button.ack{background:#1f4fd1;border-color:#1f4fd1;color:#fff}
.acts span{font-size:.85rem;color:#555}
footer{margin:1.5rem 0 0;font-size:.85rem;color:#555}
@media (max-width:52rem){
thead{display:none}
table,tbody,tr,td{display:block;width:100%}
tr{border:1px solid #c8c8c8;border-radius:.5rem;margin:0 0 .9rem;padding:.35rem .7rem .6rem}
td,td:last-child{border:0;padding:.15rem 0;min-width:0;overflow-wrap:anywhere}
td[data-label]::before{content:attr(data-label) ": ";font-size:.85rem}
input[name=by]{flex:1}
}`;

function shell(title: string, body: string, script = false): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><meta name="referrer" content="no-referrer"><title>${esc(title)}</title>
<style>${STYLE}</style></head><body>${body}${script ? `<script>${SCRIPT}</script>` : ''}</body></html>`;
}

/** Duration buttons after their words ("Snooze [30m] [2h]"), each named in full for screen readers. */
const choices = (verb: string, words: string, durations: string[]) =>
  durations.map((d) => `<button name="a" value="${verb}-${d}" aria-label="${words} ${d}">${d}</button>`).join('');

function row(r: OpenRow, p: OpenPage): string {
  const hidden = `<input type="hidden" name="c" value="${esc(p.token)}"><input type="hidden" name="e" value="${esc(r.episodeId)}"><input type="hidden" name="s" value="${esc(r.source)}">`;
  const silence =
    r.kind === 'agent'
      ? `<div class="acts"><span>Silence this agent for</span>${choices('silence', 'Silence this agent for', ['1h', '2h', '8h'])}</div>`
      : '';
  return `<tr id="alert-${esc(r.episodeId)}-${esc(r.source)}" data-episode="${esc(r.episodeId)}">
<td><div class="who">${esc(r.who)}</div><div class="sub">${esc(r.source)} · rule ${esc(r.ruleId)} · alert ${esc(r.episodeId)}</div></td>
<td data-label="State">${esc(r.state)}</td>
<td data-label="For">${esc(r.forText)}</td>
<td data-label="Since">${esc(r.since)}</td>
<td data-label="Tier">${r.tier}${r.tier > 1 ? ' (escalated)' : ''}${r.level !== undefined ? `, level ${r.level}` : ''}, <span class="${esc(r.severity)}">${esc(r.severity)}</span></td>
<td data-label="Acknowledged"><span${r.quiet ? ' class="quiet"' : ''}>${esc(r.ack)}</span>${r.silenced ? `<div class="sub">${esc(r.silenced)}</div>` : ''}</td>
<td><form method="post">${hidden}<label>Your name <input name="by" maxlength="60" autocomplete="name" required></label>
<div class="acts"><button class="ack" name="a" value="ack">Acknowledge</button><span>Snooze</span>${choices('snooze', 'Snooze', ['30m', '2h'])}</div>${silence}</form></td>
</tr>`;
}

/**
 * A channel's open alerts, worst first. A table on a wide screen; on a phone each alert is a card
 * (no horizontal scrolling at 360 px). Every action is a POST form carrying the page's token and
 * the alert; the name typed is kept on the device for the next time.
 */
export function openAlertsPage(p: OpenPage): string {
  const count = p.rows.length === 1 ? '1 open alert' : `${p.rows.length} open alerts`;
  const head = `<h1>Open alerts for ${esc(p.channel)}</h1><p class="meta">${count} · as of ${esc(p.asOf)} · this link works until ${esc(p.validUntil)}</p>`;
  const done = p.done ? `<p class="done" role="status">${esc(p.done)}</p>` : '';
  const note = p.note ? `<p class="note">${esc(p.note)}</p>` : '';
  const list = p.rows.length
    ? `<table><thead><tr><th>Alert</th><th>State</th><th>For</th><th>Since</th><th>Tier</th><th>Acknowledged</th><th>Act</th></tr></thead><tbody>
${p.rows.map((r) => row(r, p)).join('\n')}
</tbody></table>`
    : `<p>Nothing is open for ${esc(p.channel)} right now.</p>`;
  const foot = `<footer>Acknowledge: no repeats or escalation until the alert resolves. Snooze: the same until then. Silence: no alerts for the agent, on any rule, for that long (state is still tracked; an alert still true afterwards fires again). Reload for the latest.</footer>`;
  return shell(`Open alerts: ${p.channel}`, `${head}${done}${note}${list}${foot}`, p.rows.length > 0);
}

export function messagePage(title: string, message: string, back?: string): string {
  return shell(
    title,
    `<h1>${esc(title)}</h1><p>${esc(message)}</p>${back ? `<p><a href="${esc(back)}">Back to the open alerts</a></p>` : ''}`,
  );
}
