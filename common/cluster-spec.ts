/** A cluster of Docker hosts: the inventory the cluster service schedules onto. Pure data and validation. */
import { ClusterAdminSchema } from './cluster-admins.js';
import { z } from 'zod';
import { ImagePolicySchema, RuntimeClassSchema, SecurityDefaultsSchema } from './container-policy.js';
import { SCORERS, type ScheduleOptions } from './schedule-options.js';
import { ON_WINDOW_CLOSE, WindowSchema } from './window-spec.js';

/**
 * TLS to a Docker TCP endpoint (dockerd --tlsverify): PEM files on the worker that serves the node, its
 * client certificate and key, and the CA that signed the engine's certificate.
 */
export const DockerTlsSchema = z
  .object({
    ca: z.string().startsWith('/'),
    cert: z.string().startsWith('/'),
    key: z.string().startsWith('/'),
  })
  .strict();

export const DockerEndpointSchema = z.union([
  z.object({ socketPath: z.string().startsWith('/') }).strict(),
  z
    .object({
      host: z.string().min(1),
      port: z.number().int().positive(),
      protocol: z.enum(['http', 'https']).default('http'),
      tls: DockerTlsSchema.optional(),
    })
    .strict()
    .superRefine((endpoint, ctx) => {
      // Certificates over plain HTTP would be silently unused: say so instead.
      if (endpoint.tls && endpoint.protocol !== 'https')
        ctx.addIssue({ code: 'custom', path: ['protocol'], message: 'must be "https" when tls is set' });
    }),
]);

/**
 * What runs a node's tasks. `docker` (the default) runs containers; `simulated` runs nothing: each task
 * succeeds after its `expectedDurationSeconds` (0 when absent), as Kubernetes' KWOK does. Simulated nodes
 * exist only to measure the engine at sizes Docker cannot reach; they are never chosen by default, and their
 * `docker` endpoint is not used.
 */
export const NODE_RUNTIMES = ['docker', 'simulated'] as const;
export type NodeRuntime = (typeof NODE_RUNTIMES)[number];

export const NodeSpecSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'must be lower-case letters, digits and "-"'),
    capacity: z
      .object({ cpu: z.number().positive(), memoryMiB: z.number().positive() })
      .catchall(z.number().nonnegative()),
    attributes: z.record(z.string(), z.string()).default({}),
    nodeGroup: z.string().optional(),
    docker: DockerEndpointSchema.default({ socketPath: '/var/run/docker.sock' }),
    runtime: z.enum(NODE_RUNTIMES).default('docker'),
  })
  .strict();

const amounts = z.record(z.string(), z.number().nonnegative());

/**
 * A capacity group: its guaranteed share and, optionally, off-peak windows outside which its flex tasks do
 * not start (its critical tasks are never held back). `onWindowClose` (default `finish`) says whether its
 * flex tasks still running when the window closes are preempted and re-queued, or left to finish.
 */
const CapacityGroupSchema = z
  .object({
    guaranteed: amounts.optional(),
    windows: z.array(WindowSchema).min(1).optional(),
    onWindowClose: z.enum(ON_WINDOW_CLOSE).optional(),
  })
  .strict()
  .superRefine((group, ctx) => {
    if (group.onWindowClose !== undefined && group.windows === undefined)
      ctx.addIssue({ code: 'custom', path: ['onWindowClose'], message: 'needs windows' });
  });

/** How the cluster service schedules: passed to `schedule()` as its options. */
export const SchedulingSchema = z
  .object({
    scorers: z.partialRecord(z.enum(SCORERS), z.number().nonnegative()).optional(),
    softConstraintPenalty: z.number().nonnegative().optional(),
    maxCandidates: z.number().int().positive().optional(),
    goodEnoughScore: z.number().min(0).max(1).optional(),
    durationWeight: z.number().nonnegative().optional(),
    starvationSeconds: z.number().positive().optional(),
    cpuPinning: z.boolean().optional(),
    groups: z.record(z.string(), CapacityGroupSchema).optional(),
    nodeGroups: z
      .array(
        z
          .object({
            name: z.string().min(1),
            capacity: amounts,
            attributes: z.record(z.string(), z.string()).optional(),
            minSize: z.number().int().nonnegative(),
            maxSize: z.number().int().nonnegative(),
            minIdle: z.number().int().nonnegative().optional(),
            maxIdle: z.number().int().nonnegative().optional(),
            cooldownSeconds: z.number().nonnegative().optional(),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();

export const ClusterSpecSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'must be lower-case letters, digits and "-"'),
    nodes: z.array(NodeSpecSchema).min(1),
    scheduling: SchedulingSchema.optional(),
    /**
     * How often the cluster service checks that the runs it holds room for are still open, and frees the
     * room of those that are not (terminated, timed out). Default 60 (workflows/cluster/reconcile-loop.ts).
     */
    reconcileIntervalSeconds: z.number().int().min(1).max(86_400).optional(),
    /**
     * A node whose worker sent no heartbeat for this long is lost: its tasks are re-placed on other nodes,
     * and the containers it may still run are removed when it comes back. Default 30
     * (workflows/cluster/node-health.ts); node workers heartbeat every fifth of it.
     */
    nodeLostAfterSeconds: z.number().int().min(3).max(86_400).optional(),
    /** Which images tasks may run (common/container-policy.ts); absent = any. */
    images: ImagePolicySchema.optional(),
    /** Security defaults of tasks that do not set their own; absent = off (today's behaviour). */
    security: SecurityDefaultsSchema.optional(),
    /** Runtime classes tasks may ask for besides runc; absent = runc only. */
    runtimeClasses: z.array(RuntimeClassSchema).optional(),
    /**
     * Who may add nodes, change a node's Docker endpoint or change this list: such a configureCluster must
     * be signed by one of them (common/cluster-admins.ts). Absent or empty = anyone (clusters from before).
     */
    admins: z.array(ClusterAdminSchema).optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const seen = new Map<string, number>();
    spec.nodes.forEach((node, index) => {
      const first = seen.get(node.id);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['nodes', index, 'id'],
          message: `duplicate node id "${node.id}" (also nodes[${first}])`,
        });
      } else seen.set(node.id, index);
    });
  });

export type DockerEndpoint = z.output<typeof DockerEndpointSchema>;
export type NodeSpec = z.output<typeof NodeSpecSchema>;
export type ClusterSpec = z.output<typeof ClusterSpecSchema>;

// NOTE: zod omits optional keys that were absent, so a parsed block never holds an explicit `undefined`; its
// inferred type says `| undefined` only because zod cannot express exactOptionalPropertyTypes.
export function toScheduleOptions(
  scheduling: z.output<typeof SchedulingSchema> | undefined,
): ScheduleOptions {
  return (scheduling ?? {}) as ScheduleOptions;
}
