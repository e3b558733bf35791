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

/** A recursive-descent JSON scanner that throws a `JsonFail` at the first error. */
class JsonScanner {
  i = 0;
  constructor(readonly text: string) {}

  ws(): void {
    while (this.i < this.text.length && " \t\n\r".includes(this.text[this.i]!)) this.i++;
  }

  found(): string {
    return this.i >= this.text.length ? "end of input" : `${JSON.stringify(this.text[this.i])}`;
  }

  expected(what: string): never {
    throw new JsonFail(this.i, `expected ${what} but found ${this.found()}`);
  }

  digits(): number {
    const start = this.i;
    while (this.i < this.text.length && this.text[this.i]! >= "0" && this.text[this.i]! <= "9") {
      this.i++;
    }
    return this.i - start;
  }

  number(): void {
    const t = this.text;
    if (t[this.i] === "-") this.i++;
    if (t[this.i] === "0") this.i++;
    else if (this.digits() === 0) this.expected("a digit");
    if (t[this.i] === ".") {
      this.i++;
      if (this.digits() === 0) this.expected("a digit after the decimal point");
    }
    if (t[this.i] === "e" || t[this.i] === "E") {
      this.i++;
      if (t[this.i] === "+" || t[this.i] === "-") this.i++;
      if (this.digits() === 0) this.expected("a digit in the exponent");
    }
  }

  string(): void {
    const t = this.text;
    const start = this.i;
    this.i++;
    for (;;) {
      const c = t[this.i];
      if (c === undefined) throw new JsonFail(start, "unterminated string");
      if (c === '"') {
        this.i++;
        return;
      }
      if (c < " ") throw new JsonFail(this.i, "control character inside a string");
      if (c === "\\") {
        const e = t[this.i + 1];
        if (e !== undefined && '"\\/bfnrt'.includes(e)) this.i += 2;
        else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(t.slice(this.i + 2, this.i + 6))) this.i += 6;
        else throw new JsonFail(this.i, "invalid escape sequence in a string");
      } else this.i++;
    }
  }

  value(): void {
    this.ws();
    const c = this.text[this.i];
    if (c === "{") return this.container("}", () => this.member(), "property value");
    if (c === "[") return this.container("]", () => this.value(), "array element");
    if (c === '"') return this.string();
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.number();
    for (const literal of ["true", "false", "null"]) {
      if (this.text.startsWith(literal, this.i)) {
        this.i += literal.length;
        return;
      }
    }
    this.expected("a JSON value");
  }

  /** One object member: a double-quoted name, ':' and a value. */
  member(): void {
    this.ws();
    if (this.text[this.i] !== '"') this.expected("a double-quoted property name");
    this.string();
    this.ws();
    if (this.text[this.i] !== ":") this.expected("':' after the property name");
    this.i++;
    this.value();
  }

  /** An object or array from its opening bracket: elements separated by ',' up to `close`. */
  container(close: "}" | "]", element: () => void, what: string): void {
    const t = this.text;
    this.i++;
    this.ws();
    if (t[this.i] === close) {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      if (t[this.i] === close) throw new JsonFail(this.i, `trailing comma before '${close}'`);
      element();
      this.ws();
      if (t[this.i] === ",") {
        this.i++;
        continue;
      }
      if (t[this.i] === close) {
        this.i++;
        return;
      }
      this.expected(`',' or '${close}' after the ${what}`);
    }
  }
}

/** Returns the first error of `text` as JSON (RFC 8259), or undefined when it is valid. */
export function locateJsonError(text: string): JsonErrorLocation | undefined {
  const s = new JsonScanner(text);
  try {
    s.value();
    s.ws();
    if (s.i < text.length) throw new JsonFail(s.i, `unexpected ${s.found()} after the JSON value`);
    return undefined;
  } catch (error) {
    if (!(error instanceof JsonFail)) throw error;
    const before = text.slice(0, error.index);
    const line = before.split("\n").length;
    const column = error.index - (before.lastIndexOf("\n") + 1) + 1;
    return { index: error.index, line, column, reason: error.reason };
  }
}
