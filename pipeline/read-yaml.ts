/**
 * readYaml: YAML text to plain data, with every limit the `yaml` package's parseDocument lacks checked before
 * the step it protects, so hostile text is refused in well under a second instead of hanging or crashing:
 * a token budget before the (slow) parser, a nesting limit before the (recursive) composer, a linear
 * duplicate-key check instead of yaml's uniqueKeys (quadratic in a map's size), and an explicit alias budget
 * in toJS (billion laughs). Every problem is a PipelineSyntaxError at file:line:col.
 */
import { Composer, isAlias, isMap, isScalar, Lexer, Parser, visit, type Document } from 'yaml';
import type { CST } from 'yaml';
import { PipelineSyntaxError } from './errors.js';
import { lineAndColumn } from './line-and-column.js';
import { MAX_NESTING_DEPTH, MAX_YAML_ALIAS_COUNT, MAX_YAML_TOKENS } from './limits.js';

/** The lexer's virtual tokens (document start, scalar and flow-error markers) take no source characters. */
const VIRTUAL_TOKENS = new Set(['\x02', '\x18', '\x1f']);

export function readYaml(text: string, filename: string): unknown {
  const fail = (offset: number, detail: string, cause?: unknown): never => {
    const { line, column } = lineAndColumn(text, offset);
    throw new PipelineSyntaxError({ filename, line, column, detail }, { cause });
  };
  const scanned = scanTokens(text);
  if (scanned !== undefined) fail(scanned.offset, scanned.detail);

  const tokens = [...new Parser().parse(text)];
  const tooDeep = offsetTooDeep(tokens);
  if (tooDeep !== undefined) fail(tooDeep, `nested deeper than ${MAX_NESTING_DEPTH} levels`);

  const documents = [...new Composer({ uniqueKeys: false }).compose(tokens, true, text.length)];
  const [document, second] = documents;
  if (document === undefined) return null;
  const [error] = document.errors;
  if (error !== undefined) fail(error.pos[0], error.message, error);
  if (second !== undefined) {
    fail(second.range[0], 'Source contains multiple documents; please use YAML.parseAllDocuments()');
  }
  const duplicate = offsetOfDuplicateKey(document);
  if (duplicate !== undefined) fail(duplicate, 'Map keys must be unique');
  try {
    return document.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT });
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    return fail(
      offsetOfFirstAlias(document),
      `${error.message} (aliases may expand to at most ${MAX_YAML_ALIAS_COUNT} nodes)`,
      error,
    );
  }
}

/**
 * One pass of the (fast) lexer, stopping at the first token over the budget or nested too deep: the parser
 * is slow on deep nesting (~50 µs a level). Flow depth is counted exactly; block depth is bounded by the
 * stack of strictly increasing columns at which block nodes start, which is at most one more than the
 * depth, so no pipeline within the limit is refused here (the CST walk after parsing is exact).
 */
function scanTokens(text: string): { offset: number; detail: string } | undefined {
  let count = 0;
  let offset = 0;
  let lineStart = 0;
  let flowDepth = 0;
  let isAfterScalarMark = false;
  const columns: number[] = [];
  const tooDeep = `nested deeper than ${MAX_NESTING_DEPTH} levels`;
  for (const token of new Lexer().lex(text)) {
    if (++count > MAX_YAML_TOKENS) return { offset, detail: `more than ${MAX_YAML_TOKENS} YAML tokens` };
    if (token === '[' || token === '{') flowDepth++;
    // Stray closers must not hide what follows from the block count below.
    else if (token === ']' || token === '}') flowDepth = Math.max(0, flowDepth - 1);
    if (flowDepth > MAX_NESTING_DEPTH) return { offset, detail: tooDeep };
    // A block node starts at an indicator, a scalar (the lexer marks plain ones) or an alias; anchors and
    // tags belong to the node after them.
    const isNodeStart = token === '-' || token === '?' || isAfterScalarMark || /^['"*]/.test(token);
    isAfterScalarMark = token === '\x1f';
    if (flowDepth === 0 && isNodeStart) {
      const column = offset - lineStart;
      while ((columns.at(-1) ?? -1) >= column) columns.pop();
      columns.push(column);
      if (columns.length > MAX_NESTING_DEPTH + 1) return { offset, detail: tooDeep };
    }
    if (VIRTUAL_TOKENS.has(token)) continue;
    const newline = token.lastIndexOf('\n');
    if (newline >= 0) lineStart = offset + newline + 1;
    offset += token.length;
  }
  return undefined;
}

/** The offset of the first CST node nested deeper than MAX_NESTING_DEPTH, walked iteratively. */
function offsetTooDeep(tokens: readonly CST.Token[]): number | undefined {
  const stack: [CST.Token, number][] = tokens.map((token) => [token, 0]);
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const [token, depth] = entry;
    if (depth > MAX_NESTING_DEPTH) return token.offset;
    if (token.type === 'document' && token.value !== undefined) stack.push([token.value, depth]);
    if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      for (const item of token.items) {
        if ('key' in item && item.key) stack.push([item.key, depth + 1]);
        if (item.value !== undefined) stack.push([item.value, depth + 1]);
      }
    }
  }
  return undefined;
}

/** Like yaml's uniqueKeys (scalar keys compared by value), in O(keys) rather than O(keys²) per map. */
function offsetOfDuplicateKey(document: Document.Parsed): number | undefined {
  let offset: number | undefined;
  visit(document, {
    Map(_, map) {
      if (!isMap(map)) return undefined;
      const seen = new Set<unknown>();
      for (const { key } of map.items) {
        if (!isScalar(key)) continue;
        if (seen.has(key.value)) {
          offset = key.range?.[0] ?? 0;
          return visit.BREAK;
        }
        seen.add(key.value);
      }
      return undefined;
    },
  });
  return offset;
}

function offsetOfFirstAlias(document: Document.Parsed): number {
  let offset = 0;
  visit(document, {
    Alias(_, alias) {
      if (isAlias(alias)) offset = alias.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}
