import { contrastiveFlag, earlyStopFlag, layersFlag, numberFlag } from '../../src/cli/flags.js';

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

describe('layersFlag', () => {
  it('reads all, last, single layers, ranges and lists', () => {
    expect(layersFlag(undefined, '--layers')).toBeUndefined();
    expect(layersFlag('all', '--layers')).toBe('all');
    expect(layersFlag('last', '--layers')).toEqual([-1]);
    expect(layersFlag('14-17', '--layers')).toEqual([14, 15, 16, 17]);
    expect(layersFlag('0,2-3,-1', '--layers')).toEqual([0, 2, 3, -1]);
  });
  it('rejects what it cannot read, naming the flag', () => {
    expect(() => layersFlag('3-1', '--pp-layers')).toThrow('--pp-layers 3-1: the range ends before it starts');
    expect(() => layersFlag('x', '--layers')).toThrow("--layers must be 'all', 'last', a layer, a range a-b or a comma list of those, got 'x'");
  });
});

describe('earlyStopFlag and contrastiveFlag', () => {
  it('read a value, off, or nothing', () => {
    expect(earlyStopFlag('25')).toBe(25);
    expect(earlyStopFlag('off')).toBeNull();
    expect(earlyStopFlag(undefined)).toBeUndefined();
    expect(contrastiveFlag('0.7,0.1')).toEqual({ alpha: 0.7, beta: 0.1 });
    expect(contrastiveFlag('off')).toBeNull();
    expect(contrastiveFlag(undefined)).toBeUndefined();
  });
  it('name the flag and the value they reject', () => {
    expect(() => contrastiveFlag('0.7')).toThrow("--contrastive must be alpha,beta (e.g. 0.7,0.1) or off, got '0.7'");
    expect(() => contrastiveFlag('0.7,x')).toThrow("--contrastive beta must be a number in (0, 1], got 'x'");
    expect(() => earlyStopFlag('-3')).toThrow('--early-stop must be');
  });
});
