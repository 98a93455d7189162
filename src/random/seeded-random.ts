/**
 * The seeded generators. Two algorithms, each kept for the streams stored sets and fixtures
 * were drawn from: `mulberry32` (a number seed: synthetic and cross-modal bench sets, query
 * samples, calibration's sample of the library) and `sfc32FromKey` (a text key: the emulator's
 * vectors and faults, so that the same model, seed and input always embed alike).
 */
import { createHash } from 'node:crypto';

/** A uniform [0, 1) generator. */
export type Random = () => number;

/** mulberry32: a tiny, fast 32-bit PRNG over a number seed. */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** sfc32 seeded from the sha256 of `key`: the same key always gives the same stream. */
export function sfc32FromKey(key: string): Random {
  const digest = createHash('sha256').update(key).digest();
  let a = digest.readUInt32LE(0);
  let b = digest.readUInt32LE(4);
  let c = digest.readUInt32LE(8);
  let d = digest.readUInt32LE(12);
  return () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    const r = (t + d) | 0;
    c = (c + r) | 0;
    return (r >>> 0) / 4294967296;
  };
}
