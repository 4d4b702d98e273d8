import { expect } from 'vitest';
import { SourceError } from '#shared/vendors/errors';

/** The SourceError a read rejects with (the test fails if it resolves or rejects with anything else). */
export async function sourceError(p: Promise<unknown>): Promise<SourceError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SourceError);
  return err as SourceError;
}
