// The bytes of a WebAssembly module, written by hand: just what the JIT's region functions need
// (one function, imported memory and helpers, i32/f64 arithmetic, structured control flow with
// named labels). No dependency: the format is small and stable.

/** Opcodes used by the JIT (WebAssembly 1.0 plus the saturating float-to-int conversion). */
export const enum O {
  block = 0x02, loop = 0x03, if = 0x04, else = 0x05, end = 0x0b, br = 0x0c, br_if = 0x0d, br_table = 0x0e,
  call = 0x10, drop = 0x1a, select = 0x1b,
  local_get = 0x20, local_set = 0x21, local_tee = 0x22,
  i32_load = 0x28, f64_load = 0x2b, i32_store = 0x36, f64_store = 0x39,
  i32_const = 0x41, f64_const = 0x44,
  i32_eqz = 0x45, i32_eq = 0x46, i32_ne = 0x47, i32_lt_s = 0x48, i32_lt_u = 0x49, i32_gt_s = 0x4a,
  i32_gt_u = 0x4b, i32_le_s = 0x4c, i32_le_u = 0x4d, i32_ge_s = 0x4e, i32_ge_u = 0x4f,
  f64_eq = 0x61, f64_ne = 0x62, f64_lt = 0x63, f64_gt = 0x64, f64_le = 0x65, f64_ge = 0x66,
  i32_add = 0x6a, i32_sub = 0x6b, i32_mul = 0x6c, i32_div_s = 0x6d, i32_rem_s = 0x6f, i32_and = 0x71,
  i32_or = 0x72, i32_xor = 0x73, i32_shl = 0x74, i32_shr_s = 0x75, i32_shr_u = 0x76,
  f64_abs = 0x99, f64_neg = 0x9a, f64_floor = 0x9c, f64_sqrt = 0x9f, f64_add = 0xa0, f64_sub = 0xa1,
  f64_mul = 0xa2, f64_div = 0xa3, f64_convert_i32_s = 0xb7,
  prefix_fc = 0xfc,
}

/** Value types. */
export const I32 = 0x7f;
export const F64 = 0x7c;
const VOID = 0x40;

const f64Bytes = new Uint8Array(8);
const f64View = new DataView(f64Bytes.buffer);

/** A growing byte buffer with the format's integer encodings. (The JIT writes modules while a
 *  program waits, often before V8 has optimised this code: plain loops over a typed array.) */
export class Bytes {
  buf: Uint8Array;
  n = 0;
  constructor(capacity = 256) { this.buf = new Uint8Array(capacity); }
  u8(x: number): this {
    if (this.n === this.buf.length) this.grow(1);
    this.buf[this.n++] = x;
    return this;
  }
  private grow(need: number): void {
    const b = new Uint8Array(Math.max(this.buf.length * 2, this.n + need));
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }
  /** unsigned LEB128 */
  u32(x: number): this {
    let v = x >>> 0;
    for (;;) {
      const byte = v & 0x7f;
      v >>>= 7;
      if (v === 0) return this.u8(byte);
      this.u8(byte | 0x80);
    }
  }
  /** signed LEB128 of an int32 */
  s32(x: number): this {
    let v = x | 0;
    for (;;) {
      const byte = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) return this.u8(byte);
      this.u8(byte | 0x80);
    }
  }
  f64(x: number): this { f64View.setFloat64(0, x, true); return this.bytes(f64Bytes); }
  name(s: string): this { this.u32(s.length); for (let i = 0; i < s.length; i++) this.u8(s.charCodeAt(i)); return this; }
  bytes(other: Bytes | Uint8Array): this {
    const o = other instanceof Bytes ? other.buf.subarray(0, other.n) : other;
    if (this.n + o.length > this.buf.length) this.grow(o.length);
    this.buf.set(o, this.n);
    this.n += o.length;
    return this;
  }
  /** a section: id, then its contents prefixed by their length */
  section(id: number, body: Bytes): this { return this.u8(id).u32(body.n).bytes(body); }
  result(): Uint8Array { return this.buf.slice(0, this.n); }
}

/** One function's code with named labels: br('x') computes the branch depth from the open blocks. */
export class FuncWriter extends Bytes {
  constructor() { super(16384); }
  private labels: (string | null)[] = [];
  /** the innermost open block of each label name (labels are reused: 'self' in every loop) */
  private at = new Map<string, number[]>();
  op(o: O): this { return this.u8(o); }
  get(i: number): this { return this.u8(O.local_get).u32(i); }
  set(i: number): this { return this.u8(O.local_set).u32(i); }
  tee(i: number): this { return this.u8(O.local_tee).u32(i); }
  i32(x: number): this { return this.u8(O.i32_const).s32(x); }
  f64c(x: number): this { return this.u8(O.f64_const).f64(x); }
  private open(label: string | null): void {
    if (label !== null) {
      const stack = this.at.get(label);
      if (stack === undefined) this.at.set(label, [this.labels.length]);
      else stack.push(this.labels.length);
    }
    this.labels.push(label);
  }
  block(label: string | null = null, type = VOID): this { this.open(label); return this.u8(O.block).u8(type); }
  loop(label: string | null = null): this { this.open(label); return this.u8(O.loop).u8(VOID); }
  if_(type = VOID): this { this.open(null); return this.u8(O.if).u8(type); }
  else_(): this { return this.u8(O.else); }
  end(): this {
    const label = this.labels.pop();
    if (label !== null && label !== undefined) this.at.get(label)!.pop();
    return this.u8(O.end);
  }
  depth(label: string): number {
    const stack = this.at.get(label);
    if (stack === undefined || stack.length === 0) throw new Error(`wasm: no label ${label}`);
    return this.labels.length - 1 - stack[stack.length - 1];
  }
  br(label: string): this { return this.u8(O.br).u32(this.depth(label)); }
  brIf(label: string): this { return this.u8(O.br_if).u32(this.depth(label)); }
  brTable(targets: string[], dflt: string): this {
    this.u8(O.br_table).u32(targets.length);
    for (const t of targets) this.u32(this.depth(t));
    return this.u32(this.depth(dflt));
  }
  /** br_table with the depths given (the labels' depths at this point) */
  brTableDepths(depths: Int32Array, dflt: number): this {
    this.u8(O.br_table).u32(depths.length);
    for (let i = 0; i < depths.length; i++) this.u32(depths[i]);
    return this.u32(dflt);
  }
  call(fn: number): this { return this.u8(O.call).u32(fn); }
  /** memory access: align is log2 of the natural alignment, offset a byte offset */
  mem(o: O, align: number, offset: number): this { return this.u8(o).u32(align).u32(offset); }
  truncSat(): this { return this.u8(O.prefix_fc).u8(2); } // i32.trunc_sat_f64_s
}

export interface FuncType { params: number[]; results: number[] }

/** A module: imported memory "m.mem", imported functions "m.NAME", one exported function "run". */
export function moduleBytes(types: FuncType[], imports: { name: string; type: number }[], runType: number,
  locals: [count: number, type: number][], body: FuncWriter): Uint8Array {
  const m = new Bytes(body.n + 512);
  for (const x of [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]) m.u8(x);
  const ty = new Bytes().u32(types.length);
  for (const t of types) {
    ty.u8(0x60).u32(t.params.length);
    for (const p of t.params) ty.u8(p);
    ty.u32(t.results.length);
    for (const r of t.results) ty.u8(r);
  }
  m.section(1, ty);
  const im = new Bytes().u32(imports.length + 1);
  im.name('m').name('mem').u8(0x02).u8(0x00).u32(0); // memory, no maximum, at least 0 pages
  for (const i of imports) im.name('m').name(i.name).u8(0x00).u32(i.type);
  m.section(2, im);
  m.section(3, new Bytes().u32(1).u32(runType));
  m.section(7, new Bytes().u32(1).name('run').u8(0x00).u32(imports.length));
  const fn = new Bytes(body.n + 64).u32(locals.length);
  for (const [n, t] of locals) fn.u32(n).u8(t);
  fn.bytes(body).u8(O.end);
  m.section(10, new Bytes(fn.n + 16).u32(1).u32(fn.n).bytes(fn));
  return m.result();
}
