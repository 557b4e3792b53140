/** Errors of the engine's entry-side plumbing (connections, cluster setup, run submission). */
export class GantryEngineError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GantryEngineError';
  }
}

/** An environment setting with a value Gantry cannot use. */
export class InvalidConfigError extends GantryEngineError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidConfigError';
  }
}

export class TemporalUnavailableError extends GantryEngineError {
  readonly address: string;
  constructor(address: string, options?: { cause?: unknown; isConfigured?: boolean }) {
    super(
      options?.isConfigured
        ? `no Temporal server answers at ${address}, the address TEMPORAL_ADDRESS names`
        : `no Temporal server answers at ${address} (run \`gantry up\`, or set TEMPORAL_ADDRESS)`,
      options,
    );
    this.name = 'TemporalUnavailableError';
    this.address = address;
  }
}

export class RunNotFoundError extends GantryEngineError {
  readonly runId: string;
  constructor(runId: string, options?: { cause?: unknown }) {
    super(
      `no run "${runId}" found (give a run id as printed by \`gantry run\`, or its workflow id)`,
      options,
    );
    this.name = 'RunNotFoundError';
    this.runId = runId;
  }
}

export class ClusterUnavailableError extends GantryEngineError {
  readonly clusterName: string;
  constructor(clusterName: string, options?: { cause?: unknown }) {
    super(
      `the service of cluster "${clusterName}" does not answer: is a control worker running? (\`gantry worker\`)`,
      options,
    );
    this.name = 'ClusterUnavailableError';
    this.clusterName = clusterName;
  }
}

export class ClusterUpdateRejectedError extends GantryEngineError {
  readonly clusterName: string;
  constructor(clusterName: string, reason: string, options?: { cause?: unknown }) {
    super(`cluster "${clusterName}" refused the update: ${reason}`, options);
    this.name = 'ClusterUpdateRejectedError';
    this.clusterName = clusterName;
  }
}
