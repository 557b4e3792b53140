/**
 * Input limits of a pipeline definition, one place, each with its reason. The schema (schema.ts), the rules
 * (check-argv.ts, check-depth.ts) and the text readers (parse-text.ts, read-yaml.ts, scan-json.ts) enforce
 * them; README "Input limits" lists them, and test/pipeline/fuzz.test.ts checks that breaking one is exit 2.
 */

/** Linux MAX_ARG_STRLEN is 32 pages (128 KiB) and counts the NUL: execve fails with E2BIG on a longer string. */
export const MAX_ARG_BYTES = 128 * 1024 - 1;
/** Half of ARG_MAX (a quarter of the default 8 MiB stack): the image's ENTRYPOINT and Docker's env need room too. */
export const MAX_ARGV_ENV_BYTES = 1024 * 1024;
/** A pointer per argv/envp string, counted by the kernel against ARG_MAX like the string itself. */
export const ARGV_POINTER_BYTES = 8;
/** A file is read whole and parsed in one go; a pipeline is a few KiB, 10,000 tasks of JSON fit in 4 MiB. */
export const MAX_PIPELINE_FILE_BYTES = 4 * 1024 * 1024;
/** The yaml composer recurses per level (~1,000 levels overflow the stack, ~10,000 abort node); a pipeline needs < 20. */
export const MAX_NESTING_DEPTH = 64;
/** The yaml package lexes and parses ~150,000 tokens a second (2 cores): this keeps a refusal well under 1 s (~7,000 lines). */
export const MAX_YAML_TOKENS = 50_000;
/** Billion laughs: aliases may expand to at most this many nodes (the yaml default, set explicitly). */
export const MAX_YAML_ALIAS_COUNT = 100;
/** The scale the engine is benchmarked at (#10: 100,000-task chains and fan-outs finish); a file is bounded by its size first. */
export const MAX_TASKS = 100_000;
/**
 * Tasks in a YAML or JSON file: text may come from anyone (a pull request, a trigger), and validation costs
 * ~60 µs of CPU and ~10 KiB a task, so this keeps a refusal near half a second and within 256 MiB. A
 * TypeScript pipeline is code its author runs anyway: it may go up to MAX_TASKS.
 */
export const MAX_FILE_TASKS = 10_000;
/** Linux PATH_MAX. */
export const MAX_PATH_BYTES = 4096;
/** A registry host (253) + repository (255) + tag (128) + digest (71) fit in this. */
export const MAX_IMAGE_LENGTH = 1024;
/** Free text (description, `when`, a literal foreach list): far above real use (100,000 items are 0.6 MB), below the file. */
export const MAX_TEXT_LENGTH = 1024 * 1024;
/** Seconds in a year: longer retry intervals, expected durations or cache ages are typos, and 1e308 s is Infinity ms. */
export const MAX_DURATION_SECONDS = 366 * 24 * 3600;
/** Resources larger than any machine are typos; bounded, sums over many tasks stay exact in float64. */
export const MAX_CPU = 1024;
export const MAX_MEMORY_MIB = 16 * 1024 * 1024;
export const MAX_GPU = 64;
export const MAX_DISK_MIB = 1024 * 1024 * 1024;
export const MAX_NETWORK_MBPS = 1_000_000;
export const MAX_SCALAR = 1_000_000_000;
/** foreach items in flight at once; beyond this the cap means nothing. */
export const MAX_PARALLEL = 1_000_000;

/** The length of `text` in UTF-8 bytes (what the kernel counts), without allocating. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      // A surrogate pair is one code point of 4 bytes; a lone surrogate is encoded as U+FFFD (3 bytes).
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}
