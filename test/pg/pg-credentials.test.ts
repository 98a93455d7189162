import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliAsync } from '../helpers/cli-async.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { type RefusingServer, startRefusingServer } from './refusing-server.js';

const PASSWORD = 'wrong-pw-7Q';
const tempDir = useTempDirs();

describe('wrong credentials for a postgres:// library', () => {
  let server: RefusingServer;
  let lib: string;
  beforeAll(async () => {
    server = await startRefusingServer(PASSWORD);
    lib = `${server.url}&library=films`;
  });
  afterAll(async () => {
    await server?.stop();
  });

  it.each([
    ['query', ['query', '--lib', '{lib}', 'a white rabbit']],
    ['stats', ['stats', '--lib', '{lib}']],
    ['serve', ['serve', '--lib', '{lib}', '--port', '0']],
    ['sync from it', ['sync', '--from', '{lib}', '--to', '{dir}/copy']],
  ])(
    '%s: exit 2, the server refused the credentials, no password printed',
    async (_name, template) => {
      const dir = await tempDir();
      const args = template.map((arg) => arg.replace('{lib}', lib).replace('{dir}', dir));
      const offeredBefore = server.passwordsOffered.length;
      const result = await runCliAsync(args, { VSEARCH_PG_CACHE: await tempDir() });
      expect(result.status, result.stderr).toBe(2);
      expect(result.stderr).toMatch(
        /postgres:\/\/me:\*\*\*@127\.0\.0\.1:\d+\/app\?sslmode=disable&library=films failed: the server refused the credentials/,
      );
      expect(result.stderr).toContain('check the user and password');
      expect(`${result.stdout}${result.stderr}`).not.toContain(PASSWORD);
      expect(server.passwordsOffered.slice(offeredBefore)).toContain(PASSWORD);
    },
    60_000,
  );
});
