/** `--param NAME=VALUE`, repeatable: the value is everything after the first `=` and may contain more. */
import { InvalidArgumentError } from 'commander';

/** Splits one `NAME=VALUE`; commander reports the error with the flag and the bad argument. */
export function parseParamFlag(arg: string): readonly [name: string, value: string] {
  const at = arg.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`expected NAME=VALUE, got "${arg}"`);
  return [arg.slice(0, at), arg.slice(at + 1)];
}

/** Commander's accumulator for a repeated `--param`: a later value of the same name wins. */
export function collectParam(
  arg: string,
  previous: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const [name, value] = parseParamFlag(arg);
  return { ...previous, [name]: value };
}
