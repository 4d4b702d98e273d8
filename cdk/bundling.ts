/**
 * How every function is bundled, in one place: the CDK stack (NodejsFunction) and the benchmark
 * (which measures bundle size and cold init) both build from these options.
 */
export const BUNDLING = {
  target: 'node22',
  minify: true,
  sourceMap: true,
  mainFields: ['module', 'main'],
  // the Lambda Node.js runtime provides AWS SDK v3; nothing here needs a newer client
  externalModules: ['@aws-sdk/*'],
  // some dependencies still call require(); give ESM bundles one
  banner: "import { createRequire as __ccwatchRequire } from 'node:module'; const require = __ccwatchRequire(import.meta.url);",
} as const;

/** esbuild's `define` that inlines the validated runtime config into a bundle. */
export function configDefine(runtimeJson: string): Record<string, string> {
  return { 'process.env.CCWATCH_CONFIG': JSON.stringify(runtimeJson) };
}
