import type { Command } from 'commander';
import { registerAnalyzeCommand } from './analyze.js';
import { registerBenchCommand } from './bench.js';
import { registerBuildCommand } from './build.js';
import { registerCacheCommand } from './cache.js';
import { registerDoctorCommand } from './doctor.js';
import { registerEmulatorCommand } from './emulator.js';
import { registerMetaCommand } from './meta.js';
import { registerQueryCommand } from './query.js';
import { registerRmCommand } from './rm.js';
import { registerServeCommand } from './serve.js';
import { registerStatsCommand } from './stats.js';
import { registerSyncCommand } from './sync.js';
import { registerVideosCommand } from './videos.js';

/** Each command lives in its own file and adds itself to the program here. */
export function registerCommands(program: Command): void {
  registerBuildCommand(program);
  registerQueryCommand(program);
  registerStatsCommand(program);
  registerRmCommand(program);
  registerVideosCommand(program);
  registerMetaCommand(program);
  registerBenchCommand(program);
  registerEmulatorCommand(program);
  registerServeCommand(program);
  registerCacheCommand(program);
  registerDoctorCommand(program);
  registerAnalyzeCommand(program);
  registerSyncCommand(program);
}
