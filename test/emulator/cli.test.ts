import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { emulatorOptionsFromFlags, registerEmulatorCommand } from '../../src/cli/emulator.js';
import { InputError } from '../../src/errors.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./fixtures/run-emulator-cli.ts', import.meta.url));

describe('emulator command flags', () => {
  it('maps flags to options and rejects bad ones with InputError', () => {
    expect(emulatorOptionsFromFlags({ port: '0', host: '127.0.0.1', apiKey: 'k', taskDelay: '25', seed: '9' })).toEqual(
      { port: 0, host: '127.0.0.1', apiKey: 'k', taskDelayMs: 25, seed: 9 },
    );
    expect(() => emulatorOptionsFromFlags({ port: 'eighty', host: '127.0.0.1' })).toThrow(InputError);
    expect(() => emulatorOptionsFromFlags({ port: '70000', host: '127.0.0.1' })).toThrow(/--port/);
    expect(() => emulatorOptionsFromFlags({ port: '0', host: '127.0.0.1', taskDelay: '-5' })).toThrow(/--task-delay/);
    expect(() =>
      emulatorOptionsFromFlags({ port: '0', host: '127.0.0.1', scenario: '/no/such/scenario.json' }),
    ).toThrow(InputError);
  });

  it('registers `emulator` with its flags', () => {
    const program = new Command();
    registerEmulatorCommand(program);
    const command = program.commands.find((c) => c.name() === 'emulator');
    expect(command?.options.map((o) => o.long)).toEqual([
      '--port',
      '--host',
      '--api-key',
      '--task-delay',
      '--scenario',
      '--seed',
    ]);
  });
});

describe('vsearch emulator (process)', () => {
  // SIGINT, not SIGTERM: vite-node (which runs the TypeScript here) installs its own SIGTERM handler.
  it('prints its base URL first, serves, and exits 0 on SIGINT', async () => {
    const child = spawn(
      process.execPath,
      [
        `${ROOT}node_modules/vite-node/vite-node.mjs`,
        SCRIPT,
        '--',
        'emulator',
        '--port',
        '0',
        '--api-key',
        'cli-key',
        '--seed',
        '5',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const firstLine = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('\n')) resolve(stdout.split('\n')[0] ?? '');
      });
      child.on('exit', (code) => reject(new Error(`exited early (${String(code)}): ${stderr}`)));
    });
    expect(firstLine).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\.3$/);
    const res = await fetch(`${firstLine}/embed-v2`, {
      method: 'POST',
      headers: { 'x-api-key': 'cli-key', 'content-type': 'application/json' },
      body: JSON.stringify({ input_type: 'text', model_name: 'marengo3.0', text: { input_text: 'hi' } }),
    });
    expect(res.status).toBe(200);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGINT');
    });
    expect(code).toBe(0);
    await expect(fetch(`${firstLine}/embed-v2`)).rejects.toThrow();
  });

  it('exits 2 on a bad flag', async () => {
    const child = spawn(
      process.execPath,
      [`${ROOT}node_modules/vite-node/vite-node.mjs`, SCRIPT, '--', 'emulator', '--port', 'abc'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(stderr).toMatch(/--port must be an integer/);
  });
});
