import { type ParseArgsConfig, parseArgs } from 'node:util';

/**
 * Exit codes operators' scripts rely on: a contract, changed only by adding. Stopped by a signal
 * (`run --every`): 128 + its number, as a shell reports it: 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP.
 */
export const EXIT = {
  ok: 0,
  usage: 1,
  invalid: 2,
  sourceFailed: 3,
  verifyFailed: 4,
  notFound: 5,
  hangup: 129,
  interrupted: 130,
  terminated: 143,
} as const;

/** A wrong command line: printed with the command's help, exit 1. */
export class UsageError extends Error {}

/** Strict flags plus -h/--help; an unknown or malformed flag is a UsageError carrying `help`. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, help: string) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${help}`);
  }
}
