/**
 * A small, safe expression language for symbolic-regression targets (docs/experiments.md, "Symbolic
 * formulas"): a hand-written recursive-descent parser that compiles to closures. Nothing is ever
 * handed to eval or Function, so a config file cannot run code.
 *
 *     parseExpression('x2^2 + sin(pi*x4)', 4).evaluate([0.5, 0.2, 0.1, 0.5])  // 1.04
 *
 * Grammar (lowest precedence first; ^ is right-associative and binds tighter than unary minus,
 * so -x^2 = -(x^2) and 2^-1 = 0.5, as in mathematics):
 *
 *     sum     = product (("+" | "-") product)*
 *     product = unary (("*" | "/") unary)*
 *     unary   = ("-" | "+") unary | power
 *     power   = atom ("^" unary)?
 *     atom    = number | x1..xn | pi | e | function "(" sum ")" | "(" sum ")"
 *
 * Sums and products are evaluated in a loop over their terms, so a long flat formula costs no
 * stack; only nesting (parentheses, functions, signs, powers) recurses, and it is bounded by
 * MAX_EXPRESSION_DEPTH, as the length is by MAX_EXPRESSION_LENGTH, so no formula a config can
 * hold overflows the stack.
 */
import { BimtError } from '../errors.js';
import { quote } from '../util/excerpt.js';

export interface CompiledExpression {
  /** The text as given. */
  readonly source: string;
  /** Value at one point; x[i] is the value of x(i+1). Computed in float64. */
  evaluate(x: ArrayLike<number>): number;
  /** 0-based indices of the inputs the expression reads, ascending (x1 is 0). */
  readonly variables: readonly number[];
}

const FUNCTIONS: Readonly<Record<string, (v: number) => number>> = {
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  abs: Math.abs,
  tanh: Math.tanh,
};
const CONSTANTS: Readonly<Record<string, number>> = { pi: Math.PI, e: Math.E };

type Evaluator = (x: ArrayLike<number>) => number;

interface Token {
  readonly kind: 'number' | 'name' | 'op' | 'end';
  readonly text: string;
  /** 1-based column of the token's first character in the source. */
  readonly column: number;
}

// A number: digits with an optional fraction, or a bare fraction, then an optional exponent.
const NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const OPERATORS = '+-*/^()';

/** Longest formula accepted; the paper's are under 40 characters. */
export const MAX_EXPRESSION_LENGTH = 10_000;
/** Deepest nesting accepted (parentheses, function calls, signs and powers inside each other). */
export const MAX_EXPRESSION_DEPTH = 100;

/**
 * Parses `src` over inputs x1..x`nVars`. Throws a BimtError naming the problem and its column,
 * e.g. `expression "x1 + * x2": unexpected "*" at column 6`.
 */
export function parseExpression(src: string, nVars: number): CompiledExpression {
  const parser = new Parser(src, nVars);
  const evaluate = parser.parse();
  return { source: src, evaluate, variables: [...parser.used].sort((a, b) => a - b) };
}

class Parser {
  private readonly tokens: Token[];
  private pos = 0;
  private depth = 0;
  readonly used = new Set<number>();

  constructor(
    private readonly src: string,
    private readonly nVars: number,
  ) {
    if (src.length > MAX_EXPRESSION_LENGTH) {
      this.fail(`${src.length} characters is too long (at most ${MAX_EXPRESSION_LENGTH})`);
    }
    this.tokens = this.tokenize();
  }

  parse(): Evaluator {
    const e = this.sum();
    const t = this.peek();
    if (t.kind !== 'end') {
      // The usual cause is a missing operator, e.g. "2x1" or "x1 x2".
      const hint = t.kind === 'op' && t.text === ')' ? ' (no "(" to close)' : ' (missing operator? write * for multiplication)';
      this.fail(`unexpected ${describe(t)} at column ${t.column}${hint}`);
    }
    return e;
  }

  private sum(): Evaluator {
    const first = this.product();
    const terms: Evaluator[] = [];
    const signs: number[] = [];
    for (let t = this.peek(); t.kind === 'op' && (t.text === '+' || t.text === '-'); t = this.peek()) {
      this.pos++;
      terms.push(this.product());
      signs.push(t.text === '+' ? 1 : -1);
    }
    if (terms.length === 0) return first;
    return (x) => {
      let v = first(x);
      for (let i = 0; i < terms.length; i++) v = signs[i] > 0 ? v + terms[i](x) : v - terms[i](x);
      return v;
    };
  }

  private product(): Evaluator {
    const first = this.unary();
    const factors: Evaluator[] = [];
    const divides: boolean[] = [];
    for (let t = this.peek(); t.kind === 'op' && (t.text === '*' || t.text === '/'); t = this.peek()) {
      this.pos++;
      factors.push(this.unary());
      divides.push(t.text === '/');
    }
    if (factors.length === 0) return first;
    return (x) => {
      let v = first(x);
      for (let i = 0; i < factors.length; i++) v = divides[i] ? v / factors[i](x) : v * factors[i](x);
      return v;
    };
  }

  // Every nesting passes through here (a parenthesis or function argument starts a sum, a sign
  // or exponent is a unary), so this is where depth is counted.
  private unary(): Evaluator {
    const t = this.peek();
    if (++this.depth > MAX_EXPRESSION_DEPTH) {
      this.fail(`nested more than ${MAX_EXPRESSION_DEPTH} levels deep at column ${t.column}`);
    }
    try {
      if (t.kind === 'op' && (t.text === '-' || t.text === '+')) {
        this.pos++;
        const a = this.unary();
        return t.text === '-' ? (x) => -a(x) : a;
      }
      return this.power();
    } finally {
      this.depth--;
    }
  }

  private power(): Evaluator {
    const base = this.atom();
    const t = this.peek();
    if (t.kind !== 'op' || t.text !== '^') return base;
    this.pos++;
    // The exponent is a unary, which recurses into power: right-associative, and 2^-1 parses.
    const exponent = this.unary();
    return (x) => Math.pow(base(x), exponent(x));
  }

  private atom(): Evaluator {
    const t = this.next();
    if (t.kind === 'number') {
      const v = Number(t.text);
      return () => v;
    }
    if (t.kind === 'op' && t.text === '(') {
      const inner = this.sum();
      this.expectClose(t);
      return inner;
    }
    if (t.kind === 'name') return this.name(t);
    this.fail(`unexpected ${describe(t)} at column ${t.column}`);
  }

  private name(t: Token): Evaluator {
    const opensCall = this.peek().kind === 'op' && this.peek().text === '(';
    if (Object.hasOwn(FUNCTIONS, t.text)) {
      if (!opensCall) this.fail(`function "${t.text}" at column ${t.column} needs its argument in parentheses, e.g. ${t.text}(x1)`);
      const open = this.next();
      const f = FUNCTIONS[t.text];
      const arg = this.sum();
      this.expectClose(open);
      return (x) => f(arg(x));
    }
    if (opensCall) {
      this.fail(`unknown function "${t.text}" at column ${t.column} (functions: ${Object.keys(FUNCTIONS).join(', ')})`);
    }
    if (Object.hasOwn(CONSTANTS, t.text)) {
      const v = CONSTANTS[t.text];
      return () => v;
    }
    const variable = /^x([1-9]\d*)$/.exec(t.text);
    const index = variable ? Number(variable[1]) - 1 : -1;
    if (variable && index < this.nVars) {
      this.used.add(index);
      return (x) => x[index];
    }
    if (/^x\d+$/.test(t.text)) {
      this.fail(`unknown variable "${t.text}" at column ${t.column} (inputs are ${this.inputNames()})`);
    }
    this.fail(`unknown name "${t.text}" at column ${t.column} (use inputs ${this.inputNames()}, constants pi and e, or functions ${Object.keys(FUNCTIONS).join(', ')})`);
  }

  private expectClose(open: Token): void {
    const t = this.next();
    if (t.kind === 'op' && t.text === ')') return;
    this.fail(`expected ")" to close the "(" at column ${open.column}, found ${describe(t)} at column ${t.column}`);
  }

  private inputNames(): string {
    if (this.nVars === 1) return 'x1';
    return this.nVars === 2 ? 'x1, x2' : `x1..x${this.nVars}`;
  }

  private peek(): Token {
    return this.tokens[this.pos];
  }

  private next(): Token {
    const t = this.tokens[this.pos];
    if (t.kind !== 'end') this.pos++;
    return t;
  }

  private tokenize(): Token[] {
    const tokens: Token[] = [];
    let i = 0;
    while (i < this.src.length) {
      const c = this.src[i];
      if (/\s/.test(c)) {
        i++;
        continue;
      }
      const rest = this.src.slice(i);
      const m = NUMBER.exec(rest) ?? NAME.exec(rest);
      if (m) {
        tokens.push({ kind: /^[\d.]/.test(c) ? 'number' : 'name', text: m[0], column: i + 1 });
        i += m[0].length;
      } else if (OPERATORS.includes(c)) {
        tokens.push({ kind: 'op', text: c, column: i + 1 });
        i++;
      } else {
        this.fail(`unexpected character "${c}" at column ${i + 1} (allowed: numbers, ${this.inputNames()}, pi, e, + - * / ^, parentheses and functions)`);
      }
    }
    tokens.push({ kind: 'end', text: '', column: this.src.length + 1 });
    return tokens;
  }

  private fail(message: string): never {
    throw new BimtError(`expression ${quote(this.src)}: ${message}`);
  }
}

function describe(t: Token): string {
  return t.kind === 'end' ? 'end of expression' : `"${t.text}"`;
}
