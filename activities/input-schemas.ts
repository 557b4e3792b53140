/**
 * What every activity Gantry registers accepts, by activity name: the worker checks its input against these
 * before acting (validate-input.ts), because a history, a test client or anyone with access to the namespace
 * can send an activity anything, and the CLI's parse of the pipeline is on another machine.
 *
 * Task fields reuse the pipeline's own schemas (pipeline/schema.ts, limits in pipeline/limits.ts), so the
 * worker enforces exactly the limits `gantry validate` does. Ids that become paths or Docker names follow
 * common/safe-id.ts. Objects are strict: a field the worker does not know is refused rather than dropped,
 * so a new field of an input must come with its schema here (and a forged one is seen, not ignored).
 */
import { z } from 'zod';
import { DIGEST_PATTERN } from '../common/data-refs.js';
import { SafeIdSchema } from '../common/safe-id.js';
import { checkArgv } from '../pipeline/check-argv.js';
import {
  CacheSchema,
  ConstraintSchema,
  InputArtifactSchema,
  MountSchema,
  OutputParameterSchema,
  PipelineSchema,
  ResourcesSchema,
  RetrySchema,
  SecretSourceSchema,
  TaskSchema,
} from '../pipeline/schema.js';

/** How a run ends (workflows/definitions.ts RunStatus without `running`; not imported: activities sit below workflows). */
const RUN_STATUSES_ENDED = ['succeeded', 'failed', 'cancelled'] as const;

const DigestSchema = z.string().regex(DIGEST_PATTERN, 'must be sha256:<64 hex digits>');
const ArtifactRefSchema = z
  .object({ digest: DigestSchema, sizeBytes: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER) })
  .strict();
const containerPath = InputArtifactSchema.shape.path;
const outputName = OutputParameterSchema.shape.name;
/** Temporal's default limit on a workflow id's length. */
const WorkflowIdSchema = z.string().min(1).max(1000);
/** Counted attempts go up to the task's retry.maxAttempts; platform re-runs repeat an attempt, not add one. */
const AttemptSchema = RetrySchema.shape.maxAttempts.unwrap();

const CpuAssignmentSchema = z
  .object({
    exclusiveCores: z.array(z.number().int().nonnegative()),
    fragment: z
      .object({ core: z.number().int().nonnegative(), share: z.number().positive().max(1) })
      .strict()
      .optional(),
  })
  .strict();

const RunContainerOutputsSchema = z
  .object({
    parameters: z.array(z.object({ name: outputName, path: containerPath }).strict()),
    // NOTE: the run workflow sends '' for an artifact without a path (workflows/run/render-task.ts); the
    // data plane refuses it with its own message, so it is let through here.
    artifacts: z.array(
      z.object({ name: outputName, path: z.union([containerPath, z.literal('')]) }).strict(),
    ),
  })
  .strict();

export const RunContainerInputSchema = z
  .object({
    runId: SafeIdSchema,
    pipeline: PipelineSchema.shape.name,
    /** A task's id or a foreach item's (`train[3]`). */
    taskId: SafeIdSchema,
    nodeId: SafeIdSchema,
    image: TaskSchema.shape.image.unwrap(),
    pullPolicy: TaskSchema.shape.pullPolicy.unwrap(),
    command: TaskSchema.shape.command,
    args: TaskSchema.shape.args,
    env: TaskSchema.shape.env.unwrap(),
    secretEnv: z
      .record(
        TaskSchema.shape.env.unwrap().keyType,
        z.array(z.union([z.string(), z.object({ secret: outputName }).strict()])),
      )
      .optional(),
    secrets: z.record(outputName, SecretSourceSchema).optional(),
    workingDir: TaskSchema.shape.workingDir,
    user: TaskSchema.shape.user,
    runAsNonRoot: TaskSchema.shape.runAsNonRoot,
    readOnlyRootFilesystem: TaskSchema.shape.readOnlyRootFilesystem,
    runtimeClass: TaskSchema.shape.runtimeClass,
    cpu: ResourcesSchema.shape.cpu.unwrap(),
    memoryMiB: ResourcesSchema.shape.memoryMiB.unwrap(),
    pidsLimit: TaskSchema.shape.pidsLimit.unwrap(),
    nofileLimit: TaskSchema.shape.nofileLimit.unwrap(),
    network: TaskSchema.shape.network.unwrap(),
    mounts: z.array(MountSchema),
    timeoutSeconds: TaskSchema.shape.timeoutSeconds.unwrap(),
    nonRetryableExitCodes: RetrySchema.shape.nonRetryableExitCodes.unwrap(),
    cpuset: CpuAssignmentSchema.optional(),
    constraints: z.array(ConstraintSchema).optional(),
    outputs: RunContainerOutputsSchema.optional(),
    inputArtifacts: z.array(z.object({ digest: DigestSchema, path: containerPath }).strict()).optional(),
    cache: z
      .object({
        definition: z.string(),
        version: CacheSchema.shape.version.unwrap(),
        maxAgeSeconds: CacheSchema.shape.maxAgeSeconds,
        isLookupEnabled: z.boolean(),
      })
      .strict()
      .optional(),
    gpus: z.array(z.string().min(1).max(256)).optional(),
    expectedDurationSeconds: TaskSchema.shape.expectedDurationSeconds,
    attempt: AttemptSchema.optional(),
  })
  .strict()
  // Rendered templates can grow past what the pipeline's text held: execve's limits are checked again here.
  .superRefine((input, ctx) => {
    const view = {
      index: 0,
      id: input.taskId,
      dependsOn: [],
      resources: undefined,
      retry: undefined,
      fields: input,
    };
    for (const issue of checkArgv([view])) {
      // checkArgv speaks of `tasks[0]…`; here the input is the task.
      ctx.addIssue({ code: 'custom', path: issue.path.slice(2), message: issue.message, input: undefined });
    }
  });

const CleanupRunInputSchema = z
  .object({
    runId: SafeIdSchema,
    isWorkspaceRemoved: z.boolean(),
    taskIds: z.array(SafeIdSchema).optional(),
  })
  .strict();

const ClearLostNodeInputSchema = z.object({ cluster: SafeIdSchema, nodeId: SafeIdSchema }).strict();

const RunEndedSchema = z
  .object({
    runId: SafeIdSchema,
    workflowId: WorkflowIdSchema,
    pipeline: PipelineSchema.shape.name,
    status: z.enum(RUN_STATUSES_ENDED),
    endedAt: z.number().int().nonnegative(),
  })
  .strict();

const StartTriggeredRunInputSchema = z
  .object({
    registration: z
      .object({
        id: SafeIdSchema,
        // NOTE: the spec was parsed in full when the trigger was registered (the CLI and the registry's update
        // validator); re-parsing a 100,000-task spec here on every firing would cost seconds. What this
        // activity turns into names (the new run id starts with `name`) is checked; the rest passes as is.
        spec: z.looseObject({ name: PipelineSchema.shape.name, tasks: z.array(z.unknown()).min(1) }),
        clusterWorkflowId: WorkflowIdSchema,
        // The registry sends its whole registration (workflows/trigger-registry.ts), not only the Pick.
        createdAt: z.number().int().nonnegative().optional(),
      })
      .strict(),
    upstream: RunEndedSchema,
    taskQueue: z.string().min(1).max(1000),
  })
  .strict();

/** Every activity Gantry registers, by its wire name (workers refuse to register one missing here). */
export const ACTIVITY_INPUT_SCHEMAS = {
  runContainer: RunContainerInputSchema,
  cleanupRun: CleanupRunInputSchema,
  clearLostNode: ClearLostNodeInputSchema,
  loadValues: z.object({ digests: z.array(DigestSchema) }).strict(),
  storeJson: z.object({ json: z.string() }).strict(),
  gatherForeach: z.object({ slices: z.array(ArtifactRefSchema), outputNames: z.array(outputName) }).strict(),
  openRunSpec: z
    .object({
      spec: ArtifactRefSchema,
      reuse: ArtifactRefSchema.optional(),
      maxSliceTasks: z.number().int().positive().optional(),
    })
    .strict(),
  loadSlice: z.object({ slice: ArtifactRefSchema, upstream: z.array(ArtifactRefSchema) }).strict(),
  startTriggeredRun: StartTriggeredRunInputSchema,
  closedRuns: z.object({ workflowIds: z.array(WorkflowIdSchema) }).strict(),
} as const satisfies Record<string, z.ZodType>;

export type ActivityName = keyof typeof ACTIVITY_INPUT_SCHEMAS;
