import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { type EmulatorOptions, startEmulator } from '../emulator/index.js';
import { InputError } from '../errors.js';
import { untilSignal } from './abort-on-signal.js';

interface EmulatorFlags {
  port: string;
  host: string;
  apiKey?: string;
  taskDelay?: string;
  scenario?: string;
  seed?: string;
}

function integer(flag: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    throw new InputError(`${flag} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** Turns the command's flags into emulator options; bad flags are InputErrors (exit 2). */
export function emulatorOptionsFromFlags(flags: EmulatorFlags): EmulatorOptions {
  const options: EmulatorOptions = { port: integer('--port', flags.port, 0, 65535), host: flags.host };
  if (flags.apiKey !== undefined) {
    if (flags.apiKey.trim() === '') throw new InputError('--api-key must not be empty; omit it to accept any key');
    options.apiKey = flags.apiKey;
  }
  if (flags.taskDelay !== undefined)
    options.taskDelayMs = integer('--task-delay', flags.taskDelay, 0, 24 * 60 * 60 * 1000);
  if (flags.seed !== undefined) options.seed = integer('--seed', flags.seed, -(2 ** 31), 2 ** 31 - 1);
  if (flags.scenario !== undefined) {
    if (!existsSync(flags.scenario))
      throw new InputError('scenario file not found; pass the path of a JSON scenario', { file: flags.scenario });
    options.scenario = flags.scenario;
  }
  return options;
}

const EMULATOR_EXAMPLES = `
Examples:
  vsearch emulator --scenario data/media-samples/scenario.json
  vsearch emulator --port 8790 --api-key test-key --task-delay 50 --seed 7

  Then, in another shell (the first line it prints is the base URL):
  export TWELVELABS_API_KEY=test-key TWELVELABS_BASE_URL=http://127.0.0.1:8790/v1.3
  vsearch build data/media-samples --clip-length 2

The --scenario file is described in README.md ("Scenario files").
`;

export function registerEmulatorCommand(program: Command): void {
  program
    .command('emulator')
    .description('serve an offline emulator of the TwelveLabs API (embed v1/v2, assets, analyze) until SIGINT/SIGTERM')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '0')
    .option('--host <host>', 'host to bind', '127.0.0.1')
    .option('--api-key <key>', 'the only x-api-key accepted (default: any non-empty key)')
    .option('--task-delay <ms>', 'how long async tasks stay processing, in ms')
    .option(
      '--scenario <file>',
      'JSON file describing media content: {"<sha256 or file name>": {"duration_sec", "segments": [{"start", "end", "text"}], "fail"?}}',
    )
    .option('--seed <n>', 'seed for vectors, ids and faults')
    .addHelpText('after', EMULATOR_EXAMPLES)
    .action(async (flags: EmulatorFlags) => {
      const emulator = await startEmulator(emulatorOptionsFromFlags(flags));
      process.stdout.write(`${emulator.baseUrl}\n`);
      process.stderr.write(`vsearch emulator listening on ${emulator.baseUrl} (Ctrl-C to stop)\n`);
      await untilSignal();
      await emulator.close();
    });
}
