import { mapLimit } from '#shared/runtime/concurrency';
import { abortedError, SourceError } from './errors';

export interface Page<T> {
  items: T[];
  /** Total records as the vendor reports it. */
  total: number;
  /** Records a page, as the vendor says it served them (ITNIO `size`); servers may ignore the size asked for. */
  size?: number | undefined;
  /** Page count as the vendor reports it (ITNIO `pages`). */
  pages?: number | undefined;
}

/** How many pages to read and the most records one page may carry, from what page 1 says. */
interface PagePlan {
  pageCount: number;
  perPage: number;
  /** For messages: "3 pages of 20" or "in 3 pages". */
  said: string;
}

const isCount = (n: unknown, min: number, max: number): n is number =>
  Number.isSafeInteger(n) && (n as number) >= min && (n as number) <= max;

/**
 * Page 1's own `size` wins: page numbers count in the size the server serves, not the one asked
 * for. Without a usable size, `pages` (if it can hold the total at `maxPageSize` a page and is
 * not more pages than records); else the size asked for. Values outside those bounds are ignored,
 * so a zero, negative or absurd size or page count never sets the plan.
 */
export function planPages(first: Page<unknown>, pageSize: number, maxPageSize: number): PagePlan {
  const records = Math.max(0, first.total);
  if (isCount(first.size, 1, maxPageSize)) {
    const pageCount = Math.max(1, Math.ceil(records / first.size));
    return { pageCount, perPage: first.size, said: `: ${pageCount} pages of ${first.size}` };
  }
  if (isCount(first.pages, Math.max(1, Math.ceil(records / maxPageSize)), Math.max(1, records))) {
    return { pageCount: first.pages, perPage: maxPageSize, said: ` in ${first.pages} pages` };
  }
  const pageCount = Math.max(1, Math.ceil(records / pageSize));
  return { pageCount, perPage: pageSize, said: `: ${pageCount} pages of ${pageSize}` };
}

/**
 * Reads page 1, plans the pages from it (planPages), then the rest in parallel (bounded). The
 * answer counts as complete only if every page arrived and the distinct ids add up to the total
 * the vendor announced on every page; otherwise it is an `incomplete` error, so that a missing
 * page never looks like agents who went away. A plan over `maxPages` pages is refused before any
 * other page is asked for, and no page starts once `signal` has aborted. Memory stays bounded:
 * each page is checked as it arrives, and a page with more records than its page size, or
 * distinct records beyond the total, stops the read at once.
 */
export async function readAllPages<T>(opts: {
  source: string;
  what: string;
  /** The page size asked for. */
  pageSize: number;
  /** Most records a page may carry whatever the vendor says (its documented maximum); default pageSize. */
  maxPageSize?: number;
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
  const { pageCount, perPage, said } = planPages(first, pageSize, Math.max(pageSize, opts.maxPageSize ?? pageSize));
  if (pageCount > maxPages) {
    throw new SourceError(
      source,
      'schema',
      `${what}: vendor reported total ${first.total} records${said}, over the cap of ${maxPages} (http.maxPages)`,
    );
  }
  const seen = new Map<string, T>();
  const take = (page: Page<T>, n: number) => {
    if (page.total !== first.total) {
      throw new SourceError(
        source,
        'incomplete',
        `${what}: total changed while paging (page 1 said ${first.total}, page ${n} said ${page.total})`,
      );
    }
    if (page.items.length > perPage) {
      throw new SourceError(source, 'schema', `${what} page ${n}: ${page.items.length} records, more than the page size of ${perPage}`);
    }
    for (const item of page.items) seen.set(idOf(item), item);
    if (seen.size > first.total) {
      throw new SourceError(
        source,
        'incomplete',
        `${what}: ${seen.size} distinct records by page ${n}, more than the ${first.total} the vendor reported`,
      );
    }
  };
  take(first, 1);
  // each page is taken as it arrives: a bad one stops the read before the rest are asked for
  await mapLimit(
    Array.from({ length: pageCount - 1 }, (_, i) => i + 2),
    concurrency,
    async (page) => take(await startPage(page), page),
  );
  if (seen.size !== first.total) {
    throw new SourceError(
      source,
      'incomplete',
      `${what}: read ${seen.size} distinct records over ${pageCount} pages but the vendor reported ${first.total}`,
    );
  }
  return [...seen.values()];
}
