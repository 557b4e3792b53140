/**
 * Finds the offset of the first syntax error in JSON text, for messages where the engine's JSON.parse
 * does not say where (V8: `Unexpected token '}', "…" is not valid JSON`). A recursive-descent recogniser
 * of RFC 8259, O(n); it returns undefined for valid JSON.
 */
const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// NOTE: the control-character range is the point: JSON forbids raw U+0000..U+001F inside strings.
// eslint-disable-next-line no-control-regex
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

class JsonSyntax extends Error {
  constructor(readonly offset: number) {
    super(`JSON syntax error at offset ${offset}`);
  }
}

export function locateJsonError(text: string): number | undefined {
  let at = 0;
  const fail = (): never => {
    throw new JsonSyntax(at);
  };
  const skip = (): void => {
    while (at < text.length && WHITESPACE.has(text[at] ?? '')) at++;
  };
  const token = (pattern: RegExp): void => {
    pattern.lastIndex = at;
    if (!pattern.test(text)) fail();
    at = pattern.lastIndex;
  };
  const expect = (char: string): void => {
    skip();
    if (text[at] !== char) fail();
    at++;
  };
  const value = (): void => {
    skip();
    const char = text[at];
    if (char === '{') return sequence('}', () => (token(STRING), expect(':'), value()));
    if (char === '[') return sequence(']', value);
    if (char === '"') return token(STRING);
    const word = char === 't' ? 'true' : char === 'f' ? 'false' : char === 'n' ? 'null' : undefined;
    if (word === undefined) return token(NUMBER);
    // Like V8, point at the first character that breaks the literal, not at its start.
    for (const letter of word) {
      if (text[at] !== letter) fail();
      at++;
    }
  };
  const sequence = (close: string, item: () => void): void => {
    at++;
    skip();
    if (text[at] === close) return void at++;
    for (;;) {
      skip();
      item();
      skip();
      if (text[at] === close) return void at++;
      expect(',');
    }
  };
  try {
    value();
    skip();
    if (at < text.length) fail();
    return undefined;
  } catch (error) {
    if (error instanceof JsonSyntax) return error.offset;
    throw error;
  }
}
