/**
 * Who may repoint a node (issue #12). A node's Docker endpoint is where its worker sends every task, secrets
 * and data included, so a cluster that lists `admins` accepts a `configureCluster` that adds a node, changes
 * a node's endpoint or changes the admins only when it is signed (Ed25519) by one of them. Temporal's own
 * caller identity is what the client says it is, and the SDK does not show it to workflow code; a signature
 * is checked by the service itself, in its update validator, with nothing secret in the workflow. Pure and
 * sandbox-safe: the validator runs inside the cluster service workflow.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { z } from 'zod';
import { canonicalJson } from './canonical-json.js';

export const ClusterAdminSchema = z
  .object({
    /** Who holds the key, for messages: `alice@laptop`. */
    id: z.string().regex(/^[A-Za-z0-9._@-]{1,100}$/, 'must be 1-100 letters, digits or "._@-"'),
    /** The Ed25519 public key, 64 hex digits. */
    publicKey: z.string().regex(/^[0-9a-f]{64}$/, 'must be an Ed25519 public key in 64 hex digits'),
  })
  .strict();
export type ClusterAdmin = z.output<typeof ClusterAdminSchema>;

/** Sent beside the spec: who signed it, when, and the signature over changeMessage. */
export interface ChangeSignature {
  readonly adminId: string;
  /** Milliseconds since the epoch; the service takes it within MAX_SIGNATURE_AGE_MS of its own clock. */
  readonly signedAt: number;
  /** 128 hex digits. */
  readonly signature: string;
}

/** How old a signed change may be: long enough for a slow service, short enough not to be kept and replayed. */
export const MAX_SIGNATURE_AGE_MS = 10 * 60 * 1000;
const MAX_CLOCK_SKEW_MS = 60 * 1000;

interface Endpointed {
  readonly nodes: readonly { readonly id: string; readonly docker?: unknown }[];
  readonly admins?: readonly ClusterAdmin[] | undefined;
}

/** The bytes an admin signs: the whole spec and the time, under a purpose string no other message has. */
export function changeMessage(spec: unknown, signedAt: number): Uint8Array {
  return utf8ToBytes(canonicalJson({ purpose: 'gantry configureCluster v1', signedAt, spec }));
}

/** What of `next` needs an admin's signature against `current`; empty when nothing does. */
export function guardedChanges(next: Endpointed, current: Endpointed): string[] {
  const before = new Map(current.nodes.map((node) => [node.id, canonicalJson(node.docker ?? null)]));
  const changes = next.nodes.flatMap((node) => {
    const was = before.get(node.id);
    if (was === undefined) return [`adds node "${node.id}"`];
    return was === canonicalJson(node.docker ?? null) ? [] : [`changes node "${node.id}"'s Docker endpoint`];
  });
  if (canonicalJson(next.admins ?? []) !== canonicalJson(current.admins ?? []))
    changes.push('changes the admins');
  return changes;
}

/** Throws (rejecting the update) when `next` needs a signature from `current`'s admins and has no valid one. */
export function checkAdminSignature(
  next: Endpointed,
  current: Endpointed,
  signature: ChangeSignature | undefined,
  now: number,
): void {
  const admins = current.admins ?? [];
  // A cluster without admins keeps the behaviour it was created with (gantry up gives new ones an admin).
  if (admins.length === 0) return;
  const changes = guardedChanges(next, current);
  if (changes.length === 0) return;
  const what = changes.join(', ');
  if (!signature)
    throw new Error(
      `this change ${what}: it must be signed by one of the cluster's admins (${admins.map((a) => a.id).join(', ')})`,
    );
  const admin = admins.find((a) => a.id === signature.adminId);
  if (!admin)
    throw new Error(`this change ${what}: "${signature.adminId}" is not one of the cluster's admins`);
  if (now - signature.signedAt > MAX_SIGNATURE_AGE_MS || signature.signedAt - now > MAX_CLOCK_SKEW_MS)
    throw new Error(
      `this change ${what}: its signature by "${admin.id}" is from ${new Date(signature.signedAt).toISOString()}, not within 10 minutes of the service's clock`,
    );
  let isValid = false;
  try {
    isValid = ed25519.verify(
      hexToBytes(signature.signature),
      changeMessage(next, signature.signedAt),
      hexToBytes(admin.publicKey),
    );
  } catch {
    isValid = false;
  }
  if (!isValid) throw new Error(`this change ${what}: the signature is not "${admin.id}"'s over this spec`);
}

/** Signs `spec` with an Ed25519 secret key (32 bytes); for the CLI, which holds the key. */
export function signChange(
  spec: unknown,
  adminId: string,
  secretKey: Uint8Array,
  signedAt: number,
): ChangeSignature {
  return { adminId, signedAt, signature: bytesToHex(ed25519.sign(changeMessage(spec, signedAt), secretKey)) };
}

/** The public key of a secret key, as the spec lists it. */
export function publicKeyOf(secretKey: Uint8Array): string {
  return bytesToHex(ed25519.getPublicKey(secretKey));
}
