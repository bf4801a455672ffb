/**
 * Incremental detokenisation for streamed answers, as transformers' TextStreamer does it: decode the
 * whole growing sequence and emit only the new suffix. Decoding one token at a time is wrong for
 * SentencePiece (the decoder strips the "▁" of a lone piece, so "▁The ▁object" streams as "Theobject"),
 * for WordPiece (pieces are joined by spaces only between tokens) and for byte fallback (an emoji is
 * four `<0xXX>` pieces that decode to U+FFFD until the last one arrives).
 *
 * Held back until the next token (or `flush()`):
 *   - trailing U+FFFD: an incomplete UTF-8 / byte-fallback sequence;
 *   - with `trim` (the default, matching the final answers, which are trimmed): leading whitespace is
 *     dropped and trailing whitespace waits until something non-blank follows it.
 * So the concatenation of every `push` and the final `flush` equals `decode(all ids)` (trimmed with `trim`).
 */
import type { DecodeOptions, Tokenizer } from './tokenizer.js';

export interface TextStreamerOptions extends DecodeOptions {
  /** Emit the trimmed text (default true): the streamed text then equals `decode(ids).trim()`. */
  trim?: boolean;
}

export class TextStreamer {
  private readonly ids: number[] = [];
  /** Characters of the (left-trimmed) decoded text already emitted. */
  private emitted = 0;
  private readonly decodeOptions: DecodeOptions;
  private readonly trim: boolean;

  constructor(
    private readonly tokenizer: Pick<Tokenizer, 'decode'>,
    options: TextStreamerOptions = {},
  ) {
    this.decodeOptions = { skipSpecial: options.skipSpecial ?? true };
    this.trim = options.trim ?? true;
  }

  /** The ids pushed so far. */
  get tokens(): readonly number[] {
    return this.ids;
  }

  /** Adds one generated id; returns the text it makes printable (often '', never a broken character). */
  push(id: number): string {
    this.ids.push(id);
    const text = this.text();
    let end = text.length;
    while (end > this.emitted && text.charCodeAt(end - 1) === 0xfffd) end--;
    if (this.trim) while (end > this.emitted && /\s/.test(text[end - 1]!)) end--;
    return this.take(text, end);
  }

  /** Emits whatever was held back (call once generation has ended). */
  flush(): string {
    const text = this.trim ? this.text().trimEnd() : this.text();
    return this.take(text, text.length);
  }

  private text(): string {
    const text = this.ids.length ? this.tokenizer.decode(this.ids, this.decodeOptions) : '';
    return this.trim ? text.trimStart() : text;
  }

  private take(text: string, end: number): string {
    if (end <= this.emitted) return '';
    const out = text.slice(this.emitted, end);
    this.emitted = end;
    return out;
  }
}
