/**
 * WAT for the float32 GEMM, BLIS-style: C[M,N] = A[M,K] · B[K,N].
 *
 * Blocking (all sizes are plain arguments, see `GemmConfig`):
 *   B is packed once into column panels of NR=8: for each K-block of KC rows starting at pc, panel jp
 *   holds B[pc:pc+kc, 8jp:8jp+8] as kc contiguous rows of 8 floats. A packed B of width nbPad
 *   (N rounded up to 8) therefore puts (pc, jp) at float offset pc·nbPad + 8·jp·kc.
 *   C is cut into blocks of rowChunk × colChunk (colChunk ≈ NC columns, so the K×NC slice of packed
 *   B stays in the last-level cache while every row block of C passes over it); threads claim the
 *   blocks dynamically (util.ts `claimLoop`), column-block-major, so concurrent claims share the
 *   same B slice. Per claimed block:
 *     for pc in K by KC                      (A block and one B panel live in L2 / L1)
 *       for ic in the block's rows by MC     pack A[ic:ic+mc, pc:pc+kc] into MR-row panels (kc×MR each)
 *         for jr in the block's columns by NR    one B panel (kc×8 floats, L1)
 *           for ir in mc by MR               micro-kernel: C[ir:ir+4, jr:jr+8] (+)= Ap · Bp
 *   A block's rows are repacked once per column block: M·K·(N/NC) scalar moves, small next to the
 *   2·M·N·K flops.
 *
 * The micro-kernel keeps a 4×8 tile of C in 8 f32x4 registers and does not unroll k (KU = 1). Both
 * choices come from how V8's optimising compiler (TurboFan) schedules the loop body: it issues every
 * load of an iteration first (they are ordered memory operations) and the fused multiply-adds after
 * them, so all loaded values are live at once. One k step of a 4×8 tile loads 2 B vectors and 4
 * broadcast A values: 8 accumulators + 6 = 14 of the 15 SIMD registers V8 allocates on x64, no spill.
 * The larger 6×8 tile (12 + 8) or any unroll spills to the stack inside the loop: 6×8 with KU = 4 ran
 * at 36 GFLOP/s on one thread where 4×8, KU = 1 runs at 54 (577×1024×1024, Zen 5, Node 20).
 * Edge tiles (fewer than MR rows or NR columns left) are computed into an MR×NR scratch tile and merged.
 */
import { ZERO } from './layout.js';
import { add, claimLoop, declare, fma, forLoop, get, i32, inc, min, mul, param, set, type EmitOptions } from './util.js';

export interface GemmConfig {
  /** rows of the register tile (MR) */
  mr: number;
  /** columns of the register tile, a multiple of 4 (NR) */
  nr: number;
  /** k unroll of the micro-kernel */
  ku: number;
  /** K block (rows of a packed B panel, columns of a packed A block) */
  kc: number;
  /** M block (rows of A packed at once) */
  mc: number;
  /** N block (columns of C per claimed block; the K×NC slice of packed B should fit the LLC) */
  nc: number;
}

/** 4×8, KU = 1: the tile that stays in registers under V8 (see the top of this file). */
export const defaultGemmConfig: GemmConfig = { mr: 4, nr: 8, ku: 1, kc: 256, mc: 144, nc: 1024 };

/** Bytes of per-thread scratch the GEMM needs: one packed A block plus one edge tile. */
export function gemmScratchBytes(c: GemmConfig): number {
  return 4 * (Math.ceil(c.mc / c.mr) * c.mr * c.kc + c.mr * c.nr) + 64;
}

/** The register-tile micro-kernel: C tile (+)= Ap(kc×MR) · Bp(kc×NR). `ldc` in bytes. */
function microKernel(c: GemmConfig, o: EmitOptions): string {
  const nv = c.nr / 4;
  const acc = (i: number, j: number) => `c${i}_${j}`;
  const accs: string[] = [];
  for (let i = 0; i < c.mr; i++) for (let j = 0; j < nv; j++) accs.push(acc(i, j));
  const bs = Array.from({ length: nv }, (_, j) => `b${j}`);
  const step = (u: number) => {
    const lines: string[] = [];
    for (let j = 0; j < nv; j++) lines.push(set(bs[j], `(v128.load offset=${(u * c.nr + 4 * j) * 4} ${get('b')})`));
    for (let i = 0; i < c.mr; i++) {
      lines.push(set('av', `(v128.load32_splat offset=${(u * c.mr + i) * 4} ${get('a')})`));
      for (let j = 0; j < nv; j++) lines.push(set(acc(i, j), fma(o, get('av'), get(bs[j]), get(acc(i, j)))));
    }
    return lines.join('\n      ');
  };
  const unrolled = Array.from({ length: c.ku }, (_, u) => step(u)).join('\n      ');
  const store: string[] = [];
  for (let i = 0; i < c.mr; i++) {
    for (let j = 0; j < nv; j++) {
      const at = `offset=${16 * j}`;
      store.push(`(if ${get('acc')} (then ${set(acc(i, j), `(f32x4.add (v128.load ${at} ${get('c')}) ${get(acc(i, j))})`)}))`);
      store.push(`(v128.store ${at} ${get('c')} ${get(acc(i, j))})`);
    }
    store.push(inc('c', get('ldc')));
  }
  const remainder = `;; remainder: kc mod KU single steps
    (local.set $k (i32.rem_u ${get('kc')} ${i32(c.ku)}))
    (if (local.get $k) (then (loop $rest
      ${step(0)}
      ${inc('a', c.mr * 4)}
      ${inc('b', c.nr * 4)}
      ${set('k', `(i32.sub ${get('k')} ${i32(1)})`)}
      (br_if $rest ${get('k')}))))`;
  return `
  (func $ukernel (param $a i32) (param $b i32) (param $kc i32) (param $c i32) (param $ldc i32) (param $acc i32)
    (local $k i32) ${declare(['av', ...bs, ...accs], 'v128')}
    ;; main loop: KU steps of k per trip (KU = 1: every step)
    (local.set $k (i32.div_u ${get('kc')} ${i32(c.ku)}))
    (if (local.get $k) (then (loop $main
      ${unrolled}
      ${inc('a', c.ku * c.mr * 4)}
      ${inc('b', c.ku * c.nr * 4)}
      ${set('k', `(i32.sub ${get('k')} ${i32(1)})`)}
      (br_if $main ${get('k')}))))
    ${c.ku > 1 ? remainder : ''}
    ${store.join('\n    ')})`;
}

/**
 * Packs rows [ic, ic+mc) × cols [pc, pc+kc) of A (element (i,k) at A + 4(i·sam + k·sak)) into
 * MR-row panels at dst: panel r holds kc groups of MR values. Rows past the end read the zero
 * area with step 0, so the last panel is zero-padded without per-element branches.
 */
function packA(c: GemmConfig): string {
  const rows = Array.from({ length: c.mr }, (_, i) => i);
  const setRow = (i: number) => `
      (if (i32.lt_s (i32.add (local.get $r) ${i32(i)}) (local.get $mc))
        (then ${set(`p${i}`, add(get('A'), mul(i32(4), add(mul(add(add(get('ic'), get('r')), i32(i)), get('sam')), mul(get('pc'), get('sak'))))))}
              ${set(`s${i}`, mul(i32(4), get('sak')))})
        (else ${set(`p${i}`, i32(ZERO))} ${set(`s${i}`, i32(0))}))`;
  const copyStep = rows.map((i) => `(f32.store offset=${4 * i} ${get('dst')} (f32.load ${get(`p${i}`)})) ${inc(`p${i}`, get(`s${i}`))}`).join('\n        ');
  return `
  (func $pack_a (param $A i32) (param $sam i32) (param $sak i32) (param $ic i32) (param $mc i32) (param $pc i32) (param $kc i32) (param $dst i32)
    (local $r i32) (local $kk i32) ${declare(rows.map((i) => `p${i}`), 'i32')} ${declare(rows.map((i) => `s${i}`), 'i32')}
    ${forLoop('r', i32(0), get('mc'), c.mr, `${rows.map(setRow).join('')}
      ${forLoop('kk', i32(0), get('kc'), 1, `${copyStep}
        ${inc('dst', c.mr * 4)}`)}`)})`;
}

/** C[0:mr, 0:nr] (+)= tile (MR×NR, contiguous); used for edge tiles. `ldc` in bytes. */
function mergeTile(c: GemmConfig): string {
  return `
  (func $merge (param $tile i32) (param $c i32) (param $ldc i32) (param $mr i32) (param $nr i32) (param $acc i32)
    (local $i i32) (local $j i32) (local $src i32) (local $dst i32)
    ${forLoop('i', i32(0), get('mr'), 1, `
      ${set('src', add(get('tile'), mul(get('i'), i32(c.nr * 4))))}
      ${set('dst', add(get('c'), mul(get('i'), get('ldc'))))}
      ${forLoop('j', i32(0), get('nr'), 1, `
        (f32.store ${get('dst')} (f32.add (f32.load ${get('src')}) (select (f32.load ${get('dst')}) (f32.const 0) ${get('acc')})))
        ${inc('src', 4)} ${inc('dst', 4)}`)}`)})`;
}

/**
 * Thread entry `gemm(tid, nth, p)`. Parameter words at p:
 *   0 A (byte address)   1 sam   2 sak     (element strides of A's rows and columns)
 *   3 Bp (packed B)      4 nbPad (packed width, multiple of NR)
 *   5 C (byte address)   6 ldc (elements)
 *   7 M  8 N  9 K
 *   10 scratch (byte address of thread 0's scratch)  11 scratch bytes per thread
 *   12 rowChunk: rows of a claimed block (a multiple of MR)
 *   13 colChunk: columns of a claimed block (a multiple of NR)
 *   14 batch: products computed by this dispatch (C_b = A_b · B_b; 1 for one product)
 *   15 A's, 16 packed B's, 17 C's byte stride between batch items
 * Threads claim blocks over all batch items, so a batch of small products (the attention's heads)
 * is one dispatch instead of one per head.
 */
function gemmEntry(c: GemmConfig): string {
  const names = ['A0', 'sam', 'sak', 'Bp0', 'nbPad', 'C0', 'ldc', 'M', 'N', 'K', 'scratch', 'stride', 'rowChunk', 'colChunk', 'batch', 'sa', 'sb', 'sc'];
  const locals = ['nIc', 'perItem', 'item', 'A', 'Bp', 'C', 'm0', 'm1', 'n0', 'n1', 'lo', 'hi', 'ap', 'tile', 'pc', 'kc', 'ic', 'mc', 'jr', 'nr', 'ir', 'mr', 'bpanel', 'cptr', 'first'];
  return `
  (func $gemm (export "gemm") (param $tid i32) (param $nth i32) (param $p i32)
    ${declare([...names, ...locals], 'i32')}
    ${names.map((n, i) => set(n, param(i))).join('\n    ')}
    ${set('ap', add(get('scratch'), mul(get('tid'), get('stride'))))}
    ${set('tile', add(get('ap'), i32(4 * Math.ceil(c.mc / c.mr) * c.mr * c.kc)))}
    ${set('nIc', `(i32.div_u (i32.add ${get('M')} (i32.sub ${get('rowChunk')} (i32.const 1))) ${get('rowChunk')})`)}
    ${set('perItem', mul(get('nIc'), `(i32.div_u (i32.add ${get('N')} (i32.sub ${get('colChunk')} (i32.const 1))) ${get('colChunk')})`))}
    ${claimLoop(mul(get('batch'), get('perItem')), i32(1), 'lo', 'hi', `
    ${set('item', `(i32.div_u ${get('lo')} ${get('perItem')})`)}
    ${set('A', add(get('A0'), mul(get('item'), get('sa'))))}
    ${set('Bp', add(get('Bp0'), mul(get('item'), get('sb'))))}
    ${set('C', add(get('C0'), mul(get('item'), get('sc'))))}
    ${set('lo', `(i32.rem_u ${get('lo')} ${get('perItem')})`)}
    ${set('m0', mul(`(i32.rem_u ${get('lo')} ${get('nIc')})`, get('rowChunk')))} ${set('m1', min(get('M'), add(get('m0'), get('rowChunk'))))}
    ${set('n0', mul(`(i32.div_u ${get('lo')} ${get('nIc')})`, get('colChunk')))} ${set('n1', min(get('N'), add(get('n0'), get('colChunk'))))}
    ${forLoop('pc', i32(0), get('K'), c.kc, `
      ${set('kc', min(i32(c.kc), `(i32.sub ${get('K')} ${get('pc')})`))}
      ${set('first', `(i32.eqz ${get('pc')})`)}
      ${forLoop('ic', get('m0'), get('m1'), c.mc, `
        ${set('mc', min(i32(c.mc), `(i32.sub ${get('m1')} ${get('ic')})`))}
        (call $pack_a ${get('A')} ${get('sam')} ${get('sak')} ${get('ic')} ${get('mc')} ${get('pc')} ${get('kc')} ${get('ap')})
        ${forLoop('jr', get('n0'), get('n1'), c.nr, `
          ${set('nr', min(i32(c.nr), `(i32.sub ${get('N')} ${get('jr')})`))}
          ${set('bpanel', add(get('Bp'), mul(i32(4), add(mul(get('pc'), get('nbPad')), mul(get('jr'), get('kc'))))))}
          ${forLoop('ir', i32(0), get('mc'), c.mr, `
            ${set('mr', min(i32(c.mr), `(i32.sub ${get('mc')} ${get('ir')})`))}
            ${set('cptr', add(get('C'), mul(i32(4), add(mul(add(get('ic'), get('ir')), get('ldc')), get('jr')))))}
            (if (i32.and (i32.eq ${get('mr')} ${i32(c.mr)}) (i32.eq ${get('nr')} ${i32(c.nr)}))
              (then (call $ukernel ${add(get('ap'), mul(i32(4), mul(get('ir'), get('kc'))))} ${get('bpanel')} ${get('kc')} ${get('cptr')} ${mul(get('ldc'), i32(4))} (i32.eqz ${get('first')})))
              (else
                (call $ukernel ${add(get('ap'), mul(i32(4), mul(get('ir'), get('kc'))))} ${get('bpanel')} ${get('kc')} ${get('tile')} ${i32(c.nr * 4)} ${i32(0)})
                (call $merge ${get('tile')} ${get('cptr')} ${mul(get('ldc'), i32(4))} ${get('mr')} ${get('nr')} (i32.eqz ${get('first')}))))`)}`)}`)}`)}`)})`;
}

/**
 * Thread entries `pack_b_<format>(tid, nth, p)`: B (element (k,n) at src + e·(k·ssk + n·ssn), e the
 * element size) → packed panels (layout at the top of this file). Threads claim chunks of 4 panels of one item.
 * Formats: f32; f16 and bf16 bit patterns (u16), widened to f32 while packing.
 * Parameter words: 0 src  1 ssk  2 ssn  3 K  4 N  5 dst  6 nbPad  7 batch (B matrices packed one after
 * another)  8 src's and 9 dst's byte stride between them.
 */
function packB(c: GemmConfig, format: 'f32' | 'f16' | 'bf16'): string {
  const e = format === 'f32' ? 4 : 2;
  const cols = Array.from({ length: c.nr }, (_, j) => j);
  const load = (ptr: string) => widenScalar(format, ptr);
  const names = ['src0', 'ssk', 'ssn', 'K', 'N', 'dst0', 'nbPad', 'batch', 'ss', 'sd'];
  const setCol = (j: number) => `
        (if (i32.lt_s (i32.add (local.get $n) ${i32(j)}) (local.get $N))
          (then ${set(`q${j}`, add(get('src'), mul(i32(e), add(mul(add(get('n'), i32(j)), get('ssn')), mul(get('pc'), get('ssk'))))))}
                ${set(`t${j}`, mul(i32(e), get('ssk')))})
          (else ${set(`q${j}`, i32(ZERO))} ${set(`t${j}`, i32(0))}))`;
  const copyStep = cols.map((j) => `(f32.store offset=${4 * j} ${get('out')} ${load(get(`q${j}`))}) ${inc(`q${j}`, get(`t${j}`))}`).join('\n          ');
  return `
  (func $pack_b_${format} (export "pack_b_${format}") (param $tid i32) (param $nth i32) (param $p i32)
    ${declare([...names, 'src', 'dst', 'panels', 'item', 'lo', 'hi', 'jp', 'n', 'pc', 'kc', 'kk', 'out'], 'i32')}
    ${declare(cols.map((j) => `q${j}`), 'i32')} ${declare(cols.map((j) => `t${j}`), 'i32')}
    ${format !== 'f32' && c.nr === 8 ? declare([...cols.map((j) => `r${j}`), ...cols.map((j) => `a${j}`)], 'v128') : ''}
    ${names.map((n, i) => set(n, param(i))).join('\n    ')}
    ;; a claim is 4 panels of one item
    ${set('panels', `(i32.div_u (i32.add (i32.div_u ${get('nbPad')} ${i32(c.nr)}) (i32.const 3)) (i32.const 4))`)}
    ${claimLoop(mul(get('batch'), get('panels')), i32(1), 'lo', 'hi', `
      ${set('item', `(i32.div_u ${get('lo')} ${get('panels')})`)}
      ${set('src', add(get('src0'), mul(get('item'), get('ss'))))}
      ${set('dst', add(get('dst0'), mul(get('item'), get('sd'))))}
      ${set('lo', mul(`(i32.rem_u ${get('lo')} ${get('panels')})`, i32(4)))}
      ${set('hi', min(add(get('lo'), i32(4)), `(i32.div_u ${get('nbPad')} ${i32(c.nr)})`))}
      ${forLoop('jp', get('lo'), get('hi'), 1, `
      ${set('n', mul(get('jp'), i32(c.nr)))}
      ${forLoop('pc', i32(0), get('K'), c.kc, `
        ${set('kc', min(i32(c.kc), `(i32.sub ${get('K')} ${get('pc')})`))}
        ${set('out', add(get('dst'), mul(i32(4), add(mul(get('pc'), get('nbPad')), mul(get('n'), get('kc'))))))}
        ${cols.map(setCol).join('')}
        ${set('kk', i32(0))}
        ${format !== 'f32' && c.nr === 8 ? transposedHalves(format) : ''}
        ${forLoop('kk', get('kk'), get('kc'), 1, `${copyStep}
          ${inc('out', c.nr * 4)}`)}`)}`)}`)})`;
}

/** i8x16.shuffle lane lists: interleave the low or high halves of a and b in units of `bytes`. */
const unpack = (bytes: 2 | 4 | 8, high: boolean) => {
  const lanes: number[] = [];
  for (let u = 0; u < 16 / (2 * bytes); u++) for (const from of [0, 16]) for (let b = 0; b < bytes; b++) lanes.push(from + (high ? 8 : 0) + u * bytes + b);
  return lanes.join(' ');
};
const shuffle = (bytes: 2 | 4 | 8, high: boolean, a: string, b: string) => `(i8x16.shuffle ${unpack(bytes, high)} ${get(a)} ${get(b)})`;

/**
 * The fast path of pack_b_f16 / bf16 where the 8 columns of a panel are 8 whole rows of W, each
 * contiguous along k (a Linear weight, x·Wᵀ): 8 k-steps at a time, one 16-byte load per row, an 8×8
 * transpose of the 16-bit lanes (three rounds of interleaves), and each k's 8 values widened to two
 * f32x4 — where the scalar loop does a load, a widening and a store per value. Leaves kk at the first
 * k it did not pack (the scalar loop does the rest).
 */
function transposedHalves(format: 'f16' | 'bf16'): string {
  const rows = Array.from({ length: 8 }, (_, j) => j);
  const widen = (v: string, high: boolean) => {
    const bits = `(i32x4.extend_${high ? 'high' : 'low'}_i16x8_u ${v})`;
    if (format === 'bf16') return `(i32x4.shl ${bits} (i32.const 16))`;
    return `(f32x4.mul (v128.and (i32x4.shr_s (i32x4.shl ${bits} (i32.const 16)) (i32.const 3)) (v128.const i32x4 0x8fffe000 0x8fffe000 0x8fffe000 0x8fffe000)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112))`;
  };
  // round 1: 16-bit interleaves of row pairs; round 2: 32-bit; round 3: 64-bit, giving column k of all 8 rows
  const round1 = [0, 2, 4, 6].flatMap((j) => [set(`a${j}`, shuffle(2, false, `r${j}`, `r${j + 1}`)), set(`a${j + 1}`, shuffle(2, true, `r${j}`, `r${j + 1}`))]);
  const round2 = [[0, 0, 2], [2, 1, 3], [4, 4, 6], [6, 5, 7]].flatMap(([o, x, y]) => [set(`r${o}`, shuffle(4, false, `a${x}`, `a${y}`)), set(`r${o + 1}`, shuffle(4, true, `a${x}`, `a${y}`))]);
  const round3 = [[0, 0, 4], [2, 1, 5], [4, 2, 6], [6, 3, 7]].flatMap(([o, x, y]) => [set(`a${o}`, shuffle(8, false, `r${x}`, `r${y}`)), set(`a${o + 1}`, shuffle(8, true, `r${x}`, `r${y}`))]);
  const stores = rows.flatMap((k) => [`(v128.store offset=${32 * k} ${get('out')} ${widen(get(`a${k}`), false)})`, `(v128.store offset=${32 * k + 16} ${get('out')} ${widen(get(`a${k}`), true)})`]);
  return `
        (if (i32.and (i32.eq ${get('ssk')} (i32.const 1)) (i32.le_s (i32.add ${get('n')} (i32.const 8)) ${get('N')})) (then
          (block $Bt (loop $Lt
            (br_if $Bt (i32.gt_s (i32.add ${get('kk')} (i32.const 8)) ${get('kc')}))
            ${rows.map((j) => `${set(`r${j}`, `(v128.load ${get(`q${j}`)})`)} ${inc(`q${j}`, 16)}`).join('\n            ')}
            ${[...round1, ...round2, ...round3].join('\n            ')}
            ${stores.join('\n            ')}
            ${inc('out', 256)} ${inc('kk', 8)}
            (br $Lt)))))`;
}

/**
 * One stored weight value at `ptr` as an f32 expression. f16: move the 15 magnitude bits into f32
 * position (sign-extend, shift, mask), then multiply by 2^112 to rebias the exponent (15 → 127);
 * exact for normals, subnormals and zero. bf16: the upper half of an f32.
 */
export function widenScalar(format: 'f32' | 'f16' | 'bf16', ptr: string): string {
  if (format === 'f32') return `(f32.load ${ptr})`;
  if (format === 'bf16') return `(f32.reinterpret_i32 (i32.shl (i32.load16_u ${ptr}) (i32.const 16)))`;
  return `(f32.mul (f32.reinterpret_i32 (i32.and (i32.shr_s (i32.shl (i32.load16_u ${ptr}) (i32.const 16)) (i32.const 3)) (i32.const 0x8fffe000))) (f32.const 0x1p112))`;
}

export function emitGemm(c: GemmConfig, o: EmitOptions): string {
  if (c.nr % 4 !== 0) throw new Error(`gemm: NR must be a multiple of 4, got ${c.nr}`);
  if (c.mr * (c.nr / 4) + c.nr / 4 + 1 > 16) throw new Error(`gemm: a ${c.mr}×${c.nr} tile needs more than 16 SIMD registers`);
  return [microKernel(c, o), packA(c), mergeTile(c), gemmEntry(c), packB(c, 'f32'), packB(c, 'f16'), packB(c, 'bf16')].join('\n');
}
