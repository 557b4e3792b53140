/**
 * What travels through Temporal for data between tasks: small values inline, everything else as a
 * content address (sha256) in the artifact store. Workflow payloads stay small whatever the tasks write.
 */

/** Values up to this many bytes travel inline; larger ones are stored and passed by digest. */
export const INLINE_VALUE_MAX_BYTES = 4 * 1024;

/** An output parameter's value: inline, or stored in the artifact store under its sha256. */
export type ValueRef =
  | { readonly kind: 'inline'; readonly value: string }
  | { readonly kind: 'stored'; readonly digest: string; readonly sizeBytes: number };

/** A file or directory in the artifact store: a normalised tar, addressed by the sha256 of its bytes. */
export interface ArtifactRef {
  readonly digest: string;
  readonly sizeBytes: number;
}

/** `sha256:<64 hex>`, the one digest format of the store. */
export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;
