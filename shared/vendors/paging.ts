import { mapLimit } from '#shared/runtime/concurrency';
import { abortedError, SourceError } from './errors';

export interface Page<T> {
  items: T[];
  /** Total records as the vendor reports it. */
  total: number;
}

/**
 * Reads page 1, learns the page count from its total, then the rest in parallel (bounded).
 * The answer counts as complete only if every page arrived and the distinct ids add up to
 * the total the vendor announced on every page; otherwise it is an `incomplete` error, so
 * that a missing page never looks like agents who went away. A total implying more than
 * `maxPages` pages is refused before any other page is asked for, and no page starts once
 * `signal` has aborted.
 */
export async function readAllPages<T>(opts: {
  source: string;
  what: string;
  pageSize: number;
  concurrency: number;
  /** Most pages this read may take (http.maxPages). */
  maxPages: number;
  signal?: AbortSignal | undefined;
  fetchPage: (page: number) => Promise<Page<T>>;
  idOf: (item: T) => string;
}): Promise<T[]> {
  const { source, what, pageSize, concurrency, maxPages, signal, fetchPage, idOf } = opts;
  const startPage = (page: number) => {
    if (signal?.aborted) throw abortedError(source, `${what} page ${page}`, signal);
    return fetchPage(page);
  };
  const first = await startPage(1);
  const pageCount = Math.max(1, Math.ceil(first.total / pageSize));
  if (pageCount > maxPages) {
    throw new SourceError(
      source,
      'schema',
      `${what}: vendor reported total ${first.total} records: ${pageCount} pages of ${pageSize}, over the cap of ${maxPages} (http.maxPages)`,
    );
  }
  const rest = await mapLimit(
    Array.from({ length: pageCount - 1 }, (_, i) => i + 2),
    concurrency,
    (page) => startPage(page),
  );
  const pages = [first, ...rest];
  const seen = new Map<string, T>();
  for (const [i, page] of pages.entries()) {
    if (page.total !== first.total) {
      throw new SourceError(
        source,
        'incomplete',
        `${what}: total changed while paging (page 1 said ${first.total}, page ${i + 1} said ${page.total})`,
      );
    }
    for (const item of page.items) seen.set(idOf(item), item);
  }
  if (seen.size !== first.total) {
    throw new SourceError(
      source,
      'incomplete',
      `${what}: read ${seen.size} distinct records over ${pageCount} pages but the vendor reported ${first.total}`,
    );
  }
  return [...seen.values()];
}
