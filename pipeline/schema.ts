/**
 * The pipeline definition: the zod schema every source (YAML, JSON, the TS builder) is parsed through.
 * Field names are a public contract; add fields, never rename them.
 */
import { z } from 'zod';
import { RuntimeClassSchema } from '../common/container-policy.js';
import {
  MAX_ARG_BYTES,
  MAX_CPU,
  MAX_DISK_MIB,
  MAX_DURATION_SECONDS,
  MAX_GPU,
  MAX_IMAGE_LENGTH,
  MAX_MEMORY_MIB,
  MAX_NETWORK_MBPS,
  MAX_PARALLEL,
  MAX_PATH_BYTES,
  MAX_SCALAR,
  MAX_TASKS,
  MAX_TEXT_LENGTH,
  utf8Length,
} from './limits.js';

export const PULL_POLICIES = ['IfNotPresent', 'Always', 'Never'] as const;
export const TIERS = ['critical', 'flex'] as const;

const idPattern = /^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$/;
const idSchema = z
  .string()
  .regex(idPattern, 'must be 1-63 lower-case letters, digits, "-" or "_", starting and ending alphanumeric');

/** Free text, bounded (limits.ts gives every limit's reason). */
const textSchema = z.string().max(MAX_TEXT_LENGTH);
/** A command-line argument or an env value: execve refuses a string over Linux MAX_ARG_STRLEN. */
const argSchema = z.string().superRefine((text, ctx) => {
  // A UTF-16 code unit is at most 3 bytes of UTF-8: short strings need no count.
  const bytes = text.length * 3 > MAX_ARG_BYTES ? utf8Length(text) : 0;
  if (bytes > MAX_ARG_BYTES) {
    ctx.addIssue({
      code: 'custom',
      input: undefined,
      message: `is ${bytes} bytes of UTF-8, over the limit of ${MAX_ARG_BYTES} (Linux MAX_ARG_STRLEN: execve refuses a longer argument)`,
    });
  }
});
const secondsSchema = z.number().positive().max(MAX_DURATION_SECONDS);

/** Resource requests: cpu in cores (fractions down to 0.01), memory in MiB, plus optional named scalars. */
export const ResourcesSchema = z
  .object({
    cpu: z.number().positive().max(MAX_CPU).multipleOf(0.01).default(0.5),
    memoryMiB: z.number().int().positive().max(MAX_MEMORY_MIB).default(256),
    gpu: z.number().int().nonnegative().max(MAX_GPU).optional(),
    diskMiB: z.number().int().positive().max(MAX_DISK_MIB).optional(),
    networkMbps: z.number().positive().max(MAX_NETWORK_MBPS).optional(),
    scalars: z.record(z.string().max(253), z.number().positive().max(MAX_SCALAR)).optional(),
  })
  .strict();

export const RetrySchema = z
  .object({
    maxAttempts: z.number().int().min(1).max(100).default(3),
    initialIntervalSeconds: secondsSchema.default(1),
    backoffCoefficient: z.number().min(1).max(100).default(2),
    maximumIntervalSeconds: secondsSchema.default(60),
    nonRetryableExitCodes: z.array(z.number().int().min(1).max(255)).default([]),
    /**
     * Re-runs of an attempt that the platform broke (the node's worker died or shut down, its Docker engine
     * did not answer, a preemption): they do not count against maxAttempts. Absent means
     * DEFAULT_MAX_PLATFORM_RETRIES; no default is written here so that a task's canonical form, and with it
     * its cache key, stays what it was before the field existed.
     */
    maxPlatformRetries: z.number().int().min(0).max(1000).optional(),
  })
  .strict();

/** Platform re-runs a task gets when its retry policy does not say (Titus keeps a budget of its own). */
export const DEFAULT_MAX_PLATFORM_RETRIES = 10;

/** Placement constraints; the JSON form is fixed by the scheduler contract. */
export const ConstraintSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('attribute'),
      key: z.string().min(1),
      in: z.array(z.string()).min(1),
      hard: z.boolean().default(true),
    })
    .strict(),
  z
    .object({ kind: z.literal('uniqueNode'), set: z.string().min(1), hard: z.boolean().default(true) })
    .strict(),
  z
    .object({
      kind: z.literal('balance'),
      key: z.string().min(1),
      set: z.string().min(1),
      hard: z.boolean().default(true),
    })
    .strict(),
  z.object({ kind: z.literal('exclusiveNode'), hard: z.boolean().default(true) }).strict(),
]);

export const MountSchema = z
  .object({
    hostPath: z.string().startsWith('/').max(MAX_PATH_BYTES),
    containerPath: z.string().startsWith('/').max(MAX_PATH_BYTES),
    readOnly: z.boolean().default(true),
  })
  .strict();

/** Output and param names: usable as `tasks.ID.outputs.NAME` in templates and CEL. */
const nameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be 1-63 letters, digits or "_", not starting with a digit');
const containerPathSchema = z.string().startsWith('/').max(MAX_PATH_BYTES);

/**
 * Where a secret's value comes from, on the worker that runs the task (issue #12): one of its environment
 * variables (allowed by GANTRY_SECRET_ENV) or a file under its secret directories (GANTRY_SECRET_DIRS,
 * default $GANTRY_HOME/secrets; a relative path is taken under the first). Only the reference travels
 * through Temporal: the value is read at container creation and never enters a history.
 */
export const SecretSourceSchema = z.union([
  z
    .object({
      env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a valid environment variable name'),
    })
    .strict(),
  z.object({ file: z.string().min(1).max(MAX_PATH_BYTES) }).strict(),
]);

/** The default file an output parameter is read from: `/gantry/outputs/NAME`. */
export const OUTPUTS_DIR = '/gantry/outputs';
/** An output parameter's value is at most this many bytes of UTF-8. */
export const MAX_PARAMETER_BYTES = 256 * 1024;

export const TRIGGER_RULES = [
  'allSucceeded',
  'allDone',
  'anySucceeded',
  'anyFailed',
  'allFailed',
  'noneFailed',
] as const;

export const OutputParameterSchema = z
  .object({
    name: nameSchema,
    /** Container tasks: the file the value is read from (default /gantry/outputs/NAME). */
    path: containerPathSchema.optional(),
    /** Sub-pipeline tasks: the child's output this one maps, `{{ tasks.ID.outputs.NAME }}`. */
    from: textSchema.min(1).optional(),
  })
  .strict();

export const OutputArtifactSchema = z
  .object({
    name: nameSchema,
    /** Container tasks: a file or directory kept after the container exits. */
    path: containerPathSchema.optional(),
    /** Sub-pipeline tasks: `{{ tasks.ID.outputs.artifacts.NAME }}` of the child. */
    from: textSchema.min(1).optional(),
  })
  .strict();

export const OutputsSchema = z
  .object({
    parameters: z.array(OutputParameterSchema).default([]),
    artifacts: z.array(OutputArtifactSchema).default([]),
  })
  .strict();

export const InputArtifactSchema = z
  .object({
    /** `{{ tasks.ID.outputs.artifacts.NAME }}` of an upstream task. */
    from: textSchema.min(1),
    path: containerPathSchema,
  })
  .strict();

export const InputsSchema = z.object({ artifacts: z.array(InputArtifactSchema).default([]) }).strict();

export const CacheSchema = z
  .object({
    /** Bump to invalidate earlier results on purpose. */
    version: z.string().max(256).default(''),
    maxAgeSeconds: z.number().int().positive().max(MAX_DURATION_SECONDS).optional(),
  })
  .strict();

export const TaskSchema = z
  .object({
    id: idSchema,
    /** Required for a container task; absent for a sub-pipeline task (`pipeline`). */
    image: z.string().min(1).max(MAX_IMAGE_LENGTH).optional(),
    pullPolicy: z.enum(PULL_POLICIES).default('IfNotPresent'),
    /** Each element at most MAX_ARG_BYTES; with args and env at most MAX_ARGV_ENV_BYTES (check-argv.ts). */
    command: z.array(argSchema).min(1).optional(),
    args: z.array(argSchema).optional(),
    env: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a valid environment variable name'),
        argSchema,
      )
      .default({}),
    workingDir: z.string().startsWith('/').max(MAX_PATH_BYTES).optional(),
    user: z.string().min(1).max(256).optional(),
    /**
     * Run as a non-root uid: the image's user when it is a numeric non-zero uid, else 65534:65534; a `user`
     * of uid 0 (or a name) is refused. Absent = the cluster's `security.runAsNonRoot` (no default here, so
     * the canonical form and cache key of a task that does not set it stay as they were).
     */
    runAsNonRoot: z.boolean().optional(),
    /** A read-only `/`, with a writable tmpfs at /tmp; the workspace and /gantry/outputs stay writable. */
    readOnlyRootFilesystem: z.boolean().optional(),
    /** The OCI runtime (Docker's HostConfig.Runtime), e.g. `runsc`; it must be in the cluster's runtimeClasses. */
    runtimeClass: RuntimeClassSchema.optional(),
    resources: ResourcesSchema.default({ cpu: 0.5, memoryMiB: 256 }),
    dependsOn: z.array(z.string()).max(MAX_TASKS).default([]),
    retry: RetrySchema.default({
      maxAttempts: 3,
      initialIntervalSeconds: 1,
      backoffCoefficient: 2,
      maximumIntervalSeconds: 60,
      nonRetryableExitCodes: [],
    }),
    timeoutSeconds: z
      .number()
      .int()
      .positive()
      .max(7 * 24 * 3600)
      .default(3600),
    /** Host protection (iQIYI): process and open-file limits inside the container. */
    pidsLimit: z.number().int().min(8).max(65536).default(512),
    nofileLimit: z.number().int().min(64).max(1048576).default(4096),
    network: z.enum(['bridge', 'none']).default('bridge'),
    mounts: z.array(MountSchema).default([]),
    constraints: z.array(ConstraintSchema).default([]),
    group: z.string().min(1).max(256).optional(),
    tier: z.enum(TIERS).default('flex'),
    /** Expected run time, used for duration-aware placement; a hint, not a limit. */
    expectedDurationSeconds: secondsSchema.optional(),
    outputs: OutputsSchema.default({ parameters: [], artifacts: [] }),
    inputs: InputsSchema.default({ artifacts: [] }),
    /** A JSON array (usually a template such as `{{ tasks.ID.outputs.NAME }}`): one instance per item. */
    foreach: textSchema.min(1).optional(),
    /** At most this many foreach items at once; no cap when absent. */
    maxParallel: z.number().int().positive().max(MAX_PARALLEL).optional(),
    /** Airflow's trigger rules; allSucceeded by default. */
    trigger: z.enum(TRIGGER_RULES).default('allSucceeded'),
    /** A CEL expression over `params`, `tasks.ID.outputs.NAME` and `tasks.ID.status`; false skips the task. */
    when: textSchema.min(1).optional(),
    cache: CacheSchema.optional(),
    /** A sub-pipeline file (relative to this file) run as a child workflow instead of a container. */
    pipeline: z.string().min(1).max(MAX_PATH_BYTES).optional(),
    /** The sub-pipeline's params; values may be templates. */
    params: z.record(nameSchema, argSchema).optional(),
    /** The sub-pipeline itself, filled in by the loader from `pipeline` (or given inline by the builder). */
    get pipelineSpec() {
      return PipelineSchema.optional();
    },
  })
  .strict();

/** Fields a pipeline's `defaults:` block may set for every task that does not set them itself. */
export const DEFAULTABLE_FIELDS = [
  'image',
  'pullPolicy',
  'command',
  'args',
  'env',
  'workingDir',
  'user',
  'runAsNonRoot',
  'readOnlyRootFilesystem',
  'runtimeClass',
  'resources',
  'retry',
  'timeoutSeconds',
  'pidsLimit',
  'nofileLimit',
  'network',
  'mounts',
  'constraints',
  'group',
  'tier',
  'expectedDurationSeconds',
  'cache',
  'trigger',
  'maxParallel',
] as const;

/** Temporal Schedules' overlap policies, by their names in the Temporal SDK. */
export const SCHEDULE_OVERLAPS = [
  'skip',
  'bufferOne',
  'bufferAll',
  'cancelOther',
  'terminateOther',
  'allowAll',
] as const;

/**
 * A pipeline's own schedule, used by `gantry schedule create FILE --id ID` where no flag overrides it. The
 * cron expression and timezone are checked by pipeline/check-schedule.ts.
 */
export const PipelineScheduleSchema = z
  .object({
    cron: z.string().min(1).max(256),
    timezone: z.string().min(1).max(256).optional(),
    overlap: z.enum(SCHEDULE_OVERLAPS).optional(),
  })
  .strict();

/** How an upstream run must end to start this pipeline; `finished` is any end. */
export const TRIGGER_STATUSES = ['succeeded', 'failed', 'cancelled', 'finished'] as const;

/** Start this pipeline after every run of `afterPipeline` that ends with `status` (`gantry trigger create`). */
export const PipelineTriggerSchema = z
  .object({
    afterPipeline: idSchema,
    status: z.enum(TRIGGER_STATUSES).default('succeeded'),
  })
  .strict();

export const PipelineSchema = z
  .object({
    name: idSchema,
    description: textSchema.optional(),
    schedule: PipelineScheduleSchema.optional(),
    triggers: z.array(PipelineTriggerSchema).optional(),
    /** Pipeline parameters: string values, overridden per run (`gantry run FILE --param k=v`). */
    params: z.record(nameSchema, argSchema).default({}),
    /** Secrets, referenced as `{{ secrets.NAME }}` in `env` values only; resolved on the worker. */
    secrets: z.record(nameSchema, SecretSourceSchema).optional(),
    /** Values for every task that does not set the field (Airflow's default_args); merged before parsing. */
    defaults: z.record(z.string(), z.unknown()).optional(),
    get tasks() {
      return z.array(TaskSchema).min(1).max(MAX_TASKS);
    },
  })
  .strict();

export type PipelineInput = z.input<typeof PipelineSchema>;
export type TaskInput = z.input<typeof TaskSchema>;
export type PipelineSpec = z.output<typeof PipelineSchema>;
export type TaskSpec = z.output<typeof TaskSchema>;
export type Resources = z.output<typeof ResourcesSchema>;
export type RetrySpec = z.output<typeof RetrySchema>;
export type Constraint = z.output<typeof ConstraintSchema>;
export type Tier = (typeof TIERS)[number];
export type TriggerRule = (typeof TRIGGER_RULES)[number];
export type OutputsSpec = z.output<typeof OutputsSchema>;
export type CacheSpec = z.output<typeof CacheSchema>;
export type PullPolicy = (typeof PULL_POLICIES)[number];
export type ScheduleOverlap = (typeof SCHEDULE_OVERLAPS)[number];
export type PipelineSchedule = z.output<typeof PipelineScheduleSchema>;
export type PipelineTrigger = z.output<typeof PipelineTriggerSchema>;
export type SecretSource = z.output<typeof SecretSourceSchema>;
export type TriggerStatus = (typeof TRIGGER_STATUSES)[number];
