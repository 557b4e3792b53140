/**
 * offsetTooDeepJson: where JSON text first nests deeper than MAX_NESTING_DEPTH, found in one O(n) pass
 * before JSON.parse; the error locator (locate-json-error.ts) and the validators recurse per level, so a
 * `[[[[…` bomb must be refused before them. Tolerates malformed text: it only counts brackets outside strings.
 */
import { MAX_NESTING_DEPTH } from './limits.js';

export function offsetTooDeepJson(text: string): number | undefined {
  let depth = 0;
  let isInString = false;
  for (let at = 0; at < text.length; at++) {
    const char = text.charCodeAt(at);
    if (isInString) {
      if (char === 0x5c)
        at++; // a backslash escapes the next character
      else if (char === 0x22) isInString = false;
    } else if (char === 0x22) isInString = true;
    else if (char === 0x5b || char === 0x7b) {
      if (++depth > MAX_NESTING_DEPTH) return at;
    } else if (char === 0x5d || char === 0x7d) depth--;
  }
  return undefined;
}
