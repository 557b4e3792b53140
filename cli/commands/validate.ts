/**
 * `gantry validate FILE...`: every problem of every file at once; nothing is started. A bad file is exit 2;
 * an error that is not a typed input error is a bug, and escapes to main's "unexpected error" (exit 3).
 */
import { GantryPipelineError } from '../../pipeline/errors.js';
import { formatValidationError } from '../../pipeline/format-issues.js';
import { GantryCliError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { loadPipelineFile } from '../load-pipeline.js';

export async function validateCommand(files: readonly string[]): Promise<number> {
  let code: number = ExitCode.Ok;
  for (const file of files) {
    try {
      const spec = await loadPipelineFile(file);
      process.stdout.write(
        `${file}: ok (pipeline "${spec.name}", ${spec.tasks.length} task${spec.tasks.length === 1 ? '' : 's'})\n`,
      );
    } catch (err) {
      if (!(err instanceof GantryPipelineError || err instanceof GantryCliError)) throw err;
      process.stderr.write(`${formatValidationError(err)}\n`);
      code = ExitCode.InvalidInput;
    }
  }
  return code;
}
