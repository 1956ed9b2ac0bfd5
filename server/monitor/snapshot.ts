// A job's whole state as bytes, so that it can be kept in the store and go on later, on this
// server or after a restart, exactly where it stopped: the partition's words, the registers, PC,
// the scheduler's view (waiting for input, sleeping and for how long), the type-ahead lines, the
// output not yet posted, the random-number state and the meters.
//
// Format (version 1), little-endian:
//   u32 magic "TSJS"  u32 version  u32 CRC-32 of every byte after this word  u32 JSON length
//   JSON (UTF-8): the scalar state, padded with spaces to a multiple of 8 bytes
//   17 x i32 integer registers (r16 is where writes to r0 go), 1 x i32 pad
//   16 x f64 floating registers
//   the partition's words (i32), `limit` of them; none when the job had no partition yet
// The header names its version: a snapshot of another version, or one whose CRC, lengths or
// fields do not check, is refused with a message saying why (never half-restored).
import { crc32 } from 'node:zlib';
import type { Lang, Meters } from './protocol.ts';
import type { Wait } from './job.ts';
import type { BasicOptions } from '../basic/options.ts';

export const SNAPSHOT_VERSION = 1;
const MAGIC = 0x534a5354; // "TSJS" read as a little-endian u32
const HEADER = 16;
const REGS_BYTES = 18 * 4 + 16 * 8;

/** The scalar part of a snapshot. */
export interface JobFacts {
  id: number;
  owner: string;
  name: string;
  lang: Lang;
  /** the program's text: compiled again at restore for its line map and trap messages */
  source: string;
  /** BASIC's dialect and margin (compiled again with them) */
  basic?: BasicOptions;
  /** FNV-1a of the compiled image's words; a compiler that now gives other code is not trusted for line numbers */
  imageHash: number;
  cpuLimit: number;
  outputLimit: number;
  cpuLimitMessage: string | null;
  wait: Wait;
  /** ms of sleep left when the snapshot was taken */
  sleepLeft: number;
  getsAddr: number;
  getsCap: number;
  eof: boolean;
  /** type-ahead not yet read by the program */
  input: string[];
  /** output typed but not yet posted (normally none: the monitor posts before it snapshots) */
  pending: string;
  column: number;
  rng: number;
  meters: Meters;
  /** the CPU context; null when the job had no partition yet (it was waiting for core) */
  ctx: { pc: number; limit: number; stackLow: number; stackHigh: number; codeEnd: number } | null;
  takenAt: number;
  /** the job was swapped out: no partition follows (its words are in its swap image) */
  partial?: boolean;
}

export interface DecodedJob {
  facts: JobFacts;
  r: Int32Array;
  f: Float64Array;
  /** the partition's words; null when facts.ctx is null */
  words: Int32Array | null;
}

/** FNV-1a over the words of an image. */
export function hashWords(words: Int32Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) {
    h ^= words[i];
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Encodes a job. `partition` is the job's words (a view of core) or null without a partition. */
export function encodeJob(facts: JobFacts, r: Int32Array, f: Float64Array, partition: Int32Array | null): Uint8Array {
  let json = Buffer.from(JSON.stringify(facts), 'utf8');
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const words = partition ? partition.length : 0;
  const total = HEADER + json.length + REGS_BYTES + words * 4;
  const buf = new ArrayBuffer(total);
  const bytes = new Uint8Array(buf);
  const dv = new DataView(buf);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, SNAPSHOT_VERSION, true);
  dv.setUint32(12, json.length, true);
  bytes.set(json, HEADER);
  let off = HEADER + json.length;
  new Int32Array(buf, off, 17).set(r.subarray(0, 17));
  off += 18 * 4;
  new Float64Array(buf, off, 16).set(f.subarray(0, 16));
  off += 16 * 8;
  if (partition) new Int32Array(buf, off, words).set(partition);
  dv.setUint32(8, crc32(bytes.subarray(12)) >>> 0, true);
  return bytes;
}

/** The snapshot's parts, or a message saying why it cannot be restored. */
export function decodeJob(data: Uint8Array): DecodedJob | string {
  if (!(data instanceof Uint8Array) || data.byteLength < HEADER) return 'THE SNAPSHOT IS TRUNCATED';
  // work on an aligned copy: typed-array views need aligned offsets
  const bytes = new Uint8Array(data.byteLength);
  bytes.set(data);
  const buf = bytes.buffer;
  const dv = new DataView(buf);
  if (dv.getUint32(0, true) !== MAGIC) return 'THE SNAPSHOT IS NOT A JOB SNAPSHOT';
  const version = dv.getUint32(4, true);
  if (version !== SNAPSHOT_VERSION) return `THE SNAPSHOT IS OF FORMAT ${version}; THIS SYSTEM RESTORES FORMAT ${SNAPSHOT_VERSION} ONLY`;
  if ((crc32(bytes.subarray(12)) >>> 0) !== dv.getUint32(8, true)) return 'THE SNAPSHOT IS CORRUPT (CHECKSUM MISMATCH)';
  const jsonLen = dv.getUint32(12, true);
  if (jsonLen % 8 !== 0 || HEADER + jsonLen + REGS_BYTES > bytes.length) return 'THE SNAPSHOT IS CORRUPT (BAD LENGTHS)';
  let facts: JobFacts;
  try {
    facts = JSON.parse(Buffer.from(buf, HEADER, jsonLen).toString('utf8')) as JobFacts;
  } catch {
    return 'THE SNAPSHOT IS CORRUPT (UNREADABLE FIELDS)';
  }
  const bad = checkFacts(facts);
  if (bad) return `THE SNAPSHOT IS CORRUPT (${bad})`;
  let off = HEADER + jsonLen;
  const r = new Int32Array(buf, off, 17).slice();
  off += 18 * 4;
  const f = new Float64Array(buf, off, 16).slice();
  off += 16 * 8;
  const rest = (bytes.length - off) / 4;
  let words: Int32Array | null = null;
  if (facts.ctx && !facts.partial) {
    if (rest !== facts.ctx.limit) return 'THE SNAPSHOT IS CORRUPT (PARTITION SIZE)';
    words = new Int32Array(buf, off, rest);
  } else if (rest !== 0) return 'THE SNAPSHOT IS CORRUPT (PARTITION SIZE)';
  return { facts, r, f, words };
}

/**
 * A swapped-out job's snapshot made whole: its state now (`partial`: facts and registers, no
 * partition) with the words of its swap image (taken when it was swapped out; nothing writes
 * into a swapped job's words). Returns the bytes, or why they cannot be made.
 */
export function completeSnapshot(partial: Uint8Array, image: Uint8Array): Uint8Array | string {
  const p = decodeJob(partial);
  if (typeof p === 'string') return p;
  if (!p.facts.partial || !p.facts.ctx) return 'THE SNAPSHOT IS ALREADY WHOLE';
  const i = decodeJob(image);
  if (typeof i === 'string') return i;
  if (!i.words || i.facts.id !== p.facts.id || i.words.length !== p.facts.ctx.limit) return 'THE SWAP IMAGE IS OF ANOTHER JOB OR SIZE';
  const { partial: _partial, ...facts } = p.facts;
  return encodeJob(facts, p.r, p.f, i.words);
}

const int = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v);

function checkFacts(x: JobFacts): string | null {
  if (typeof x !== 'object' || x === null) return 'NO FIELDS';
  if (!int(x.id) || x.id <= 0) return 'JOB NUMBER';
  if (typeof x.owner !== 'string' || typeof x.name !== 'string' || typeof x.source !== 'string') return 'NAMES';
  if (x.lang !== 'basic' && x.lang !== 'asm') return 'LANGUAGE';
  if (!int(x.cpuLimit) || !int(x.outputLimit) || !int(x.column) || !int(x.rng) || !int(x.getsAddr) || !int(x.getsCap)) return 'LIMITS';
  if (![null, 'input', 'output', 'sleep', 'core'].includes(x.wait as string)) return 'STATE';
  if (!Array.isArray(x.input) || x.input.some((l) => typeof l !== 'string') || typeof x.pending !== 'string') return 'TERMINAL BUFFERS';
  const m = x.meters;
  if (!m || ![m.cycles, m.svcs, m.coreWords, m.coreWordCycles, m.outputChars, m.startedAt].every(int)) return 'METERS';
  if (x.ctx !== null) {
    const c = x.ctx;
    if (!c || ![c.pc, c.limit, c.stackLow, c.stackHigh, c.codeEnd].every(int)) return 'CONTEXT';
    if (c.limit <= 0 || (c.limit & 1) !== 0 || !(c.codeEnd >= 0 && c.codeEnd <= c.stackLow && c.stackLow <= c.stackHigh && c.stackHigh <= c.limit)) return 'CONTEXT';
  } else if (x.wait !== 'core') return 'CONTEXT';
  return null;
}
