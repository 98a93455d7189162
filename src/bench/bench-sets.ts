import { InputError } from '../errors.js';

interface SyntheticSetSpec {
  kind: 'synthetic';
  name: string;
  count: number;
  dimension: number;
  /** Queries for the ANN sweeps (and the ground truth). */
  queries: number;
  /** Queries timed on the exact scans (fewer on large sets: each costs a full scan). */
  exactQueries: number;
}

interface RealSetSpec {
  kind: 'real';
  name: string;
}

export type BenchSetSpec = SyntheticSetSpec | RealSetSpec;

/** `npm run bench` with no --set. */
export const DEFAULT_SETS = ['10k-512', '10k-1024', 'marengo27'] as const;
/** Every set name the suite knows; 1m-512 is an opt-in long run. */
const KNOWN_SETS = ['10k-512', '10k-1024', '100k-512', '100k-1024', '1m-512', 'marengo27'] as const;

const SIZES: Record<string, number> = { '1k': 1_000, '10k': 10_000, '100k': 100_000, '1m': 1_000_000 };

/**
 * Parses a set name: `marengo27` (the real Marengo 2.7 vectors in ../shared/data) or
 * `<size>-<dimension>` with size 1k, 10k, 100k or 1m (or a plain count) for seeded
 * clustered synthetic vectors.
 */
export function parseBenchSet(name: string): BenchSetSpec {
  const trimmed = name.trim().toLowerCase();
  if (trimmed === 'marengo27' || trimmed === 'real') return { kind: 'real', name: 'marengo27' };
  const match = /^(\d+k|\d+m|\d+)-(\d+)$/.exec(trimmed);
  if (match === null)
    throw new InputError(
      `unknown benchmark set ${JSON.stringify(name)}: use ${KNOWN_SETS.join(', ')}, or <count>-<dimension> such as 20000-256`,
    );
  const sizeText = match[1] as string;
  const count = SIZES[sizeText] ?? Number(sizeText);
  const dimension = Number(match[2]);
  if (!Number.isInteger(count) || count < 100 || count > 10_000_000)
    throw new InputError(`benchmark set ${name}: the count must be from 100 to 10000000`);
  if (!Number.isInteger(dimension) || dimension < 2 || dimension > 4096)
    throw new InputError(`benchmark set ${name}: the dimension must be from 2 to 4096`);
  const queries = count >= 1_000_000 ? 100 : count >= 100_000 ? 200 : 500;
  const exactQueries = count >= 1_000_000 ? 20 : count >= 100_000 ? 100 : 200;
  return { kind: 'synthetic', name: trimmed, count, dimension, queries, exactQueries };
}

/** A comma-separated list of set names, each parsed, duplicates dropped. */
export function parseBenchSets(list: string): BenchSetSpec[] {
  const names = list
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (names.length === 0) throw new InputError('--set needs at least one set name');
  const seen = new Set<string>();
  return names.map(parseBenchSet).filter((spec) => !seen.has(spec.name) && seen.add(spec.name) !== undefined);
}

/** What a run measures; `--only` picks some. */
export const SECTIONS = ['recall', 'build', 'open', 'memory', 'arrow'] as const;
export type BenchSection = (typeof SECTIONS)[number];

export function parseSections(list: string | undefined): BenchSection[] {
  if (list === undefined || list.trim() === '') return [...SECTIONS];
  const names = list
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  for (const name of names)
    if (!(SECTIONS as readonly string[]).includes(name))
      throw new InputError(`unknown benchmark section ${JSON.stringify(name)}: use ${SECTIONS.join(', ')}`);
  return SECTIONS.filter((section) => names.includes(section));
}
