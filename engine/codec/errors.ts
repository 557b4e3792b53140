/**
 * Errors of the payload codec: key material, key files and decryption. No message ever quotes key
 * material: a secret does not belong in a terminal or a log, so messages name the place instead.
 */
import { GantryEngineError, InvalidConfigError } from '../errors.js';

/** Key material Gantry cannot use; `source` is the variable or file, `line` the entry (1-based). */
export class CodecKeyError extends InvalidConfigError {
  readonly source: string;
  readonly line: number | undefined;
  constructor(source: string, line: number | undefined, problem: string, options?: { cause?: unknown }) {
    super(`${line === undefined ? source : `${source}:${line}`}: ${problem}`, options);
    this.name = 'CodecKeyError';
    this.source = source;
    this.line = line;
  }
}

/** A key file that someone other than its owner may read: refused rather than trusted. */
export class CodecKeyFileModeError extends InvalidConfigError {
  readonly path: string;
  readonly mode: number;
  constructor(path: string, mode: number) {
    const octal = (mode & 0o777).toString(8).padStart(3, '0');
    super(`${path}: readable by group or others (mode ${octal}); run \`chmod 600 ${path}\``);
    this.name = 'CodecKeyFileModeError';
    this.path = path;
    this.mode = mode;
  }
}

/** An encrypted payload whose key id is none of the keys this process knows. */
export class UnknownCodecKeyError extends GantryEngineError {
  readonly keyId: string;
  constructor(keyId: string, source: string, knownIds: readonly string[]) {
    super(
      `a payload is encrypted with key "${keyId}", which ${source} does not hold (known: ${knownIds.join(', ')}); give this process the key ring the workers use`,
    );
    this.name = 'UnknownCodecKeyError';
    this.keyId = keyId;
  }
}

/** An encrypted payload that does not decrypt: tampered with, truncated, or made with other key bytes. */
export class PayloadDecryptionError extends GantryEngineError {
  readonly keyId: string;
  constructor(keyId: string, reason: string, options?: { cause?: unknown }) {
    super(`a payload encrypted with key "${keyId}" does not decrypt: ${reason}`, options);
    this.name = 'PayloadDecryptionError';
    this.keyId = keyId;
  }
}
