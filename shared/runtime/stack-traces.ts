import { existsSync, readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Stack traces of a bundled function in its TypeScript sources, with the source map read when a
 * stack with a frame in the bundle is first written (an error logged or reported), not when the
 * bundle loads. Node's `--enable-source-maps` reads and parses the whole map (1 MB) during the
 * import, at every cold start, for the few that ever write a stack (`npm run bench -- --only
 * bundles`, "shipped, Node's source maps"). The first mapped stack costs what Node's own would:
 * ~100-200 ms and ~16 MB of heap for the map's index.
 *
 * Does nothing without a map beside the bundle (tests and the CLI run the sources themselves) or
 * with Node's own source maps on. Returns whether it took over.
 */
export function mapStackTracesLazily(bundleUrl: string): boolean {
  if (process.sourceMapsEnabled || !bundleUrl.startsWith('file:')) return false;
  const bundlePath = fileURLToPath(bundleUrl);
  if (!existsSync(`${bundlePath}.map`)) return false;
  const bundle = new Bundle(bundleUrl, bundlePath);
  Error.prepareStackTrace = (error, sites) => {
    const map = sites.some((site) => bundle.has(site)) ? bundle.map() : null;
    const frames = sites.map((site, i) => (map ? mappedSite(site, sites[i + 1], map, bundle) : String(site)));
    return [errorHeader(error), ...frames.map((frame) => `    at ${frame}`)].join('\n');
  };
  return true;
}

/** The bundle's file, its map and (for async functions' names) its code, each read once, when first needed. */
class Bundle {
  /** Each source as the map names it (`../../../home/ci/ccwatch/shared/x.ts`) to its path in the project. */
  readonly sources = new Map<string, string>();
  #map: SourceMap | null | undefined;
  #lines: string[] | undefined;
  constructor(
    private readonly url: string,
    private readonly path: string,
  ) {}

  has(site: NodeJS.CallSite | undefined): boolean {
    const file = site?.getFileName();
    return file === this.url || file === this.path;
  }

  map(): SourceMap | null {
    if (this.#map === undefined) {
      try {
        const payload = JSON.parse(readFileSync(`${this.path}.map`, 'utf8')) as SourceMapPayload;
        this.#map = new SourceMap(payload);
        const files = payload.sources.map((source) => resolve(dirname(this.path), source));
        const root = commonFolder(files);
        for (const [i, source] of payload.sources.entries()) this.sources.set(source, files[i]!.slice(root.length));
      } catch {
        this.#map = null; // an unreadable map leaves stacks as V8 writes them
      }
    }
    return this.#map;
  }

  /** Up to 40 characters of the bundle's code from a 1-based line and column. */
  codeAt(line: number, column: number): string {
    try {
      this.#lines ??= readFileSync(this.path, 'utf8').split('\n');
    } catch {
      this.#lines = [];
    }
    return this.#lines[line - 1]?.slice(column - 1, column + 39) ?? '';
  }
}

/** What V8 writes first, `Name: message`, with a Node error's code as Node writes it: `RangeError [ERR_OUT_OF_RANGE]: ...`. */
function errorHeader(error: unknown): string {
  try {
    const text = Error.prototype.toString.call(error);
    const code = (error as { code?: unknown }).code;
    const name = String((error as { name?: unknown }).name ?? 'Error');
    return typeof code === 'string' && text.startsWith(name) && !name.includes('[') ? `${name} [${code}]${text.slice(name.length)}` : text;
  } catch {
    return '<error>';
  }
}

/**
 * One frame, in the original source when it is the bundle's: `async name (shared/run/tick.ts:120:7)`,
 * line and column those of the mapping, as Node's own source maps print them.
 */
function mappedSite(site: NodeJS.CallSite, caller: NodeJS.CallSite | undefined, map: SourceMap, bundle: Bundle): string {
  const line = site.getLineNumber();
  const column = site.getColumnNumber();
  if (!bundle.has(site) || line === null || column === null) return String(site);
  const origin = map.findEntry(line - 1, column - 1);
  if (!('originalSource' in origin)) return String(site);
  const name = originalName(map, site, caller, bundle) || site.getFunctionName() || site.getMethodName() || '<anonymous>';
  const source = bundle.sources.get(origin.originalSource) ?? origin.originalSource;
  const where = `${source}:${origin.originalLine + 1}:${origin.originalColumn + 1}`;
  // always `name (where)`: Powertools' logger finds an error's location by the parentheses
  return `${site.isAsync() ? 'async ' : ''}${site.isConstructor() ? 'new ' : ''}${name} (${where})`;
}

/**
 * The bundle's names are minified: the original is the one mapped at the enclosing function's
 * start (past `async function`, where V8 puts an async function's start) or, failing that, at the
 * call in its caller, as Node's own source maps take it.
 */
function originalName(map: SourceMap, site: NodeJS.CallSite, caller: NodeJS.CallSite | undefined, bundle: Bundle): string | undefined {
  const line = site.getEnclosingLineNumber();
  const column = site.getEnclosingColumnNumber();
  if (line !== null && column !== null) {
    const named = nameAt(map, line, column);
    if (named) return named;
    // only before a name and its parameters: `async(e)=>` has none, and `e` there is a parameter's
    const keywords = /^async\s*(?:function\b\s*\*?\s*)?(?=[A-Za-z_$][\w$]*\s*\()/.exec(bundle.codeAt(line, column));
    const afterAsync = keywords ? nameAt(map, line, column + keywords[0].length) : undefined;
    if (afterAsync) return afterAsync;
  }
  const callLine = caller?.getLineNumber();
  const callColumn = caller?.getColumnNumber();
  if (!bundle.has(caller) || !callLine || !callColumn) return undefined;
  return nameAt(map, callLine, callColumn);
}

function nameAt(map: SourceMap, line: number, column: number): string | undefined {
  // findEntry gives the mapping's name too (Node 20 and 24), which @types/node leaves out
  const { name } = map.findEntry(line - 1, column - 1) as { name?: unknown };
  return typeof name === 'string' && name ? name : undefined;
}

/**
 * The folder every file is in: the project's, for a bundle's sources (the map names them from where
 * CDK built it, a temporary folder, so the way back to the project would lead every path).
 */
function commonFolder(files: readonly string[]): string {
  let prefix = files[0]?.slice(0, files[0].lastIndexOf(sep) + 1) ?? '';
  for (const file of files) while (!file.startsWith(prefix)) prefix = prefix.slice(0, prefix.lastIndexOf(sep, prefix.length - 2) + 1);
  return prefix;
}
