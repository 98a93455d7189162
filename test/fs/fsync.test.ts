import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useTempDirs } from '../helpers/temp-dir.js';

// Makes fsync of a directory fail as the platform says, to see which failures a write survives.
const directoryFsync = vi.hoisted(() => ({ code: undefined as string | undefined }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    open: async (...args: Parameters<typeof actual.open>) => {
      const handle = await actual.open(...args);
      const code = directoryFsync.code;
      if (code === undefined || !(await handle.stat()).isDirectory()) return handle;
      return Object.assign(Object.create(handle) as typeof handle, {
        sync: async () => {
          throw Object.assign(new Error(`${code}: fsync of a directory`), { code });
        },
        close: () => handle.close(),
      });
    },
  };
});

const { fsyncDirectory } = await import('../../src/fs/fsync.js');
const { writeFileAtomic } = await import('../../src/store/atomic-write.js');

describe('fsyncDirectory', () => {
  const tempDir = useTempDirs();
  afterEach(() => {
    directoryFsync.code = undefined;
  });

  it.each(['EISDIR', 'EPERM', 'EINVAL', 'EACCES'])(
    'a write whose rename stands succeeds where the platform cannot fsync a directory (%s)',
    async (code) => {
      const dir = await tempDir();
      directoryFsync.code = code;
      await writeFileAtomic(join(dir, 'a.json'), '{"a":1}');
      expect(await readFile(join(dir, 'a.json'), 'utf8')).toBe('{"a":1}');
    },
  );

  it('reports any other failure (EIO)', async () => {
    const dir = await tempDir();
    directoryFsync.code = 'EIO';
    await expect(fsyncDirectory(dir)).rejects.toThrow(/EIO/);
  });
});
