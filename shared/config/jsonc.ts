// JSON with comments (// and /* */) and trailing commas, as config files may be written. Comments
// and trailing commas become spaces (newlines kept), so every position still points into the file
// as written; JSON.parse then builds the value. On a syntax error a small checker walks the same
// text to say what was expected where, as line:column, in the same words on every Node version.

/** A syntax error at a 1-based line and column of the text. */
export class JsoncSyntaxError extends Error {
  override readonly name = 'JsoncSyntaxError';
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

/** 1-based line and column of `offset` in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

const isWs = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/**
 * The text with comments and trailing commas replaced by spaces (line breaks kept), a leading BOM
 * too: the same length, so offsets, lines and columns are those of the original.
 */
export function stripJsonc(text: string): string {
  const out = text.split('');
  let i = 0;
  /** The last comma outside strings, while only whitespace and comments follow it. */
  let comma = -1;
  /** The significant character before it: a comma right after "[", "{" or "," trails nothing. */
  let beforeComma = '';
  let last = '';
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n' && out[k] !== '\r') out[k] = ' ';
  };
  if (text.charCodeAt(0) === 0xfeff) {
    out[0] = ' ';
    i = 1;
  }
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      comma = -1;
      last = c;
      i++;
      while (i < text.length && text[i] !== '"' && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      const to = end === -1 ? text.length : end;
      blank(i, to);
      i = to;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end === -1) {
        const at = lineColumn(text, i);
        throw new JsoncSyntaxError('unterminated /* comment', at.line, at.column);
      }
      blank(i, end + 2);
      i = end + 2;
      continue;
    }
    if (!isWs(c)) {
      if ((c === '}' || c === ']') && comma !== -1 && beforeComma !== '{' && beforeComma !== '[' && beforeComma !== ',') out[comma] = ' ';
      if (c === ',') [comma, beforeComma] = [i, last];
      else comma = -1;
      last = c as string;
    }
    i++;
  }
  return out.join('');
}

/** Parses JSONC text; a syntax error is a JsoncSyntaxError with its line and column. */
export function parseJsonc(text: string): unknown {
  const json = stripJsonc(text);
  try {
    return JSON.parse(json);
  } catch (err) {
    const found = findSyntaxError(json);
    if (found) {
      const at = lineColumn(text, found.offset);
      throw new JsoncSyntaxError(found.message, at.line, at.column);
    }
    // the checker found nothing JSON.parse refused: keep V8's words, and its position if any
    const message = (err as Error).message;
    const pos = /at position (\d+)/.exec(message);
    const at = lineColumn(text, pos ? Number(pos[1]) : text.length);
    throw new JsoncSyntaxError(message.replace(/ in JSON at position \d+.*$/, ''), at.line, at.column);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** The first place `json` (comments already blanked) is not JSON, and what was expected there. */
export function findSyntaxError(json: string): { offset: number; message: string } | undefined {
  let i = 0;
  class Stop {
    constructor(
      readonly offset: number,
      readonly message: string,
    ) {}
  }
  // a declaration, not an arrow: TypeScript narrows after calls of it
  function fail(message: string, at = i): never {
    throw new Stop(at, at >= json.length ? `${message}, but the file ends` : message);
  }
  const ws = () => {
    while (isWs(json[i])) i++;
  };
  /** What stands at `i`, for the message: `, found "agentRules"` or `, found }`. */
  const describe = (c: string | undefined) => {
    if (c === undefined) return '';
    const token =
      c === '"' ? (/^"(?:[^"\\\n]|\\.){0,40}"?/.exec(json.slice(i))?.[0] ?? c) : (/^[\w.+-]{1,20}/.exec(json.slice(i))?.[0] ?? c);
    return `, found ${token}`;
  };
  const string = () => {
    const start = i++;
    for (;;) {
      const c = json[i];
      if (c === undefined) fail('unterminated string', start);
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        const e = json[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(json.slice(i + 2, i + 6))) fail('expected 4 hex digits after \\u');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail(`invalid escape "\\${e ?? ''}" in a string`);
        continue;
      }
      if (c.charCodeAt(0) < 0x20) fail(c === '\n' ? 'unterminated string (a line break inside quotes)' : 'control character in a string');
      i++;
    }
  };
  const value = (): void => {
    ws();
    const c = json[i];
    if (c === '{') {
      i++;
      ws();
      if (json[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (json[i] !== '"') fail(`expected a property name in double quotes${describe(json[i])}`);
        string();
        ws();
        if (json[i] !== ':') fail(`expected ":" after a property name${describe(json[i])}`);
        i++;
        value();
        ws();
        if (json[i] === ',') {
          i++;
          continue;
        }
        if (json[i] === '}') {
          i++;
          return;
        }
        fail(`expected "," or "}" after a property value${describe(json[i])}`);
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (json[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (json[i] === ',') {
          i++;
          continue;
        }
        if (json[i] === ']') {
          i++;
          return;
        }
        fail(`expected "," or "]" after an array element${describe(json[i])}`);
      }
    }
    if (c === '"') {
      string();
      return;
    }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(json);
      if (!m || /[0-9.eE]/.test(json[i + m[0].length] ?? '')) fail('invalid number');
      i += m![0].length;
      return;
    }
    for (const word of ['true', 'false', 'null']) {
      if (json.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    fail(`expected a value${describe(c)}`);
  };
  try {
    value();
    ws();
    if (i < json.length) fail(`unexpected ${JSON.stringify(json[i])} after the end of the document`);
    return undefined;
  } catch (err) {
    if (err instanceof Stop) return { offset: err.offset, message: err.message };
    throw err;
  }
}
