// Types for the undici modules shared/vendors/undici.ts imports (undici ships types for its index
// only); they are the very classes and functions the index exports.
declare module 'undici/lib/dispatcher/dispatcher.js' {
  const DispatcherClass: { prototype: { request: unknown } };
  export default DispatcherClass;
}
declare module 'undici/lib/dispatcher/pool.js' {
  import type { Pool } from 'undici';

  const PoolClass: typeof Pool;
  export default PoolClass;
}
declare module 'undici/lib/api/api-request.js' {
  const request: unknown;
  export default request;
}
declare module 'undici/lib/core/errors.js' {
  import type { errors } from 'undici';

  const all: typeof errors;
  export default all;
}
