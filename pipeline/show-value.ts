const MAX_LENGTH = 60;

/** Renders a user-supplied value for an error message: strings quoted, objects as short JSON. */
export function showValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      // Slicing first spares stringifying a 10 MB string to show 60 characters of it.
      return truncate(JSON.stringify(value.slice(0, MAX_LENGTH)));
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'function':
      return 'a function';
    case 'object':
      return value === null ? 'null' : truncate(safeStringify(value));
  }
}

function safeStringify(value: object): string {
  try {
    // JSON.stringify yields undefined when a toJSON method returns undefined.
    const text: string | undefined = JSON.stringify(value);
    return text ?? (Array.isArray(value) ? 'an array' : 'an object');
  } catch {
    // NOTE: cyclic or exotic objects are rare here (module exports); a generic label beats a crash.
    return Array.isArray(value) ? 'an array' : 'an object';
  }
}

function truncate(text: string): string {
  return text.length <= MAX_LENGTH ? text : `${text.slice(0, MAX_LENGTH - 1)}…`;
}
