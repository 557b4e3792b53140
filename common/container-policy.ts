/**
 * A cluster's container policy: which images its tasks may run, which runtimes (OCI runtime classes) they may
 * ask for, and the security defaults of tasks that do not set their own. Pure: the pipeline checks
 * (pipeline/check-images.ts) and the node worker (activities/container-policy-gate.ts) apply the same rules,
 * so a run started by a client that skipped validation meets them too.
 */
import { z } from 'zod';

/**
 * `allow`: image prefixes (absent = any image). An entry matches an image that is the entry itself, or the
 * entry followed by a path, tag or digest boundary (`/`, `:`, `@`); an entry ending in `/` matches what lies
 * below it. Only an entry that ends in `*` is a plain string prefix (`registry.example.com/team-*`), so
 * `registry.example.com/team` never admits `registry.example.com/team-evil/x` by accident. Both sides are
 * compared in Docker's full form (`busybox` is `docker.io/library/busybox`). `requireDigest`: every image
 * must be pinned by `@sha256:<64 hex>`.
 */
export const ImagePolicySchema = z
  .object({
    allow: z.array(z.string().min(1).max(512)).optional(),
    requireDigest: z.boolean().optional(),
  })
  .strict();

/**
 * Defaults for tasks that do not set the field themselves (Kubernetes' pod-level securityContext: a task's
 * own value wins). Absent = off, today's behaviour; `gantry up`'s default cluster turns runAsNonRoot on.
 */
export const SecurityDefaultsSchema = z
  .object({
    runAsNonRoot: z.boolean().optional(),
    readOnlyRootFilesystem: z.boolean().optional(),
  })
  .strict();

/** A runtime class names a runtime registered with the node's dockerd (`--add-runtime NAME=PATH`). */
export const RuntimeClassSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'must be 1-63 lower-case letters, digits, ".", "_" or "-"');

/** The engine's own runtime: always allowed, and what a task without `runtimeClass` gets. */
export const DEFAULT_RUNTIME_CLASS = 'runc';

/** The uid:gid a runAsNonRoot task runs as when neither it nor its image names a non-root user (nobody). */
export const NON_ROOT_USER = '65534:65534';

export type ImagePolicy = z.output<typeof ImagePolicySchema>;
export type SecurityDefaults = z.output<typeof SecurityDefaultsSchema>;

export interface ContainerPolicy {
  readonly images?: ImagePolicy;
  readonly security?: SecurityDefaults;
  /** Runtime classes tasks may ask for besides runc; absent = runc only. */
  readonly runtimeClasses?: readonly string[];
}

/** The container policy part of a cluster spec (or snapshot), without its undefined fields. */
export function containerPolicyOf(spec: {
  readonly images?: ImagePolicy | undefined;
  readonly security?: SecurityDefaults | undefined;
  readonly runtimeClasses?: readonly string[] | undefined;
}): { images?: ImagePolicy; security?: SecurityDefaults; runtimeClasses?: string[] } {
  return {
    ...(spec.images === undefined ? {} : { images: spec.images }),
    ...(spec.security === undefined ? {} : { security: spec.security }),
    ...(spec.runtimeClasses === undefined ? {} : { runtimeClasses: [...spec.runtimeClasses] }),
  };
}

const DIGEST = /@sha256:[0-9a-f]{64}$/;
// Docker's reference grammar, per path component: lower-case alphanumerics joined by ".", "_", "__" or "-"s.
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/** Docker's full form of a reference or prefix: `busybox` → `docker.io/library/busybox`. */
export function fullImageName(image: string): string {
  const slash = image.indexOf('/');
  const first = slash < 0 ? image : image.slice(0, slash);
  const isRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (isRegistry) return image;
  return slash < 0 ? `docker.io/library/${image}` : `docker.io/${image}`;
}

function isWellFormed(image: string): boolean {
  const name = image.replace(DIGEST, '').replace(/:[\w][\w.-]{0,127}$/, '');
  const [first, ...rest] = name.split('/');
  const isRegistry = rest.length > 0 && /[.:]|^localhost$/.test(first ?? '');
  const components = isRegistry ? rest : [first ?? '', ...rest];
  return components.length > 0 && components.every((part) => COMPONENT.test(part));
}

function matches(image: string, entry: string): boolean {
  if (entry.endsWith('*')) return fullImageName(image).startsWith(fullImageName(entry.slice(0, -1)));
  const full = fullImageName(image);
  const prefix = fullImageName(entry);
  if (full === prefix) return true;
  if (!full.startsWith(prefix)) return false;
  return prefix.endsWith('/') || ['/', ':', '@'].includes(full.charAt(prefix.length));
}

/** Why the policy refuses `image`, or undefined when it may run. */
export function imageRefusal(image: string, policy: ImagePolicy | undefined): string | undefined {
  if (policy === undefined) return undefined;
  if (!isWellFormed(image)) return `"${image}" is not a valid image reference`;
  if (policy.requireDigest && !DIGEST.test(image))
    return `"${image}" is not pinned by digest: the cluster requires images.requireDigest (name@sha256:<64 hex>)`;
  const allow = policy.allow;
  if (allow !== undefined && !allow.some((entry) => matches(image, entry)))
    return `"${image}" is outside the cluster's allowed images (images.allow: ${allow.map((a) => `"${a}"`).join(', ') || 'none'})`;
  return undefined;
}

/** Why the cluster refuses `runtimeClass`, or undefined when it may be used. */
export function runtimeClassRefusal(
  runtimeClass: string | undefined,
  allowed: readonly string[] | undefined,
): string | undefined {
  if (runtimeClass === undefined || runtimeClass === DEFAULT_RUNTIME_CLASS) return undefined;
  if (allowed?.includes(runtimeClass)) return undefined;
  return `runtime class "${runtimeClass}" is not allowed by the cluster (runtimeClasses: ${[DEFAULT_RUNTIME_CLASS, ...(allowed ?? [])].map((c) => `"${c}"`).join(', ')})`;
}

/**
 * A task's `user` under runAsNonRoot: it must be a numeric uid other than 0 (optionally `:gid`), because a
 * name could map to uid 0 in the image's /etc/passwd and the worker cannot tell before the start.
 */
export function rootUserRefusal(user: string): string | undefined {
  const uid = /^(\d+)(?::\d+)?$/.exec(user)?.[1];
  if (uid === undefined)
    return `user "${user}" is not a numeric uid[:gid]: under runAsNonRoot only a numeric non-zero uid can be verified`;
  if (Number(uid) === 0) return `user "${user}" is root (uid 0), refused under runAsNonRoot`;
  return undefined;
}

/** Effective settings of a task: its own, else the cluster's default, else off. */
export function effectiveSecurity(
  task: { readonly runAsNonRoot?: boolean; readonly readOnlyRootFilesystem?: boolean },
  defaults: SecurityDefaults | undefined,
): { readonly runAsNonRoot: boolean; readonly readOnlyRootFilesystem: boolean } {
  return {
    runAsNonRoot: task.runAsNonRoot ?? defaults?.runAsNonRoot ?? false,
    readOnlyRootFilesystem: task.readOnlyRootFilesystem ?? defaults?.readOnlyRootFilesystem ?? false,
  };
}
