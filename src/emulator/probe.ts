import { execFile, spawnSync } from 'node:child_process';

/**
 * Media duration from ffprobe, when it is on PATH. Without it the emulator falls back to the
 * scenario's duration or DEFAULT_MEDIA_DURATION_SEC, and never writes uploads to disk for probing.
 */
const availability = new Map<string, boolean>();

export function ffprobeAvailable(): boolean {
  const path = process.env['PATH'] ?? '';
  let known = availability.get(path);
  if (known === undefined) {
    known = spawnSync('ffprobe', ['-version'], { stdio: 'ignore', timeout: 5000 }).status === 0;
    availability.set(path, known);
  }
  return known;
}

export function probeDuration(file: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    execFile('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=noprint_wrappers=1:nokey=1', file], { timeout: 15000 }, (error, stdout) => {
      const seconds = Number.parseFloat(String(stdout).trim());
      resolve(error === null && Number.isFinite(seconds) && seconds > 0 ? seconds : undefined);
    });
  });
}
