import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/shared-data.js';

function filesUnder(dir: string, ends: RegExp): string[] {
  return readdirSync(join(PROJECT_ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && ends.test(entry.name))
    .map((entry) => relative(PROJECT_ROOT, join(entry.parentPath, entry.name)));
}

const cited = [...filesUnder('src', /\.ts$/), ...filesUnder('test', /\.ts$/), 'README.md', 'ARCHITECTURE.md'];

describe('what the code and the docs cite lives in the repository', () => {
  it('cites no document outside it (../shared/ holds data and the API reference, which tests may read)', () => {
    const outside = cited.flatMap((file) =>
      readFileSync(join(PROJECT_ROOT, file), 'utf8')
        .split('\n')
        .flatMap((line, i) => (/\.\.\/shared\/[A-Za-z-]+\.md|\bDESIGN\.md/.test(line) ? [`${file}:${i + 1}`] : [])),
    );
    expect(outside).toEqual([]);
  });

  it('every "docs/design.md section N" names a section that exists', () => {
    const design = readFileSync(join(PROJECT_ROOT, 'docs', 'design.md'), 'utf8');
    const sections = new Set([...design.matchAll(/^## (\d+)\. /gm)].map((match) => match[1]));
    const citations = cited.flatMap((file) =>
      [...readFileSync(join(PROJECT_ROOT, file), 'utf8').matchAll(/docs\/design\.md section (\d+)/g)].map((match) => ({
        file,
        section: match[1],
      })),
    );
    expect(citations.length).toBeGreaterThan(0);
    expect(citations.filter((citation) => !sections.has(citation.section))).toEqual([]);
  });

  it('ARCHITECTURE.md keeps the search pipeline section that src/query documents', () => {
    expect(readFileSync(join(PROJECT_ROOT, 'ARCHITECTURE.md'), 'utf8')).toMatch(/^## The search pipeline$/m);
  });
});
