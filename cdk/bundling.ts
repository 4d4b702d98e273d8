import type { BuildOptions } from 'esbuild';

/**
 * How every function is bundled, in one place: the CDK stack (NodejsFunction) and the benchmark
 * (which measures bundle size and cold init) both build from these options.
 */
export const BUNDLING = {
  target: 'node22',
  minify: true,
  sourceMap: true,
  // stack traces need names and lines, not the sources: the map is ~70% smaller and loads faster
  sourcesContent: false,
  mainFields: ['module', 'main'],
  // The AWS SDK is bundled: imported from the runtime's copy it is CommonJS, which Node's ESM
  // loader scans file by file, and cold init took 0.8x of the build issue 13 measured against 0.5x
  // bundled (`npm run bench -- --only bundles`, docs/architecture.md). Left out are the credential
  // providers a Lambda never reaches (it has keys in its environment, the chain's first link); the
  // SDK imports them lazily, so were one needed it would load from the runtime's own SDK.
  // undici carries llhttp twice: a SIMD build and a fallback for CPUs without WebAssembly SIMD.
  // Lambda's CPUs (arm64 and x86_64) all have it, so the 72 KB fallback stays out too; were it ever
  // needed, the first request would fail with "Cannot find module ../llhttp/llhttp-wasm.js".
  // undici also reaches its fetch body code (44 KB: FormData, WebIDL, data: URLs) for one thing
  // only, a FormData request body, which ccwatch never sends (every request body it sends is a string).
  externalModules: [
    '@aws-sdk/credential-provider-http',
    '@aws-sdk/credential-provider-ini',
    '@aws-sdk/credential-provider-process',
    '@aws-sdk/credential-provider-sso',
    '@aws-sdk/credential-provider-web-identity',
    '@smithy/credential-provider-imds',
    '*/llhttp-wasm.js',
    '*/web/fetch/body.js',
  ],
  // some dependencies still call require(); give ESM bundles one
  banner: "import { createRequire as __ccwatchRequire } from 'node:module'; const require = __ccwatchRequire(import.meta.url);",
} as const;

/**
 * Function memory and V8 heap cap, sized by the benchmarks. Memory buys CPU (1,769 MB is one vCPU)
 * and a source stage is mostly CPU: in the fleet bench (bench/fleet-results.json) 1,024 MB runs the
 * ITNIO stages twice as fast as 512 MB (median 1.7 s against 3.3 s) and the publish stage in half
 * the time, for between the same cost and 19% more in all (eight runs on a shared machine: the
 * recorded one and the quietest measured equal GB-seconds); an NXCloud shard holds ~17,800 agents
 * in a tick's reads window at 1,024 MB against ~8,900 at 512 MB. 1,769 MB gains little more (one
 * thread uses at most one vCPU) for 40-70% more. At 50,000 agents a tick's live set fits a 128 MB
 * heap, so a 192 MB cap leaves headroom and keeps peak RSS near 200 MB (V8 otherwise grows the heap
 * lazily toward the memory).
 */
export const FUNCTION_MEMORY_MB = 1024;
export const HEAP_CAP_FLAG = '--max-old-space-size=192';
/**
 * No `--enable-source-maps`: it reads the bundle's map at every cold start; the functions map their
 * stack traces themselves, when one is first written (shared/runtime/stack-traces.ts).
 */
export const RUNTIME_NODE_OPTIONS = HEAP_CAP_FLAG;

/** BUNDLING as esbuild's own API takes it, for the builds made outside CDK (the benchmark, tests). */
export function esbuildOptions(): BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: BUNDLING.target,
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourceMap,
    sourcesContent: BUNDLING.sourcesContent,
    mainFields: [...BUNDLING.mainFields],
    external: [...BUNDLING.externalModules],
    banner: { js: BUNDLING.banner },
    logLevel: 'error',
  };
}

/** esbuild's `define` that inlines the validated runtime config into a bundle. */
export function configDefine(runtimeJson: string): Record<string, string> {
  return { 'process.env.CCWATCH_CONFIG': JSON.stringify(runtimeJson) };
}
