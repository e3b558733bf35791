/**
 * Finds where a JSON text first goes wrong, with a short reason. V8's JSON.parse messages do
 * not always carry a position ("Unexpected token 'x', ... is not valid JSON"), so config errors
 * locate the problem themselves. Internal: not re-exported.
 * @module
 */

/** Where and why a JSON text is invalid. */
export interface JsonErrorLocation {
  /** Zero-based character index. */
  index: number;
  /** One-based line. */
  line: number;
  /** One-based column. */
  column: number;
  /** Short lower-case reason, no final period. */
  reason: string;
}

class JsonFail {
  constructor(readonly index: number, readonly reason: string) {}
}

/** Returns the first error of `text` as JSON (RFC 8259), or undefined when it is valid. */
export function locateJsonError(text: string): JsonErrorLocation | undefined {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const found = (): string => i >= text.length ? "end of input" : `${JSON.stringify(text[i])}`;
  const expected = (what: string): never => {
    throw new JsonFail(i, `expected ${what} but found ${found()}`);
  };
  const digits = (): number => {
    const start = i;
    while (i < text.length && text[i]! >= "0" && text[i]! <= "9") i++;
    return i - start;
  };
  const number = (): void => {
    if (text[i] === "-") i++;
    if (text[i] === "0") i++;
    else if (digits() === 0) expected("a digit");
    if (text[i] === ".") {
      i++;
      if (digits() === 0) expected("a digit after the decimal point");
    }
    if (text[i] === "e" || text[i] === "E") {
      i++;
      if (text[i] === "+" || text[i] === "-") i++;
      if (digits() === 0) expected("a digit in the exponent");
    }
  };
  const string = (): void => {
    const start = i;
    i++;
    for (;;) {
      const c = text[i];
      if (c === undefined) throw new JsonFail(start, "unterminated string");
      if (c === '"') {
        i++;
        return;
      }
      if (c < " ") throw new JsonFail(i, "control character inside a string");
      if (c === "\\") {
        const e = text[i + 1];
        if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else throw new JsonFail(i, "invalid escape sequence in a string");
      } else i++;
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === "{") return object();
    if (c === "[") return array();
    if (c === '"') return string();
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return number();
    for (const literal of ["true", "false", "null"]) {
      if (text.startsWith(literal, i)) {
        i += literal.length;
        return;
      }
    }
    expected("a JSON value");
  };
  const object = (): void => {
    i++;
    ws();
    if (text[i] === "}") {
      i++;
      return;
    }
    for (;;) {
      ws();
      if (text[i] === "}") throw new JsonFail(i, "trailing comma before '}'");
      if (text[i] !== '"') expected("a double-quoted property name");
      string();
      ws();
      if (text[i] !== ":") expected("':' after the property name");
      i++;
      value();
      ws();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "}") {
        i++;
        return;
      }
      expected("',' or '}' after the property value");
    }
  };
  const array = (): void => {
    i++;
    ws();
    if (text[i] === "]") {
      i++;
      return;
    }
    for (;;) {
      ws();
      if (text[i] === "]") throw new JsonFail(i, "trailing comma before ']'");
      value();
      ws();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "]") {
        i++;
        return;
      }
      expected("',' or ']' after the array element");
    }
  };
  try {
    value();
    ws();
    if (i < text.length) throw new JsonFail(i, `unexpected ${found()} after the JSON value`);
    return undefined;
  } catch (error) {
    if (!(error instanceof JsonFail)) throw error;
    const before = text.slice(0, error.index);
    const line = before.split("\n").length;
    const column = error.index - (before.lastIndexOf("\n") + 1) + 1;
    return { index: error.index, line, column, reason: error.reason };
  }
}
