import { F32, I32, op, V128, type FunctionSpec } from './encode';

/**
 * The attention encoder's element-wise passes in WebAssembly SIMD (ppo/hostEncoder.ts): bias,
 * residual and relu after a product, the relu's gradient, softmax and layer norm with their backward
 * passes. In JavaScript they took half of a gradient step, as much as the products (docs/PERFORMANCE.md);
 * here each is one pass over four lanes at a time. They are functions of adamKernel.ts's module, so they
 * share its memory. Pointers are byte offsets, 16-byte aligned; counts are floats; rows of `width`
 * floats are padded to `widthPad`, a multiple of 4, and padding lanes come out zero.
 */
export interface EncoderExports {
  /** out[r, ·] += bias, over rows × cols. */
  addBias(out: number, bias: number, rows: number, cols: number): void;
  /** out[r, ·] += bias + residual[r, ·]. */
  addBiasResidual(out: number, bias: number, rows: number, cols: number, residual: number): void;
  /** out[r, ·] ← max(out[r, ·] + bias, 0). */
  addBiasRelu(out: number, bias: number, rows: number, cols: number): void;
  /** dz ← dz where a > 0, else 0, over n floats. */
  reluGradient(dz: number, a: number, n: number): void;
  /**
   * Scores [Lp × Lp] to attention weights in place: rows below L get softmax(scale · s) over their
   * first L entries and zeros after; the rows from L on are zeroed.
   */
  softmax(p: number, L: number, Lp: number, scale: number): void;
  /** dS = scale · P ⊙ (dP − Σⱼ P·dP) in place of dP, over `rows` rows of Lp. */
  softmaxBackward(p: number, dP: number, rows: number, Lp: number, scale: number): void;
  /**
   * y = (x − mean) / √(var + ε) · γ + β per row of `width` values, γ and β padded at gb (γ then β,
   * widthPad each); each row's mean and 1/σ go to stats[2r], stats[2r + 1].
   */
  layerNorm(x: number, y: number, gb: number, stats: number, rows: number, width: number, widthPad: number, epsilon: number): void;
  /**
   * From dy: dx += (1/σ)·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·γ, and dγ, dβ added at dgb (laid
   * out as gb) — the caller zeroes them first.
   */
  layerNormBackward(
    x: number,
    dy: number,
    dx: number,
    gb: number,
    stats: number,
    dgb: number,
    rows: number,
    width: number,
    widthPad: number,
  ): void;
}

type Code = number[];

/** while (ptr < end) { body; step } */
function whileBelow(ptr: number, end: number, body: Code, step: Code): Code {
  return [
    ...op.block,
    ...op.loop,
    ...op.get(ptr),
    ...op.get(end),
    ...op.i32GeU,
    ...op.brIf(1),
    ...body,
    ...step,
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
}

/** local += bytes (a constant, or code leaving an i32). */
function advance(local: number, bytes: number | Code): Code {
  return [...op.get(local), ...(typeof bytes === 'number' ? op.i32Const(bytes) : bytes), ...op.i32Add, ...op.set(local)];
}

const splatted = (x: number): Code => [...op.f32Const(x), ...op.splat];

/** The four lanes of v combined left to right with `combine` (f32.add, f32.max): a scalar on the stack. */
function acrossLanes(v: number, combine: Code): Code {
  return [...op.get(v), ...op.lane(0), ...[1, 2, 3].flatMap((i) => [...op.get(v), ...op.lane(i), ...combine])];
}

/** Lanes of the last group of a padded row that hold values: lane i < width − (widthPad − 4). */
function tailMask(width: number, widthPad: number): Code {
  return [
    ...op.i32x4Const([0, 1, 2, 3]),
    ...op.get(width),
    ...op.get(widthPad),
    ...op.i32Sub,
    ...op.i32Const(4),
    ...op.i32Add,
    ...op.i32x4Splat,
    ...op.i32x4LtS,
  ];
}

/** address + count·4 bytes, for a count in floats. */
const floatsAfter = (address: Code, count: Code): Code => [...address, ...count, ...op.i32Const(2), ...op.i32Shl, ...op.i32Add];

/**
 * exp over four lanes as Cephes' expf (S. L. Moshier): x = n·ln2 + r, e^r by a degree-5 polynomial on
 * |r| ≤ ln2/2, 2ⁿ by building the float's exponent. Within 1.9e-7 relative of Math.exp on [−87, 0]
 * in a sweep of 300,000 points (encoderKernels.test.ts holds softmax to 1e-6); inputs are clamped to
 * [−87.3, 88], so e^−∞ comes out ~1e-38, not 0.
 * n is rounded by adding 1.5·2²³, which leaves it in the low bits of the sum's pattern: wasm's
 * nearest and float-to-int conversion, like its min and max, are several x64 instructions each.
 */
const SHIFTER = 12_582_912;
const EXP_CONSTANTS = [
  -87.33654,
  88,
  1.4426950408889634,
  SHIFTER,
  0.693359375,
  -2.1219444e-4,
  1.98756915e-4,
  1.3981999507e-3,
  8.3334519073e-3,
  4.1665795894e-2,
  1.6666665459e-1,
  5.0000001201e-1,
  1,
];
/** Locals the exp needs: EXP_CONSTANTS, the integer from the shifted sum's pattern to 2ⁿ's, and two temporaries. */
const EXP_LOCALS = EXP_CONSTANTS.length + 3;

function expSetup(base: number): Code {
  // The sum's pattern is SHIFTER's (0x4b400000) plus n; 2ⁿ's exponent field is n + 127.
  return [
    ...EXP_CONSTANTS.flatMap((c, i) => [...splatted(c), ...op.set(base + i)]),
    ...op.i32Const(127 - 0x4b400000),
    ...op.i32x4Splat,
    ...op.set(base + EXP_CONSTANTS.length),
  ];
}

/** e^x of the v128 in local x (clobbered), left on the stack. */
function exp(x: number, base: number): Code {
  const [lo, hi, log2e, shifter, c1, c2, p0, p1, p2, p3, p4, p5, one, exponent] = Array.from(
    { length: EXP_CONSTANTS.length + 1 },
    (_, i) => base + i,
  );
  const shifted = base + EXP_CONSTANTS.length + 1;
  const n = shifted + 1;
  const horner = [p1, p2, p3, p4, p5].flatMap((p) => [...op.get(x), ...op.mul, ...op.get(p), ...op.add]);
  return [
    ...op.get(x),
    ...op.get(lo),
    ...op.pmax,
    ...op.get(hi),
    ...op.pmin,
    ...op.tee(x),
    ...op.get(log2e),
    ...op.mul,
    ...op.get(shifter),
    ...op.add,
    ...op.tee(shifted),
    ...op.get(shifter),
    ...op.sub,
    ...op.set(n),
    // r = x − n·C1 − n·C2, C1 + C2 = ln 2 split so n·C1 is exact.
    ...op.get(x),
    ...op.get(n),
    ...op.get(c1),
    ...op.mul,
    ...op.sub,
    ...op.get(n),
    ...op.get(c2),
    ...op.mul,
    ...op.sub,
    ...op.set(x),
    ...op.get(p0),
    ...horner,
    ...op.get(x),
    ...op.get(x),
    ...op.mul,
    ...op.mul,
    ...op.get(x),
    ...op.add,
    ...op.get(one),
    ...op.add,
    // · 2ⁿ, whose bit pattern is (n + 127) << 23.
    ...op.get(shifted),
    ...op.get(exponent),
    ...op.i32x4Add,
    ...op.i32Const(23),
    ...op.i32x4Shl,
    ...op.mul,
  ];
}

type BiasKind = 'plain' | 'residual' | 'relu';

function biasFunction(name: string, kind: BiasKind): FunctionSpec {
  // params 0 out, 1 bias, 2 rows, 3 cols, (4 residual); locals (i32) end, rowEnd, q; (v128) zero.
  const [out, bias, rows, cols] = [0, 1, 2, 3];
  const residual = 4;
  const first = kind === 'residual' ? 5 : 4;
  const [end, rowEnd, q, zero] = [first, first + 1, first + 2, first + 3];
  const value = [
    ...op.get(out),
    ...op.load,
    ...op.get(q),
    ...op.load,
    ...op.add,
    ...(kind === 'residual' ? [...op.get(residual), ...op.load, ...op.add] : []),
    ...(kind === 'relu' ? [...op.get(zero), ...op.pmax] : []),
  ];
  const row = [
    ...floatsAfter(op.get(out), op.get(cols)),
    ...op.set(rowEnd),
    ...op.get(bias),
    ...op.set(q),
    ...whileBelow(
      out,
      rowEnd,
      [...op.get(out), ...value, ...op.store],
      [...advance(out, 16), ...advance(q, 16), ...(kind === 'residual' ? advance(residual, 16) : [])],
    ),
  ];
  return {
    name,
    params: kind === 'residual' ? [I32, I32, I32, I32, I32] : [I32, I32, I32, I32],
    results: [],
    locals: [
      [3, I32],
      [1, V128],
    ],
    code: [
      ...floatsAfter(op.get(out), [...op.get(rows), ...op.get(cols), ...op.i32Mul]),
      ...op.set(end),
      ...splatted(0),
      ...op.set(zero),
      ...whileBelow(out, end, row, []),
    ],
  };
}

function reluGradientFunction(): FunctionSpec {
  // params 0 dz, 1 a, 2 n; locals 3 end (i32), 4 zero (v128).
  const [dz, a, n, end, zero] = [0, 1, 2, 3, 4];
  return {
    name: 'reluGradient',
    params: [I32, I32, I32],
    results: [],
    locals: [
      [1, I32],
      [1, V128],
    ],
    code: [
      ...floatsAfter(op.get(dz), op.get(n)),
      ...op.set(end),
      ...splatted(0),
      ...op.set(zero),
      ...whileBelow(
        dz,
        end,
        [...op.get(dz), ...op.get(dz), ...op.load, ...op.get(a), ...op.load, ...op.get(zero), ...op.gt, ...op.and, ...op.store],
        [...advance(dz, 16), ...advance(a, 16)],
      ),
    ],
  };
}

function softmaxFunction(): FunctionSpec {
  // params 0 p, 1 L, 2 Lp, 3 scale (f32);
  // locals (i32) 4 row, 5 rowEnd, 6 last, 7 q, 8 end, 9 allEnd;
  // (v128) 10 mask, 11 m, 12 x, 13 sum, 14 scale, 15 −∞, 16… the exp's.
  const [p, L, Lp, scale] = [0, 1, 2, 3];
  const [row, rowEnd, last, q, end, allEnd] = [4, 5, 6, 7, 8, 9];
  const [mask, m, x, sum, scaleV, minusInf, expBase] = [10, 11, 12, 13, 14, 15, 16];
  const shifted = (at: Code) => [...at, ...op.load, ...op.get(m), ...op.sub, ...op.get(scaleV), ...op.mul, ...op.set(x)];
  const softmaxRow = [
    ...floatsAfter(op.get(row), op.get(Lp)),
    ...op.tee(rowEnd),
    ...op.i32Const(16),
    ...op.i32Sub,
    ...op.set(last),
    // The row's maximum over its first L entries.
    ...op.get(minusInf),
    ...op.set(m),
    ...op.get(row),
    ...op.set(q),
    ...whileBelow(q, last, [...op.get(m), ...op.get(q), ...op.load, ...op.pmax, ...op.set(m)], advance(q, 16)),
    ...op.get(m),
    ...op.get(last),
    ...op.load,
    ...op.get(minusInf),
    ...op.get(mask),
    ...op.bitselect,
    ...op.pmax,
    ...op.set(m),
    ...acrossLanes(m, op.f32Max),
    ...op.splat,
    ...op.set(m),
    // e^(scale·(s − max)), and their sum.
    ...splatted(0),
    ...op.set(sum),
    ...op.get(row),
    ...op.set(q),
    ...whileBelow(
      q,
      last,
      [
        ...shifted(op.get(q)),
        ...op.get(q),
        ...exp(x, expBase),
        ...op.tee(x),
        ...op.store,
        ...op.get(sum),
        ...op.get(x),
        ...op.add,
        ...op.set(sum),
      ],
      advance(q, 16),
    ),
    ...shifted(op.get(last)),
    ...op.get(last),
    ...exp(x, expBase),
    ...op.get(mask),
    ...op.and,
    ...op.tee(x),
    ...op.store,
    ...op.get(sum),
    ...op.get(x),
    ...op.add,
    ...op.set(sum),
    ...op.f32Const(1),
    ...acrossLanes(sum, op.f32Add),
    ...op.f32Div,
    ...op.splat,
    ...op.set(sum),
    ...op.get(row),
    ...op.set(q),
    ...whileBelow(q, rowEnd, [...op.get(q), ...op.get(q), ...op.load, ...op.get(sum), ...op.mul, ...op.store], advance(q, 16)),
    ...op.get(rowEnd),
    ...op.set(row),
  ];
  return {
    name: 'softmax',
    params: [I32, I32, I32, F32],
    results: [],
    locals: [
      [6, I32],
      [6 + EXP_LOCALS, V128],
    ],
    code: [
      ...tailMask(L, Lp),
      ...op.set(mask),
      ...op.get(scale),
      ...op.splat,
      ...op.set(scaleV),
      ...splatted(-Infinity),
      ...op.set(minusInf),
      ...expSetup(expBase),
      ...op.get(p),
      ...op.set(row),
      // end = p + L·Lp floats, allEnd = p + Lp·Lp floats.
      ...floatsAfter(op.get(p), [...op.get(L), ...op.get(Lp), ...op.i32Mul]),
      ...op.set(end),
      ...floatsAfter(op.get(p), [...op.get(Lp), ...op.get(Lp), ...op.i32Mul]),
      ...op.set(allEnd),
      ...whileBelow(row, end, softmaxRow, []),
      ...splatted(0),
      ...op.set(x),
      ...whileBelow(row, allEnd, [...op.get(row), ...op.get(x), ...op.store], advance(row, 16)),
    ],
  };
}

function softmaxBackwardFunction(): FunctionSpec {
  // params 0 p, 1 g, 2 rows, 3 Lp, 4 scale (f32); locals (i32) 5 end, 6 rowEnd, 7 pp; (v128) 8 dot, 9 scale.
  const [p, g, rows, Lp, scale] = [0, 1, 2, 3, 4];
  const [end, rowEnd, pp, dot, scaleV] = [5, 6, 7, 8, 9];
  const row = [
    ...floatsAfter(op.get(g), op.get(Lp)),
    ...op.set(rowEnd),
    ...splatted(0),
    ...op.set(dot),
    ...op.get(p),
    ...op.set(pp),
    ...op.get(g),
    ...op.set(end),
    // end doubles as the walking pointer over g for the dot product; g walks for the update.
    ...whileBelow(
      end,
      rowEnd,
      [...op.get(dot), ...op.get(pp), ...op.load, ...op.get(end), ...op.load, ...op.mul, ...op.add, ...op.set(dot)],
      [...advance(pp, 16), ...advance(end, 16)],
    ),
    ...acrossLanes(dot, op.f32Add),
    ...op.splat,
    ...op.set(dot),
    ...whileBelow(
      g,
      rowEnd,
      [
        ...op.get(g),
        ...op.get(p),
        ...op.load,
        ...op.get(scaleV),
        ...op.mul,
        ...op.get(g),
        ...op.load,
        ...op.get(dot),
        ...op.sub,
        ...op.mul,
        ...op.store,
      ],
      [...advance(p, 16), ...advance(g, 16)],
    ),
  ];
  return {
    name: 'softmaxBackward',
    params: [I32, I32, I32, I32, F32],
    results: [],
    locals: [
      [3, I32],
      [2, V128],
    ],
    // rows counts down; end is reused per row.
    code: [
      ...op.get(scale),
      ...op.splat,
      ...op.set(scaleV),
      ...op.block,
      ...op.loop,
      ...op.get(rows),
      ...op.i32Eqz,
      ...op.brIf(1),
      ...row,
      ...op.get(rows),
      ...op.i32Const(1),
      ...op.i32Sub,
      ...op.set(rows),
      ...op.br(0),
      ...op.end,
      ...op.end,
    ],
  };
}

function layerNormFunction(): FunctionSpec {
  // params 0 x, 1 y, 2 gb, 3 stats, 4 rows, 5 width, 6 widthPad, 7 epsilon (f32);
  // locals (i32) 8 end, 9 rowEnd, 10 last, 11 q, 12 out, 13 g, 14 betaOffset; (f32) 15 mean, 16 rstd, 17 inverseWidth;
  // (v128) 18 mask, 19 acc, 20 mean, 21 rstd, 22 centred.
  const [x, y, gb, stats, rows, width, widthPad, epsilon] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [end, rowEnd, last, q, out, g, betaOffset, mean, rstd, inverseWidth] = [8, 9, 10, 11, 12, 13, 14, 15, 16, 17];
  const [mask, acc, meanV, rstdV, centred] = [18, 19, 20, 21, 22];
  const centre = (at: Code) => [...at, ...op.load, ...op.get(meanV), ...op.sub];
  const row = [
    ...floatsAfter(op.get(x), op.get(widthPad)),
    ...op.tee(rowEnd),
    ...op.i32Const(16),
    ...op.i32Sub,
    ...op.set(last),
    // mean
    ...splatted(0),
    ...op.set(acc),
    ...op.get(x),
    ...op.set(q),
    ...whileBelow(q, last, [...op.get(acc), ...op.get(q), ...op.load, ...op.add, ...op.set(acc)], advance(q, 16)),
    ...op.get(acc),
    ...op.get(last),
    ...op.load,
    ...op.get(mask),
    ...op.and,
    ...op.add,
    ...op.set(acc),
    ...acrossLanes(acc, op.f32Add),
    ...op.get(inverseWidth),
    ...op.f32Mul,
    ...op.tee(mean),
    ...op.splat,
    ...op.set(meanV),
    // variance, then 1/σ
    ...splatted(0),
    ...op.set(acc),
    ...op.get(x),
    ...op.set(q),
    ...whileBelow(
      q,
      last,
      [...centre(op.get(q)), ...op.tee(centred), ...op.get(centred), ...op.mul, ...op.get(acc), ...op.add, ...op.set(acc)],
      advance(q, 16),
    ),
    ...centre(op.get(last)),
    ...op.get(mask),
    ...op.and,
    ...op.tee(centred),
    ...op.get(centred),
    ...op.mul,
    ...op.get(acc),
    ...op.add,
    ...op.set(acc),
    ...op.f32Const(1),
    ...acrossLanes(acc, op.f32Add),
    ...op.get(inverseWidth),
    ...op.f32Mul,
    ...op.get(epsilon),
    ...op.f32Add,
    ...op.f32Sqrt,
    ...op.f32Div,
    ...op.tee(rstd),
    ...op.splat,
    ...op.set(rstdV),
    ...op.get(stats),
    ...op.get(mean),
    ...op.f32StoreAt(0),
    ...op.get(stats),
    ...op.get(rstd),
    ...op.f32StoreAt(4),
    // y = (x − mean)·rstd·γ + β; γ and β are zero on the padding.
    ...op.get(x),
    ...op.set(q),
    ...op.get(gb),
    ...op.set(g),
    ...whileBelow(
      q,
      rowEnd,
      [
        ...op.get(out),
        ...centre(op.get(q)),
        ...op.get(rstdV),
        ...op.mul,
        ...op.get(g),
        ...op.load,
        ...op.mul,
        ...op.get(g),
        ...op.get(betaOffset),
        ...op.i32Add,
        ...op.load,
        ...op.add,
        ...op.store,
      ],
      [...advance(q, 16), ...advance(g, 16), ...advance(out, 16)],
    ),
    ...op.get(rowEnd),
    ...op.set(x),
    ...advance(stats, 8),
  ];
  return {
    name: 'layerNorm',
    params: [I32, I32, I32, I32, I32, I32, I32, F32],
    results: [],
    locals: [
      [7, I32],
      [3, F32],
      [5, V128],
    ],
    code: [
      ...tailMask(width, widthPad),
      ...op.set(mask),
      ...op.f32Const(1),
      ...op.get(width),
      ...op.f32FromI32,
      ...op.f32Div,
      ...op.set(inverseWidth),
      ...op.get(widthPad),
      ...op.i32Const(2),
      ...op.i32Shl,
      ...op.set(betaOffset),
      ...op.get(y),
      ...op.set(out),
      ...floatsAfter(op.get(x), [...op.get(rows), ...op.get(widthPad), ...op.i32Mul]),
      ...op.set(end),
      ...whileBelow(x, end, row, []),
    ],
  };
}

function layerNormBackwardFunction(): FunctionSpec {
  // params 0 x, 1 dy, 2 dx, 3 gb, 4 stats, 5 dgb, 6 rows, 7 width, 8 widthPad;
  // locals (i32) 9 end, 10 rowEnd, 11 q, 12 dyq, 13 g, 14 dg, 15 betaOffset, 16 last;
  // (v128) 17 mask, 18 mean, 19 rstd, 20 sumG, 21 sumGx, 22 xHat, 23 gy, 24 dyv; (f32) 25 inverseWidth.
  const [x, dy, dx, gb, stats, dgb, rows, width, widthPad] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [end, rowEnd, q, dyq, g, dg, betaOffset, last] = [9, 10, 11, 12, 13, 14, 15, 16];
  const [mask, meanV, rstdV, sumG, sumGx, xHat, gy, dyv, inverseWidth] = [17, 18, 19, 20, 21, 22, 23, 24, 25];
  const xHatOf = [...op.get(q), ...op.load, ...op.get(meanV), ...op.sub, ...op.get(rstdV), ...op.mul, ...op.set(xHat)];
  const addInto = (at: Code, value: Code) => [...at, ...at, ...op.load, ...value, ...op.add, ...op.store];
  const beta = [...op.get(dg), ...op.get(betaOffset), ...op.i32Add];
  const sums = [
    ...xHatOf,
    ...op.get(dyq),
    ...op.load,
    ...op.tee(dyv),
    ...op.get(g),
    ...op.load,
    ...op.mul,
    ...op.tee(gy),
    ...op.get(sumG),
    ...op.add,
    ...op.set(sumG),
    ...op.get(gy),
    ...op.get(xHat),
    ...op.mul,
    ...op.get(sumGx),
    ...op.add,
    ...op.set(sumGx),
    ...addInto(op.get(dg), [...op.get(dyv), ...op.get(xHat), ...op.mul]),
    ...addInto(beta, op.get(dyv)),
  ];
  // dx += rstd·(g − mean(g) − x̂·mean(g·x̂)), masked to the row's values.
  const update = (masked: boolean) => [
    ...xHatOf,
    ...addInto(op.get(dx), [
      ...op.get(dyq),
      ...op.load,
      ...op.get(g),
      ...op.load,
      ...op.mul,
      ...op.get(sumG),
      ...op.sub,
      ...op.get(xHat),
      ...op.get(sumGx),
      ...op.mul,
      ...op.sub,
      ...op.get(rstdV),
      ...op.mul,
      ...(masked ? [...op.get(mask), ...op.and] : []),
    ]),
  ];
  const steps = [...advance(q, 16), ...advance(dyq, 16), ...advance(g, 16), ...advance(dx, 16)];
  const restart = [...op.get(x), ...op.set(q), ...op.get(dy), ...op.set(dyq), ...op.get(gb), ...op.set(g)];
  const meanOver = (v: number) => [...acrossLanes(v, op.f32Add), ...op.get(inverseWidth), ...op.f32Mul, ...op.splat, ...op.set(v)];
  const row = [
    ...floatsAfter(op.get(x), op.get(widthPad)),
    ...op.tee(rowEnd),
    ...op.i32Const(16),
    ...op.i32Sub,
    ...op.set(last),
    ...op.get(stats),
    ...op.load32Splat,
    ...op.set(meanV),
    ...op.get(stats),
    ...op.i32Const(4),
    ...op.i32Add,
    ...op.load32Splat,
    ...op.set(rstdV),
    ...splatted(0),
    ...op.set(sumG),
    ...splatted(0),
    ...op.set(sumGx),
    ...restart,
    ...op.get(dgb),
    ...op.set(dg),
    ...whileBelow(q, rowEnd, sums, [...advance(q, 16), ...advance(dyq, 16), ...advance(g, 16), ...advance(dg, 16)]),
    ...meanOver(sumG),
    ...meanOver(sumGx),
    ...restart,
    ...whileBelow(q, last, update(false), steps),
    ...update(true),
    ...advance(dx, 16),
    ...op.get(rowEnd),
    ...op.set(x),
    ...floatsAfter(op.get(dy), op.get(widthPad)),
    ...op.set(dy),
    ...advance(stats, 8),
  ];
  return {
    name: 'layerNormBackward',
    params: [I32, I32, I32, I32, I32, I32, I32, I32, I32],
    results: [],
    locals: [
      [8, I32],
      [8, V128],
      [1, F32],
    ],
    code: [
      ...tailMask(width, widthPad),
      ...op.set(mask),
      ...op.f32Const(1),
      ...op.get(width),
      ...op.f32FromI32,
      ...op.f32Div,
      ...op.set(inverseWidth),
      ...op.get(widthPad),
      ...op.i32Const(2),
      ...op.i32Shl,
      ...op.set(betaOffset),
      ...floatsAfter(op.get(x), [...op.get(rows), ...op.get(widthPad), ...op.i32Mul]),
      ...op.set(end),
      ...whileBelow(x, end, row, []),
    ],
  };
}

/** The functions of EncoderExports, for adamKernel.ts's module. */
export function encoderFunctions(): FunctionSpec[] {
  return [
    biasFunction('addBias', 'plain'),
    biasFunction('addBiasResidual', 'residual'),
    biasFunction('addBiasRelu', 'relu'),
    reluGradientFunction(),
    softmaxFunction(),
    softmaxBackwardFunction(),
    layerNormFunction(),
    layerNormBackwardFunction(),
  ];
}
