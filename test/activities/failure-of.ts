/** The ApplicationFailure an activity call ends with (the test fails if it succeeds or throws anything else). */
import { ApplicationFailure } from '@temporalio/activity';
import { expect } from 'vitest';

export async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}
