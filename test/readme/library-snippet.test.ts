import { spawnSync } from 'node:child_process';
import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

/** The first ```js block under README.md's "## Library" heading, as written. */
async function librarySnippet(): Promise<string> {
  const readme = await readFile(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Library\n'));
  const block = /```js\n([\s\S]*?)```/.exec(section.slice(0, section.indexOf('\n## ', 1)));
  if (block?.[1] === undefined) throw new Error('README.md has no ```js block in its "## Library" section');
  return block[1];
}

describe('the Library snippet in README.md', () => {
  it('runs as written against a fresh library, importing "vsearch" as a dependency would', async () => {
    const snippet = await librarySnippet();
    expect(snippet).toContain("from 'vsearch'");
    // A project beside the checkout: its node_modules/vsearch is the checkout (as `npm install
    // PATH` links it), so 'vsearch' resolves through package.json's exports to dist/vsearch.js.
    const app = await tempDir();
    await mkdir(join(app, 'node_modules'));
    await symlink(PROJECT_ROOT, join(app, 'node_modules', 'vsearch'), 'dir');
    await cp(join(PROJECT_ROOT, 'data', 'marengo27-aws-sample'), join(app, 'data', 'marengo27-aws-sample'), {
      recursive: true,
    });
    await writeFile(join(app, 'example.mjs'), snippet);
    const run = spawnSync(process.execPath, ['example.mjs'], {
      cwd: app,
      encoding: 'utf8',
      env: { ...process.env, TWELVELABS_API_KEY: '', TWELVE_LABS_API_KEY: '' },
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    // The bird query's best video is the robin, then the island, each with a time span and a cosine score.
    expect(lines[0]).toMatch(/^robin-bird\.mp4 \d+ \d+ 0\.\d{4}$/);
    expect(lines[1]).toMatch(/^island\.mp4 \d+ \d+ 0\.\d{4}$/);
    expect(run.stdout).toContain('removed 2 segments of island.mp4');
    expect(run.stdout).toMatch(/videos: 1,\s+segments: 4,/);
    const manifest = JSON.parse(await readFile(join(app, 'my-library', 'manifest.json'), 'utf8')) as {
      counts: { segments: number; videos: number };
    };
    expect(manifest.counts).toEqual({ segments: 4, videos: 1 });
  });
});
