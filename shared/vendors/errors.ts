/**
 * What went wrong with a source, in the terms an operator acts on.
 * - auth: credentials rejected (check key/secret) — never retried
 * - config: the request can never succeed as configured (IP allow-list, ids, permissions) — never retried
 * - clock: the vendor says our timestamp is out of its window — one retry with a fresh timestamp
 * - transient: 5xx, 408, 429, resets, timeouts, vendor "system error" codes — retried with backoff
 * - request: the vendor refused a parameter — never retried
 * - schema: the response does not have the documented shape — never retried
 * - incomplete: pages or totals disagree, so the answer cannot be trusted as complete
 * - deadline: the caller's budget for this run ran out mid-read — never retried (there is no time left)
 * - not-configured: the source's secret still holds the deploy's placeholders — nothing was sent;
 *   not a failure: no "source down" count, no page, state untouched
 */
export type ErrorKind = 'auth' | 'config' | 'clock' | 'transient' | 'request' | 'schema' | 'incomplete' | 'deadline' | 'not-configured';

const HINTS: Record<ErrorKind, string> = {
  auth: 'check the source credentials (key/secret) in Secrets Manager',
  config: 'check the source configuration and the vendor-side account settings',
  clock: "check this machine's clock (NTP); the vendor rejected the request timestamp",
  transient: 'vendor or network trouble; retried with backoff',
  request: 'the vendor rejected a request parameter',
  schema: 'the vendor response does not match the documented contract',
  incomplete: 'the answer was incomplete; stored state is kept until a complete answer arrives',
  deadline: 'the source did not answer within its budget this run; stored state is kept',
  'not-configured': 'put the real credentials in: ccwatch secrets set <source> --aws (checks them first)',
};

export class SourceError extends Error {
  override readonly name = 'SourceError';
  constructor(
    readonly source: string,
    readonly kind: ErrorKind,
    detail: string,
    readonly vendorCode?: string,
    options?: { cause?: unknown },
  ) {
    super(
      `[${source}] ${kind} error${vendorCode !== undefined ? ` (vendor code ${vendorCode})` : ''}: ${detail} — ${HINTS[kind]}`,
      options,
    );
  }

  get retryable(): boolean {
    return this.kind === 'transient';
  }
}

/** The caller gave up (its budget for the run ran out): stop at once, no retry. */
export function abortedError(source: string, what: string, signal: AbortSignal): SourceError {
  const reason = signal.reason instanceof Error ? ` (${signal.reason.message})` : '';
  return new SourceError(source, 'deadline', `${what}: stopped, the caller aborted the read${reason}`, undefined, { cause: signal.reason });
}
