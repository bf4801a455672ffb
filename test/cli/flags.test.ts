import { numberFlag } from '../../src/cli/flags.js';

describe('numberFlag', () => {
  it('parses non-negative numbers and integers, undefined when absent', () => {
    expect(numberFlag('0.5', '--lr')).toBe(0.5);
    expect(numberFlag('30', '--max-new-tokens', { integer: true })).toBe(30);
    expect(numberFlag(undefined, '--lr')).toBeUndefined();
  });
  it('names the flag and the value it rejects', () => {
    expect(() => numberFlag('-1', '--alpha')).toThrow("--alpha must be a non-negative number, got '-1'");
    expect(() => numberFlag('2.5', '--steps', { integer: true })).toThrow("--steps must be a non-negative integer, got '2.5'");
    expect(() => numberFlag('', '--lr')).toThrow("--lr must be a non-negative number, got ''");
    expect(() => numberFlag('abc', '--beta')).toThrow("--beta must be a non-negative number, got 'abc'");
  });
});
