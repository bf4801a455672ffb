/**
 * Reading fields of one JSON record with errors that name the file, line and field ("q.json line 3:
 * missing \"text\""). Shared by the question readers.
 */
export type Json = Record<string, unknown>;

export class Fields {
  constructor(
    readonly rec: Json,
    readonly where: string,
  ) {}

  static of(rec: unknown, where: string): Fields {
    if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) throw new Error(`${where}: expected a JSON object`);
    return new Fields(rec as Json, where);
  }

  has(name: string): boolean {
    return this.rec[name] !== undefined && this.rec[name] !== null;
  }

  /** The first of `names` present (aliases), or undefined. */
  first(names: readonly string[]): unknown {
    for (const n of names) if (this.has(n)) return this.rec[n];
    return undefined;
  }

  /** A non-empty string from the first of `names` present. */
  str(names: readonly string[]): string {
    const v = this.first(names);
    if (typeof v !== 'string' || v === '') throw new Error(`${this.where}: missing "${names[0]}"${names.length > 1 ? ` (one of ${names.join(', ')})` : ''}`);
    return v;
  }

  /** A string or a number (ids). */
  id(name: string): string | number {
    const v = this.rec[name];
    if (typeof v !== 'string' && typeof v !== 'number') throw new Error(`${this.where}: missing "${name}"`);
    return v;
  }

  /** A list of strings; [] when absent. */
  strings(name: string): string[] {
    const v = this.rec[name];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`${this.where}: "${name}" must be a list of strings`);
    return v as string[];
  }

  /** Exactly `count` finite numbers. */
  numbers(v: unknown, count: number, what: string): number[] {
    if (!Array.isArray(v) || v.length !== count || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new Error(`${this.where}: ${what}: expected ${count} numbers, got ${JSON.stringify(v)}`);
    }
    return v as number[];
  }

  box(names: readonly string[]): [number, number, number, number] | undefined {
    const v = this.first(names);
    return v === undefined ? undefined : (this.numbers(v, 4, names[0]) as [number, number, number, number]);
  }

  point(names: readonly string[]): [number, number] | undefined {
    const v = this.first(names);
    return v === undefined ? undefined : (this.numbers(v, 2, names[0]) as [number, number]);
  }

  /** A list of [x, y]; undefined when absent or empty (ScreenSpot stores `"scribble": []`). */
  points(names: readonly string[]): Array<[number, number]> | undefined {
    const v = this.first(names);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) throw new Error(`${this.where}: ${names[0]} must be a list of [x, y]`);
    return v.length ? v.map((p, i) => this.numbers(p, 2, `${names[0]}[${i}]`) as [number, number]) : undefined;
  }
}

/** The records of a question file: a JSON array, {"questions": [...]}, {"test": [...], ...}, or JSON Lines. */
export function jsonRecords(text: string, file: string): { records: unknown[]; where: (i: number) => string; whole?: Json } {
  const trimmed = text.trim();
  let v: unknown;
  try {
    v = JSON.parse(trimmed);
  } catch (e) {
    // Not one JSON value: JSON Lines, unless it clearly meant to be an array.
    if (trimmed.startsWith('[')) throw new Error(`${file}: malformed JSON (${(e as Error).message})`);
  }
  if (v !== undefined) {
    if (Array.isArray(v)) return { records: v, where: (i) => `${file} [${i}]` };
    const whole = Fields.of(v, file).rec;
    if (Array.isArray(whole.questions)) return { records: whole.questions, where: (i) => `${file} [${i}]` };
    return { records: [whole], where: () => `${file} line 1`, whole };
  }
  const lines = trimmed.split('\n');
  const records: unknown[] = [];
  const lineOf: number[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      records.push(JSON.parse(line));
    } catch (e) {
      throw new Error(`${file} line ${i + 1}: malformed JSON (${(e as Error).message})`);
    }
    lineOf.push(i + 1);
  });
  return { records, where: (i) => `${file} line ${lineOf[i]}` };
}
