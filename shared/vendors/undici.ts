/**
 * The parts of undici ccwatch uses: a connection pool, its `request` API, its error classes.
 * Imported from undici's own modules instead of its index, which also pulls in fetch, WebSocket,
 * caches, mocks and proxies: about 245 KB less in every function bundle (docs/architecture.md).
 * The index attaches the request API to every dispatcher; this does the same for `request`.
 * Pinned to undici 7's layout: an upgrade that moves these files fails the adapter tests.
 */
import type { Dispatcher as DispatcherType, errors as ErrorsType, Pool as PoolType } from 'undici';
import request from 'undici/lib/api/api-request.js';
import errorClasses from 'undici/lib/core/errors.js';
import DispatcherClass from 'undici/lib/dispatcher/dispatcher.js';
import PoolClass from 'undici/lib/dispatcher/pool.js';

DispatcherClass.prototype.request = request as DispatcherType['request'];

export const Pool: typeof PoolType = PoolClass;
export type Pool = PoolType;
export const errors: typeof ErrorsType = errorClasses;
export type ResponseData = DispatcherType.ResponseData;
