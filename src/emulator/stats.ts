import type { EmulatorStats } from './types.js';

/** Request counts per route template and status code, plus task and sync-embed counters. */
export class StatsRecorder {
  private requests = new Map<string, Map<string, number>>();
  tasksCreated = 0;
  /** Analyze tasks among tasksCreated. */
  analyzeTasks = 0;
  syncEmbeds = 0;
  /** Direct, URL and completed multipart uploads. */
  assetsCreated = 0;

  record(route: string, status: number | 'dropped'): void {
    const byStatus = this.requests.get(route) ?? new Map<string, number>();
    const key = String(status);
    byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
    this.requests.set(route, byStatus);
  }

  reset(): void {
    this.requests = new Map();
    this.tasksCreated = 0;
    this.analyzeTasks = 0;
    this.syncEmbeds = 0;
    this.assetsCreated = 0;
  }

  snapshot(): EmulatorStats {
    const requests: Record<string, Record<string, number>> = {};
    for (const [route, byStatus] of this.requests) requests[route] = Object.fromEntries(byStatus);
    return {
      requests,
      tasks_created: this.tasksCreated,
      sync_embeds: this.syncEmbeds,
      assets_created: this.assetsCreated,
      analyze_tasks: this.analyzeTasks,
    };
  }
}
