import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibraryRoot, openLibrary } from '../../src/library/index.js';
import type { QueryEmbedder } from '../../src/query/index.js';
import { type RunningSearchServer, startSearchServer } from '../../src/server/index.js';
import { exactClips, hitKey } from '../helpers/exact-search.js';
import { clipSegments, type JsonlSegment, testVector, writeJsonl } from '../helpers/segments.js';
import { useSuiteTempDir } from '../helpers/temp-dir.js';

/**
 * The fault table for `vsearch serve --root` (issue 10, serve's area): damage under the root,
 * hostile bodies, and an upstream that is down. Each row makes one request and checks the
 * status, the API's code and a message fragment, then that no segment was lost and that a
 * search still answers what an exact scan of the written segments gives.
 */
const DIM = 16;
const MODEL = 'custom-16';
const QUERY = testVector(DIM, 777);
const UPSTREAM_KEY = 'upstream-key-never-shown';
const embedder: QueryEmbedder = { embed: async () => Float32Array.from(QUERY) };

const suiteDir = useSuiteTempDir();
let root: string;
let server: RunningSearchServer;
let corpus: JsonlSegment[];
let goodId = '';
let damagedId = '';
const warnings: string[] = [];

async function searchKeys(indexId: string): Promise<{ status: number; keys: string[] }> {
  const form = new FormData();
  form.append('index_id', indexId);
  form.append('search_options', 'visual');
  form.append('query_text', 'anything');
  form.append('page_limit', '10');
  const response = await fetch(`${server.url}/search`, { method: 'POST', body: form });
  const body = (await response.json()) as { data?: { video_id: string; start: number; embedding_option: string }[] };
  return { status: response.status, keys: (body.data ?? []).map(hitKey) };
}

beforeAll(async () => {
  root = suiteDir();
  corpus = [
    ...clipSegments('va', 5, DIM, 1, { embedding_option: 'visual' }),
    ...clipSegments('vb', 5, DIM, 2, { embedding_option: 'visual' }),
  ];
  const jsonl = await writeJsonl(root, 'corpus.jsonl', corpus);
  for (const name of ['good', 'damaged']) {
    const lib = await openLibrary(join(root, name), { create: true });
    await lib.importSegments(jsonl, { model: MODEL });
    if (name === 'good') goodId = lib.manifest.id;
    else damagedId = lib.manifest.id;
    await lib.close();
  }
  await rm(jsonl);
  const libraryRoot = await LibraryRoot.open(root, { embedder, onWarning: (message) => warnings.push(message) });
  // Port 9 on loopback (discard) has no listener here: the upstream is down.
  server = await startSearchServer({
    root: libraryRoot,
    upstream: { baseUrl: 'http://127.0.0.1:9/v1.3', apiKey: UPSTREAM_KEY },
  });
}, 60_000);
afterAll(async () => {
  await server?.close();
});

interface Row {
  case: string;
  setup?: () => Promise<void>;
  request: () => Promise<Response>;
  status: number;
  code: string;
  fragment: string;
  /** Extra checks beyond "the good index lost nothing and answers exactly". */
  after?: () => Promise<void>;
}

const tinyParts = (): string => {
  const boundary = 'b';
  return `${Array.from({ length: 20_000 }, (_, i) => `--${boundary}\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nx\r\n`).join('')}--${boundary}--\r\n`;
};

const ROWS: Row[] = [
  {
    case: 'index.json of one library is not JSON: that index is left out, with a warning',
    setup: () => writeFile(join(root, 'damaged', 'index.json'), '{ not json'),
    request: () => fetch(`${server.url}/indexes/${damagedId}`),
    status: 400,
    code: 'index_not_exists',
    fragment: 'does not exist',
    after: async () => {
      const listed = (await (await fetch(`${server.url}/indexes`)).json()) as { data: { _id: string }[] };
      expect(listed.data.map((index) => index._id)).toEqual([goodId]);
      expect(warnings.join('\n')).toContain('is not valid JSON');
      // Its library is untouched: reopened directly it still holds every segment.
      const lib = await openLibrary(join(root, 'damaged'));
      expect(lib.manifest.counts.segments).toBe(corpus.length);
      await lib.close();
    },
  },
  {
    case: 'a crash left a half-made index (hidden staging folder): not listed, names still free',
    setup: async () => {
      await mkdir(join(root, '.creating-deadbeef0000'), { recursive: true });
      await writeFile(join(root, '.creating-deadbeef0000', 'manifest.json'), '{}');
    },
    request: () =>
      fetch(`${server.url}/indexes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          index_name: 'good-2',
          models: [{ model_name: 'marengo3.0', model_options: ['visual'] }],
        }),
      }),
    status: 201,
    code: '',
    fragment: '',
    after: async () => {
      const listed = (await (await fetch(`${server.url}/indexes`)).json()) as { data: { index_name: string }[] };
      expect(listed.data.map((index) => index.index_name).sort()).toEqual(['good', 'good-2']);
    },
  },
  {
    case: '20,000 tiny multipart parts to POST /search',
    request: () =>
      fetch(`${server.url}/search`, {
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data; boundary=b' },
        body: tinyParts(),
      }),
    status: 413,
    code: 'parameter_invalid',
    fragment: 'more than 256 parts',
  },
  {
    case: 'a user_metadata patch nested 40 levels deep',
    request: () =>
      fetch(`${server.url}/indexes/${goodId}/videos/va`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: `{"user_metadata": ${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`,
      }),
    status: 400,
    code: 'parameter_invalid',
    fragment: 'nests deeper than 32',
    after: async () => {
      const video = (await (await fetch(`${server.url}/indexes/${goodId}/videos/va`)).json()) as {
        user_metadata: unknown;
      };
      expect(video.user_metadata).toEqual({});
    },
  },
  {
    case: 'an embed request while the upstream is down',
    request: () => fetch(`${server.url}/embed`, { method: 'POST', body: new FormData() }),
    status: 502,
    code: 'upstream_error',
    fragment: 'could not be reached',
  },
];

describe('fault table: vsearch serve --root', () => {
  it.each(ROWS)(
    '$case',
    async (row) => {
      await row.setup?.();
      const response = await row.request();
      const text = await response.text();
      expect(response.status, text).toBe(row.status);
      if (row.code !== '')
        expect(JSON.parse(text)).toMatchObject({ code: row.code, message: expect.stringContaining(row.fragment) });
      expect(text).not.toContain(UPSTREAM_KEY);
      await row.after?.();
      // Nothing lost, nothing silently wrong: the good index holds every segment and answers as an exact scan.
      const lib = await openLibrary(join(root, 'good'));
      expect(lib.manifest.counts.segments).toBe(corpus.length);
      await lib.close();
      const answer = await searchKeys(goodId);
      expect(answer.status).toBe(200);
      expect(answer.keys).toEqual(
        exactClips(corpus, [QUERY])
          .slice(0, 10)
          .map((hit) => hit.key),
      );
    },
    60_000,
  );
});
