import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/shared-data.js';

interface PackManifest {
  bin: Record<string, string>;
  exports: Record<string, Record<string, string>>;
  scripts: Record<string, string>;
  license: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as PackManifest;

/** What `npm pack` would put in the tarball (npm test has built dist/; scripts are not run here). */
function packedFiles(): Set<string> {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  const [report] = JSON.parse(out) as { files: { path: string }[] }[];
  return new Set((report?.files ?? []).map((file) => file.path));
}

/** Relative specifiers a compiled file imports: static `from '...'`, `import('...')` and `new URL('...', import.meta.url)`. */
function relativeImports(source: string): string[] {
  const found: string[] = [];
  for (const pattern of [
    /\bfrom\s+'(\.[^']+)'/g,
    /\bimport\(\s*'(\.[^']+)'\s*\)/g,
    /\bnew URL\(\s*'(\.[^']+)',\s*import\.meta\.url\)/g,
  ]) {
    for (const match of source.matchAll(pattern)) if (match[1] !== undefined) found.push(match[1]);
  }
  return found;
}

describe('the npm tarball', () => {
  let files = new Set<string>();
  beforeAll(() => {
    files = packedFiles();
  });

  it('holds the entry points, their types, the CLI, the native build script and its patch, README, LICENSE, CHANGELOG', () => {
    const wanted = [
      'package.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'scripts/build-native-hnswlib.mjs',
      `scripts/hnswlib-node-${manifest.dependencies['hnswlib-node']}.patch`,
      ...Object.values(manifest.bin),
      ...Object.values(manifest.exports).flatMap((target) => Object.values(target)),
    ].map((path) => normalize(path));
    for (const path of wanted) expect(files, path).toContain(path);
    const postinstall = manifest.scripts['postinstall'] ?? '';
    for (const script of postinstall.match(/scripts\/\S+/g) ?? [])
      expect(files, `postinstall runs ${script}`).toContain(script);
  });

  it('leaves out sources, tests, benchmarks, sample data, source maps, the local native copy and CI', () => {
    const unwanted = [
      /^src\//,
      /^test\//,
      /^bench\//,
      /^data\//,
      /^native\//,
      /^\.ci\//,
      /^docs\//,
      /\.map$/,
      /^tsconfig/,
      /^vitest/,
      /^biome/,
      /^knip/,
    ];
    const shipped = [...files].filter((path) => unwanted.some((pattern) => pattern.test(path)));
    expect(shipped).toEqual([]);
  });

  it('every file a shipped module imports or opens by relative path is shipped too, or is the optional native copy', () => {
    const missing: string[] = [];
    for (const path of files) {
      if (!path.endsWith('.js')) continue;
      for (const specifier of relativeImports(readFileSync(join(PROJECT_ROOT, path), 'utf8'))) {
        const target = normalize(join(dirname(path), specifier));
        // native/ is written at install by scripts/build-native-hnswlib.mjs, and optional at run time.
        if (!files.has(target) && !target.startsWith('native/')) missing.push(`${path} -> ${target}`);
      }
    }
    expect(missing).toEqual([]);
    // The scan did look at imports: the CLI entry imports the commands it registers.
    expect(relativeImports(readFileSync(join(PROJECT_ROOT, 'dist/cli/main.js'), 'utf8'))).toContain('./commands.js');
  });

  it('does not make consumers install usearch: it is a dev dependency of the benchmarks only', () => {
    expect(manifest.devDependencies['usearch']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(manifest.dependencies['usearch']).toBeUndefined();
    expect(manifest.optionalDependencies?.['usearch']).toBeUndefined();
  });

  it('matches package.json "license" with the LICENSE file', () => {
    expect(manifest.license).toBe('MIT');
    expect(readFileSync(join(PROJECT_ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
  });
});
