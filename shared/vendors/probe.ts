import type { OutgoingRequest, RawResponse } from './http';

/**
 * One signed request that proves a source's credentials (`ccwatch verify`, `ccwatch secrets set`),
 * built by the vendor's own client exactly as its reads are, and how to read the answer.
 */
export interface Probe {
  request: OutgoingRequest;
  /** What the answer says; a SourceError when the vendor refused the request. */
  read(res: RawResponse): { agents?: number };
}

/** A vendor client that can build its probe. */
export interface Probeable {
  probe(now: number): Probe;
  close(): Promise<void>;
}
