import { InputError } from '../errors.js';

export interface XmodalSetSpec {
  name: string;
  count: number;
  dimension: number;
  /** Queries of each kind (text-like and clip-like). */
  queries: number;
}

const SIZES: Record<string, number> = { k: 1_000, m: 1_000_000 };

/** `xmodal-<size>-<dimension>`, e.g. xmodal-200k-1024 or xmodal-1m-512: the cross-modal benchmark sets. */
export function parseXmodalSet(name: string): XmodalSetSpec {
  const match = /^xmodal-(\d+)(k|m)?-(\d+)$/.exec(name.trim().toLowerCase());
  if (match === null)
    throw new InputError(
      `unknown cross-modal set ${JSON.stringify(name)}: use xmodal-<size>-<dimension>, such as xmodal-100k-1024, xmodal-200k-1024 or xmodal-1m-512`,
    );
  const count = Number(match[1]) * (match[2] === undefined ? 1 : (SIZES[match[2]] as number));
  const dimension = Number(match[3]);
  if (!Number.isInteger(count) || count < 1000 || count > 10_000_000)
    throw new InputError(`cross-modal set ${name}: the count must be from 1000 to 10000000`);
  if (dimension < 64 || dimension > 4096)
    throw new InputError(`cross-modal set ${name}: the dimension must be from 64 to 4096`);
  return {
    name: `xmodal-${match[1]}${match[2] ?? ''}-${dimension}`,
    count,
    dimension,
    queries: count >= 1_000_000 ? 200 : 300,
  };
}

export function isXmodalSet(name: string): boolean {
  return name.trim().toLowerCase().startsWith('xmodal-');
}
