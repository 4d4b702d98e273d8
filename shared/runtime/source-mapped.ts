/**
 * Imported first by every function (a side effect, on purpose): bundled, `import.meta.url` is the
 * bundle's, and stack traces name the TypeScript sources from then on, the map read on first use.
 */
import { mapStackTracesLazily } from './stack-traces';

mapStackTracesLazily(import.meta.url);
