/**
 * Just enough of the WebAssembly binary format (spec §5 and the SIMD proposal's opcodes) to write
 * small numeric kernels by hand: no toolchain in the build, the same bytes in the app, the worker,
 * the CLI and the tests.
 */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  else: [0x05],
  end: [0x0b],
  br: (depth: number) => [0x0c, depth],
  brIf: (depth: number) => [0x0d, depth],
  get: (i: number) => [0x20, i],
  set: (i: number) => [0x21, i],
  tee: (i: number) => [0x22, i],
  i32Const: (n: number) => [0x41, ...sleb(n)],
  f32Const0: [0x43, 0, 0, 0, 0],
  f32Const: (x: number) => [0x43, ...new Uint8Array(Float32Array.of(x).buffer)],
  i32Eqz: [0x45],
  i32GtU: [0x4b],
  i32GeU: [0x4f],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  f32StoreAt: (offset: number) => [0x38, 2, offset],
  f32Sqrt: [0x91],
  f32Add: [0x92],
  f32Mul: [0x94],
  f32Div: [0x95],
  f32Max: [0x97],
  f32FromI32: [0xb2],
  // SIMD: prefix 0xfd, then the opcode as unsigned LEB128. Memory arguments: log2 alignment, offset 0.
  load: [0xfd, 0x00, 4, 0],
  /** v128.load from the address plus `offset` bytes (under 128). */
  loadAt: (offset: number) => [0xfd, 0x00, 4, offset],
  load32Splat: [0xfd, 0x09, 2, 0],
  store: [0xfd, 0x0b, 4, 0],
  storeAt: (offset: number) => [0xfd, 0x0b, 4, offset],
  /** v128.const of four i32 lanes. */
  i32x4Const: (lanes: [number, number, number, number]) => [0xfd, 0x0c, ...new Uint8Array(Int32Array.from(lanes).buffer)],
  i32x4Splat: [0xfd, 0x11],
  splat: [0xfd, 0x13],
  lane: (i: number) => [0xfd, 0x1f, i],
  i32x4LtS: [0xfd, 0x39],
  gt: [0xfd, 0x44],
  and: [0xfd, 0x4e],
  bitselect: [0xfd, 0x52],
  i32x4Shl: [0xfd, 0xab, 0x01],
  i32x4Add: [0xfd, 0xae, 0x01],
  sqrt: [0xfd, 0xe3, 0x01],
  add: [0xfd, 0xe4, 0x01],
  sub: [0xfd, 0xe5, 0x01],
  mul: [0xfd, 0xe6, 0x01],
  div: [0xfd, 0xe7, 0x01],
  /** b < a ? b : a, and a < b ? b : a: one instruction each on x64, where f32x4.min and max, which order NaNs and zeros, take several. */
  pmin: [0xfd, 0xea, 0x01],
  pmax: [0xfd, 0xeb, 0x01],
};

export interface FunctionSpec {
  name: string;
  params: number[];
  results: number[];
  /** Local declarations after the params, as [count, type] groups. */
  locals: [count: number, type: number][];
  /** Instructions, without the final `end`. */
  code: number[];
}

/** A memory the module imports as env.memory instead of defining its own: shared between threads, so it needs a maximum. */
export interface SharedMemoryImport {
  initialPages: number;
  maximumPages: number;
}

/**
 * A module exporting one memory named "memory" and the given functions. The memory is its own (0
 * pages until grown), or with `shared` the shared memory the instance is given as env.memory.
 */
export function encodeModule(functions: FunctionSpec[], shared?: SharedMemoryImport): Uint8Array<ArrayBuffer> {
  // Memory type flags 0x03: a maximum follows, and the memory is shared (the threads proposal).
  const memoryImport = shared
    ? section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x03, ...uleb(shared.initialPages), ...uleb(shared.maximumPages)])
    : section(5, [1, 0x00, 0]);
  const types = functions.flatMap((f) => [0x60, f.params.length, ...f.params, f.results.length, ...f.results]);
  const exports = functions.flatMap((f, i) => [...name(f.name), 0x00, i]);
  const bodies = functions.flatMap((f) => withSize([f.locals.length, ...f.locals.flat(), ...f.code, ...op.end]));
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [functions.length, ...types]),
    ...(shared ? memoryImport : []),
    ...section(3, [functions.length, ...functions.map((_, i) => i)]),
    ...(shared ? [] : memoryImport),
    ...section(7, [functions.length + 1, ...name('memory'), 0x02, 0, ...exports]),
    ...section(10, [functions.length, ...bodies]),
  ]);
}

/**
 * Compiles and instantiates `bytes`, or null where WebAssembly or its SIMD is missing. A module
 * encoded with a shared memory import is given `memory`.
 */
export function instantiate<T>(bytes: Uint8Array<ArrayBuffer>, memory?: WebAssembly.Memory): (T & { memory: WebAssembly.Memory }) | null {
  if (typeof WebAssembly === 'undefined' || !WebAssembly.validate(bytes)) return null;
  const imports: WebAssembly.Imports = memory ? { env: { memory } } : {};
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), imports).exports as unknown as T & { memory: WebAssembly.Memory };
}

function name(s: string): number[] {
  return [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function withSize(body: number[]): number[] {
  return [...uleb(body.length), ...body];
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}
