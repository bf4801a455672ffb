/** The progress line: runs, percent, questions, elapsed time and an ETA from the mean time per run. */
import { Progress } from '../../src/eval/progress.js';

describe('Progress', () => {
  test('counts runs and questions, redraws in place, ETA from the runs done so far', () => {
    const out: string[] = [];
    const p = new Progress(8, 2, (s) => out.push(s));
    expect(p.line()).toMatch(/^\[ {24}\] 0\/8 runs \(0 %\), 0\/4 questions, 0 s, eta \? s$/);
    p.tick();
    p.tick();
    p.tick();
    expect(out).toHaveLength(3);
    expect(out[2]).toMatch(/^\r\[=+> +\] 3\/8 runs \(38 %\), 1\/4 questions, \d+ s, eta \d+ s $/);
    p.finish();
    expect(out[3]).toBe('\n');
  });
});
