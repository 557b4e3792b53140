/** Process exit codes of the CLI, a contract for scripts that call it. */
export const ExitCode = {
  Ok: 0,
  /** The run finished and at least one task failed, or the run was cancelled. */
  RunFailed: 1,
  /** The pipeline file or the command line was invalid; nothing was started. */
  InvalidInput: 2,
  /** The stack (Temporal, Docker) could not be reached or brought up. */
  Unavailable: 3,
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
