import { type StartedCli, startCli } from './cli-async.js';

export interface ServeCli extends StartedCli {
  /** The base URL serve printed as its first line. */
  url: string;
}

/**
 * The built `vsearch serve ARGS` in a child process, once it prints its base URL. The environment
 * names no library or API key unless `env` does; a key of `env` set to undefined is removed.
 */
export async function startServeCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ServeCli> {
  const started = startCli(['serve', ...args], env);
  const url = await new Promise<string>((resolve, reject) => {
    started.child.stdout.on('data', () => {
      const stdout = started.stdout();
      const newline = stdout.indexOf('\n');
      if (newline >= 0) resolve(stdout.slice(0, newline));
    });
    void started.exited.then(() => reject(new Error(`vsearch serve exited early: ${started.stderr()}`)));
  });
  return { ...started, url };
}
