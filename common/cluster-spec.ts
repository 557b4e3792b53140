/** A cluster of Docker hosts: the inventory the cluster service schedules onto. Pure data and validation. */
import { z } from 'zod';

export const DockerEndpointSchema = z.union([
  z.object({ socketPath: z.string().startsWith('/') }).strict(),
  z
    .object({
      host: z.string().min(1),
      port: z.number().int().positive(),
      protocol: z.enum(['http', 'https']).default('http'),
    })
    .strict(),
]);

export const NodeSpecSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'must be lower-case letters, digits and "-"'),
    capacity: z
      .object({ cpu: z.number().positive(), memoryMiB: z.number().positive() })
      .catchall(z.number().nonnegative()),
    attributes: z.record(z.string(), z.string()).default({}),
    nodeGroup: z.string().optional(),
    docker: DockerEndpointSchema.default({ socketPath: '/var/run/docker.sock' }),
  })
  .strict();

export const ClusterSpecSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'must be lower-case letters, digits and "-"'),
    nodes: z.array(NodeSpecSchema).min(1),
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
