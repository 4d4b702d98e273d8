/** The small HTML pages of the acknowledge link. Every value shown is escaped. */
export const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${esc(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem}button{font-size:1rem;padding:.6rem 1rem;margin:.3rem .3rem 0 0}input{font-size:1rem;padding:.4rem}</style></head><body><h1>${esc(title)}</h1>${body}</body></html>`;
}

/**
 * Opening the link only shows the alert and asks: mail scanners fetch links on their own, and a
 * page that acknowledged on GET would silence alerts nobody read.
 */
export function confirmPage(p: { token: string; episodeId: string; summary: string; ackedBy?: string | undefined }): string {
  const already = p.ackedBy ? `<p>Already acknowledged by ${esc(p.ackedBy)}.</p>` : '';
  return page(
    `Alert ${p.episodeId}`,
    `<p>${esc(p.summary)}</p>${already}
<form method="post"><input type="hidden" name="t" value="${esc(p.token)}">
<label>Your name <input name="by" maxlength="60" required></label><br>
<button name="for" value="">Acknowledge (no repeats until resolved)</button><button name="for" value="30m">Snooze 30 minutes</button><button name="for" value="2h">Snooze 2 hours</button></form>`,
  );
}

export function resultPage(title: string, message: string): string {
  return page(title, `<p>${esc(message)}</p>`);
}
