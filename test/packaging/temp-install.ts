import { cpSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../helpers/shared-data.js';

export interface TempInstall {
  /** dist/cli/main.js of the copy. */
  cli: string;
  /** Where hnswlib-node's addon would be (absent unless `withoutAddon` is false). */
  addonDir: string;
  /** The copy's native/ folder (absent: no copy was compiled for it). */
  nativeDir: string;
}

/**
 * vsearch installed as a user gets it, in a folder of its own: dist/ and package.json copied,
 * every dependency linked from this checkout's node_modules except those in `without` (as if
 * not installed) and hnswlib-node, which is copied without its compiled addon (what an install
 * without scripts leaves) when `hnswlibAddon` is false.
 */
export function tempInstall(dir: string, options: { without?: readonly string[]; hnswlibAddon: boolean }): TempInstall {
  const modules = join(dir, 'node_modules');
  mkdirSync(modules, { recursive: true });
  cpSync(join(PROJECT_ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  cpSync(join(PROJECT_ROOT, 'package.json'), join(dir, 'package.json'));
  const skipped = new Set([...(options.without ?? []), ...(options.hnswlibAddon ? [] : ['hnswlib-node'])]);
  for (const name of readdirSync(join(PROJECT_ROOT, 'node_modules'))) {
    if (!skipped.has(name)) symlinkSync(join(PROJECT_ROOT, 'node_modules', name), join(modules, name));
  }
  if (!options.hnswlibAddon) {
    const stock = join(PROJECT_ROOT, 'node_modules', 'hnswlib-node');
    for (const part of ['package.json', 'lib'])
      cpSync(join(stock, part), join(modules, 'hnswlib-node', part), { recursive: true });
  }
  return {
    cli: join(dir, 'dist', 'cli', 'main.js'),
    addonDir: join(modules, 'hnswlib-node', 'build', 'Release'),
    nativeDir: join(dir, 'native'),
  };
}
