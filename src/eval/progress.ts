/**
 * A one-line progress bar with elapsed time and ETA, redrawn in place on stderr:
 *   [=========>          ] 12/40 runs (30 %), 3/10 questions, 41 s, eta 95 s
 * The ETA extrapolates the mean time per run of this process (resumed runs are not counted).
 */
export class Progress {
  private done = 0;
  private readonly t0 = performance.now();

  constructor(
    private readonly total: number,
    private readonly perQuestion: number,
    private readonly write: (s: string) => void,
  ) {}

  tick(): void {
    this.done++;
    this.write(`\r${this.line()} `);
  }

  line(): string {
    const s = (performance.now() - this.t0) / 1000;
    const eta = this.done ? (s / this.done) * (this.total - this.done) : NaN;
    const width = 24;
    const filled = this.total ? Math.round((width * this.done) / this.total) : width;
    const bar = `${'='.repeat(Math.max(0, filled - 1))}${filled ? '>' : ''}`.padEnd(width);
    const pct = this.total ? Math.round((100 * this.done) / this.total) : 100;
    const questions = `${Math.floor(this.done / this.perQuestion)}/${Math.ceil(this.total / this.perQuestion)} questions`;
    return `[${bar}] ${this.done}/${this.total} runs (${pct} %), ${questions}, ${s.toFixed(0)} s, eta ${Number.isNaN(eta) ? '?' : eta.toFixed(0)} s`;
  }

  finish(): void {
    if (this.done) this.write('\n');
  }

  get seconds(): number {
    return (performance.now() - this.t0) / 1000;
  }
}
