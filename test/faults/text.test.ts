import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ModeSearchResponse } from '../../src/lexical/mode-search.js';
import { type CliResult, runCli } from '../helpers/cli.js';
import { exactClips, hitKey } from '../helpers/exact-search.js';
import { clipSegments, type JsonlSegment, testVector, writeJsonl } from '../helpers/segments.js';
import { useTempDirs } from '../helpers/temp-dir.js';

/**
 * The fault table for annotations and lexical search (issue 15, issue 10): damage to the
 * annotation files and bad annotation input, run through the real CLI. Each row checks the exit
 * code and message, that no segment and no annotation was lost or half-written, and that the
 * vector answers given equal an exact scan.
 */
const tempDir = useTempDirs();
const DIM = 16;
const QUERY = testVector(DIM, 777);

interface Fixture {
  work: string;
  lib: string;
  corpus: JsonlSegment[];
  queryFile: string;
}

async function fixture(): Promise<Fixture> {
  const work = await tempDir();
  const lib = join(work, 'lib');
  const corpus = ['a', 'b', 'c'].flatMap((video, i) =>
    clipSegments(video, 5, DIM, i + 1, { embedding_option: 'visual', model_name: 'custom-16' }),
  );
  const segments = await writeJsonl(work, 'segments.jsonl', corpus);
  const notes = await writeJsonl(work, 'notes.jsonl', [
    { video_id: 'a', start: 1, end: 4, text: 'the sailor eats spinach', fields: { speaker: 'popeye' } },
    { video_id: 'b', start: 7, end: 9, text: 'a whale of an island' },
  ]);
  const queryFile = join(work, 'query.json');
  await writeFile(queryFile, JSON.stringify(QUERY));
  const built = runCli(['build', '--from', segments, '--from', notes, '--lib', lib, '--model', 'custom-16']);
  expect(built.status, built.stderr).toBe(0);
  return { work, lib, corpus, queryFile };
}

const annotationFiles = async (lib: string): Promise<string[]> =>
  (await readdir(join(lib, 'annotations'))).filter((name) => name.endsWith('.arrow'));

interface Row {
  case: string;
  damage: (f: Fixture) => Promise<void>;
  command: (f: Fixture) => string[];
  exit: number;
  message: string;
  /** Annotations the library still holds after the command (checked once the damage is undone, where it was). */
  annotations: number;
  undo?: (f: Fixture, saved: Map<string, Buffer>) => Promise<void>;
}

async function saveAnnotations(lib: string): Promise<Map<string, Buffer>> {
  const dir = join(lib, 'annotations');
  const saved = new Map<string, Buffer>();
  for (const name of await readdir(dir)) saved.set(name, await readFile(join(dir, name)));
  return saved;
}

async function restore(f: Fixture, saved: Map<string, Buffer>): Promise<void> {
  for (const [name, bytes] of saved) await writeFile(join(f.lib, 'annotations', name), bytes);
}

const ROWS: Row[] = [
  {
    case: 'an annotation file with a flipped byte',
    damage: async (f) => {
      const [name] = await annotationFiles(f.lib);
      const path = join(f.lib, 'annotations', name ?? '');
      const bytes = await readFile(path);
      bytes[Math.floor(bytes.length / 2)] = (bytes[Math.floor(bytes.length / 2)] ?? 0) ^ 0xff;
      await writeFile(path, bytes);
    },
    command: (f) => ['query', 'whale', '--mode', 'text', '--lib', f.lib],
    exit: 1,
    message: 'does not match its checksum',
    annotations: 2,
    undo: restore,
  },
  {
    case: 'the annotations manifest cut short',
    damage: async (f) => {
      const path = join(f.lib, 'annotations', 'manifest.json');
      await writeFile(path, (await readFile(path, 'utf8')).slice(0, 20));
    },
    command: (f) => ['query', 'whale', '--lib', f.lib],
    exit: 1,
    message: 'manifest.json is damaged (not valid JSON)',
    annotations: 2,
    undo: restore,
  },
  {
    case: 'an annotations JSONL naming a video the library lacks, after a good line',
    damage: async (f) => {
      await writeJsonl(f.work, 'bad.jsonl', [
        { video_id: 'c', start: 0, end: 1, text: 'fine' },
        { video_id: 'zzz', start: 0, end: 1, text: 'orphan' },
      ]);
    },
    command: (f) => ['build', '--from', join(f.work, 'bad.jsonl'), '--lib', f.lib],
    exit: 2,
    message: 'bad.jsonl:2: no video "zzz" in this library',
    annotations: 2,
  },
  {
    case: 'an annotation that ends before it starts',
    damage: async (f) => {
      await writeJsonl(f.work, 'bad.jsonl', [{ video_id: 'c', start: 5, end: 1, text: 'backwards' }]);
    },
    command: (f) => ['build', '--from', join(f.work, 'bad.jsonl'), '--lib', f.lib],
    exit: 2,
    message: 'bad.jsonl:1: the annotation ends (1 s) before it starts (5 s)',
    annotations: 2,
  },
  {
    case: 'an unknown search mode',
    damage: async () => undefined,
    command: (f) => ['query', 'whale', '--mode', 'fuzzy', '--lib', f.lib],
    exit: 2,
    message: '--mode must be one of vector, text, hybrid',
    annotations: 2,
  },
  {
    case: 'option weights without the weighted fusion',
    damage: async () => undefined,
    command: (f) => ['query', '--vector', f.queryFile, '--weights', 'visual=0.6,audio=0.4', '--lib', f.lib],
    exit: 2,
    message: 'add --fusion weighted',
    annotations: 2,
  },
];

function noSignal(result: CliResult): void {
  expect(result.status, `killed by a signal? ${result.stderr}`).not.toBeNull();
}

describe('fault table: annotations and lexical search', () => {
  it.each(ROWS)('$case', async (row) => {
    const f = await fixture();
    const saved = await saveAnnotations(f.lib);
    await row.damage(f);
    const result = runCli(row.command(f));
    noSignal(result);
    expect(result.status, result.stderr).toBe(row.exit);
    expect(result.stderr).toContain(row.message);
    await row.undo?.(f, saved);
    // Nothing lost: every segment is still there, and every vector answer equals an exact scan.
    const stats = JSON.parse(runCli(['stats', '--lib', f.lib, '--json']).stdout) as {
      segments: number;
      videos: number;
    };
    expect(stats).toMatchObject({ segments: f.corpus.length, videos: 3 });
    const vector = runCli([
      'query',
      '--vector',
      f.queryFile,
      '--mode',
      'vector',
      '--limit',
      '5',
      '--lib',
      f.lib,
      '--json',
    ]);
    expect(vector.status, vector.stderr).toBe(0);
    const hits = (JSON.parse(vector.stdout) as ModeSearchResponse).data;
    expect(hits.map(hitKey)).toEqual(
      exactClips(f.corpus, [QUERY])
        .slice(0, 5)
        .map((hit) => hit.key),
    );
    const text = runCli(['query', 'sailor whale island', '--mode', 'text', '--lib', f.lib, '--json']);
    expect(text.status, text.stderr).toBe(0);
    expect((JSON.parse(text.stdout) as ModeSearchResponse).data.map((hit) => hit.video_id)).toEqual(['b', 'a']);
    const shown = JSON.parse(runCli(['videos', 'show', 'c', '--lib', f.lib, '--json']).stdout) as {
      annotations: unknown[];
    };
    expect(shown.annotations, 'nothing written half-way').toEqual([]);
    const all = ['a', 'b', 'c'].map(
      (v) =>
        (JSON.parse(runCli(['videos', 'show', v, '--lib', f.lib, '--json']).stdout) as { annotations: unknown[] })
          .annotations.length,
    );
    expect(all.reduce((s, n) => s + n, 0)).toBe(row.annotations);
  });
});
