/** The engine scale bench's flags; a bad value stops the bench with a message naming the flag and value. */
import { MAX_TASKS_IN_FLIGHT } from '../../workflows/run/dataflow-run.js';
import { SCENARIOS, type Scenario } from './scale-pipelines.js';

export interface ScaleArgs {
  readonly sizes: readonly number[];
  readonly scenarios: readonly Scenario[];
  readonly foreachItems: number;
  readonly limitMin: number;
  readonly concurrency: number;
  readonly chainWidth: number;
  readonly isBareSkipped: boolean;
  /** Keep the earlier results file's scenarios and ceilings that this run does not measure again. */
  readonly isKept: boolean;
}

export class ScaleArgsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScaleArgsError';
  }
}

const DEFAULTS: ScaleArgs = {
  sizes: [10_000, 100_000],
  scenarios: SCENARIOS,
  foreachItems: 25_000,
  limitMin: 20,
  // Gantry's per-run in-flight cap: the same bound is given to both sides.
  concurrency: MAX_TASKS_IN_FLIGHT,
  chainWidth: 100,
  isBareSkipped: false,
  isKept: false,
};

function positive(flag: string, value: string | undefined, isInteger = true): number {
  const n = Number(value);
  if (value === undefined || !(n > 0) || (isInteger && !Number.isInteger(n)))
    throw new ScaleArgsError(
      `${flag}: expected a positive ${isInteger ? 'integer' : 'number'}, got "${value ?? ''}"`,
    );
  return n;
}

export function parseScaleArgs(argv: readonly string[]): ScaleArgs {
  let args: ScaleArgs = DEFAULTS;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    switch (flag) {
      case '--sizes':
        args = { ...args, sizes: (value ?? '').split(',').map((v) => positive(flag, v)) };
        i++;
        break;
      case '--scenarios': {
        const names = (value ?? '').split(',');
        const unknown = names.find((n) => !(SCENARIOS as readonly string[]).includes(n));
        if (unknown !== undefined)
          throw new ScaleArgsError(
            `--scenarios: unknown scenario "${unknown}" (known: ${SCENARIOS.join(', ')})`,
          );
        args = { ...args, scenarios: names as Scenario[] };
        i++;
        break;
      }
      case '--foreach-items':
        args = { ...args, foreachItems: positive(flag, value) };
        i++;
        break;
      case '--limit-min':
        args = { ...args, limitMin: positive(flag, value, false) };
        i++;
        break;
      case '--concurrency':
        args = { ...args, concurrency: positive(flag, value) };
        i++;
        break;
      case '--chain-width':
        args = { ...args, chainWidth: positive(flag, value) };
        i++;
        break;
      case '--keep':
        args = { ...args, isKept: true };
        break;
      case '--no-bare':
        args = { ...args, isBareSkipped: true };
        break;
      default:
        throw new ScaleArgsError(`unknown flag "${flag}"`);
    }
  }
  return args;
}
