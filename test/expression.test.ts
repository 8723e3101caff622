import { describe, expect, it } from 'vitest';
import { BimtError } from '../src/errors.js';
import { parseExpression } from '../src/tasks/expression.js';

const at = (src: string, x: number[] = [0.5, 0.2, 0.1, 0.5]) => parseExpression(src, 4).evaluate(x);
const errorOf = (src: string, nVars = 4): string => {
  try {
    parseExpression(src, nVars);
  } catch (e) {
    expect(e).toBeInstanceOf(BimtError);
    return (e as Error).message;
  }
  throw new Error(`"${src}" parsed`);
};

describe('expression parser', () => {
  it('follows the usual precedence and associativity', () => {
    expect(at('1 + 2 * 3')).toBe(7);
    expect(at('(1 + 2) * 3')).toBe(9);
    expect(at('8 - 3 - 2')).toBe(3); // left-associative
    expect(at('8 / 4 / 2')).toBe(1);
    expect(at('2^3^2')).toBe(512); // right-associative: 2^(3^2)
    expect(at('-2^2')).toBe(-4); // ^ binds tighter than unary minus
    expect(at('-x1^2')).toBeCloseTo(-0.25, 12);
    expect(at('2^-1')).toBe(0.5);
    expect(at('--3')).toBe(3);
    expect(at('2 * -3')).toBe(-6);
    expect(at('+x2')).toBe(0.2);
  });

  it('reads numbers, variables and constants', () => {
    expect(at('1e-3')).toBe(0.001);
    expect(at('2.5E2')).toBe(250);
    expect(at('.5 + 3.')).toBe(3.5);
    expect(at('x1 + 10 * x3')).toBeCloseTo(1.5, 12);
    expect(at('pi')).toBe(Math.PI);
    expect(at('e')).toBe(Math.E);
    expect(at('2*pi*x4')).toBeCloseTo(Math.PI, 12);
  });

  it('applies every function', () => {
    const v = 0.3;
    const cases: [string, number][] = [
      ['sin', Math.sin(v)],
      ['cos', Math.cos(v)],
      ['tan', Math.tan(v)],
      ['exp', Math.exp(v)],
      ['log', Math.log(v)],
      ['sqrt', Math.sqrt(v)],
      ['abs', v],
      ['tanh', Math.tanh(v)],
    ];
    for (const [f, want] of cases) expect(at(`${f}(x1 - 0.2)`)).toBeCloseTo(want, 12);
    expect(at('abs(-x1)')).toBe(0.5);
    expect(at('sqrt(sin(pi*x4)^2 + 3)')).toBeCloseTo(2, 12);
  });

  it('reports the variables it reads, 0-based and sorted', () => {
    expect(parseExpression('x3 + x1 * x3', 4).variables).toEqual([0, 2]);
    expect(parseExpression('pi', 4).variables).toEqual([]);
    expect(parseExpression('x12', 12).evaluate(Array.from({ length: 12 }, (_, i) => i))).toBe(11);
  });

  it('says what is wrong and where', () => {
    expect(errorOf('x1 + * x2')).toBe('expression "x1 + * x2": unexpected "*" at column 6');
    expect(errorOf('x1 +')).toMatch(/unexpected end of expression at column 5/);
    expect(errorOf('')).toMatch(/unexpected end of expression at column 1/);
    expect(errorOf('(x1 + x2')).toMatch(/expected "\)" to close the "\(" at column 1, found end of expression/);
    expect(errorOf('x1)')).toMatch(/unexpected "\)" at column 3/);
    expect(errorOf('2x1')).toMatch(/unexpected "x1" at column 2 .*write \* for multiplication/);
    expect(errorOf('x1 # 2')).toMatch(/unexpected character "#" at column 4/);
    expect(errorOf('sin x1')).toMatch(/function "sin" at column 1 needs its argument in parentheses/);
  });

  it('rejects unknown variables, names and functions, listing what is allowed', () => {
    expect(errorOf('x1 + x5')).toBe('expression "x1 + x5": unknown variable "x5" at column 6 (inputs are x1..x4)');
    expect(errorOf('x0')).toMatch(/unknown variable "x0".*inputs are x1..x4/);
    expect(errorOf('x2', 1)).toMatch(/unknown variable "x2".*inputs are x1\)/);
    expect(errorOf('foo(x1)')).toBe(
      'expression "foo(x1)": unknown function "foo" at column 1 (functions: sin, cos, tan, exp, log, sqrt, abs, tanh)',
    );
    expect(errorOf('y + 1')).toMatch(/unknown name "y" at column 1 \(use inputs x1..x4, constants pi and e/);
    // Names that are properties of every JS object are not functions or constants.
    expect(errorOf('constructor(x1)')).toMatch(/unknown function "constructor"/);
    expect(errorOf('toString')).toMatch(/unknown name "toString"/);
  });
});
