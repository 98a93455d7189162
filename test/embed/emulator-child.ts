// Runs the real emulator in its own process, so a test can measure the client's memory alone
// (startEmulator directly: this process runs no tests, so test/helpers/emulator.ts's hooks do not apply).
// Usage: vite-node test/embed/emulator-child.ts <apiKey>; prints the base URL as its first line.
import { startEmulator } from '../../src/emulator/index.js';

const emu = await startEmulator({ port: 0, apiKey: process.argv[2] ?? 'test-key', taskDelayMs: 50, seed: 1 });
process.stdout.write(`${emu.baseUrl}\n`);
const stop = (): void => {
  void emu.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
