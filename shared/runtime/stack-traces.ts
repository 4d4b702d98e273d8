import { existsSync, readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Stack traces of a bundled function in its TypeScript sources, with the source map read when a
 * stack is first formatted (an error logged), not when the bundle loads. Node's
 * `--enable-source-maps` reads and indexes the whole map (1 MB) during the import: ~5% of a cold
 * start on Node 24, the functions' runtime (`npm run bench -- --only bundles`), paid by every cold
 * start for the few that log an error.
 *
 * Does nothing without a map beside the bundle (tests and the CLI run the sources themselves) or
 * with Node's own source maps on. Returns whether it took over.
 */
export function mapStackTracesLazily(bundleUrl: string): boolean {
  if (process.sourceMapsEnabled || !bundleUrl.startsWith('file:')) return false;
  const bundlePath = fileURLToPath(bundleUrl);
  const mapPath = `${bundlePath}.map`;
  if (!existsSync(mapPath)) return false;
  let map: SourceMap | null | undefined;
  const sourceMap = () => {
    if (map === undefined) {
      try {
        map = new SourceMap(JSON.parse(readFileSync(mapPath, 'utf8')) as SourceMapPayload);
      } catch {
        map = null; // an unreadable map leaves stacks as V8 writes them
      }
    }
    return map;
  };
  Error.prepareStackTrace = (error, sites) => {
    const m = sourceMap();
    const frames = sites.map((site, i) => (m ? mappedSite(site, sites[i + 1], m, [bundleUrl, bundlePath]) : String(site)));
    return [errorHeader(error), ...frames.map((frame) => `    at ${frame}`)].join('\n');
  };
  return true;
}

/** What V8 writes first: `Name: message`, as Error.prototype.toString gives it. */
function errorHeader(error: unknown): string {
  try {
    return Error.prototype.toString.call(error);
  } catch {
    return '<error>';
  }
}

/**
 * One frame, in the original source when it is the bundle's: `async name (shared/run/tick.ts:120:7)`.
 * The bundle's names are minified: the original is the one at the enclosing function's start or,
 * failing that, at the call in its caller, as Node's own source maps take it.
 */
function mappedSite(site: NodeJS.CallSite, caller: NodeJS.CallSite | undefined, map: SourceMap, bundle: string[]): string {
  const file = site.getFileName();
  const line = site.getLineNumber();
  const column = site.getColumnNumber();
  if (!bundle.includes(file ?? '') || line === null || column === null) return String(site);
  const origin = map.findOrigin(line, column);
  if (!('fileName' in origin)) return String(site);
  const name = originalName(map, site, caller, bundle) || site.getFunctionName() || site.getMethodName();
  const where = `${projectPath(origin.fileName)}:${origin.lineNumber}:${origin.columnNumber}`;
  const prefix = `${site.isAsync() ? 'async ' : ''}${site.isConstructor() ? 'new ' : ''}`;
  return name ? `${prefix}${name} (${where})` : `${prefix}${where}`;
}

function originalName(map: SourceMap, site: NodeJS.CallSite, caller: NodeJS.CallSite | undefined, bundle: string[]): string | undefined {
  const enclosing = map.findOrigin(site.getEnclosingLineNumber() ?? 0, site.getEnclosingColumnNumber() ?? 0);
  if ('name' in enclosing && enclosing.name) return enclosing.name;
  const line = caller?.getLineNumber();
  const column = caller?.getColumnNumber();
  if (!caller || !bundle.includes(caller.getFileName() ?? '') || !line || !column) return undefined;
  const call = map.findOrigin(line, column);
  return ('name' in call && call.name) || undefined;
}

/** The map's paths are relative to the bundle's folder (`../../shared/...`): from the project root. */
function projectPath(source: string): string {
  return source.replace(/^(\.\.\/)+/, '');
}
