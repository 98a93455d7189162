import { invalid, isRecord, missing } from '../http/index.js';

/** `request`: hold it before the emulated API handles it; `answer`: handle it (create the task, asset...), hold the reply. */
export type HoldStage = 'request' | 'answer';

export interface HoldView {
  id: string;
  method: string;
  /** A concrete API path ("/embed-v2/tasks") or a route template ("/embed-v2/tasks/{task_id}"), without /v1.3. */
  path: string;
  stage: HoldStage;
  /** Matching requests still to be caught. */
  remaining: number;
  /** Caught requests waiting for release. */
  waiting: number;
  /** Every request this hold caught, released or not. */
  caught: number;
}

interface Hold {
  view: HoldView;
  releases: Array<() => void>;
}

/**
 * Requests held on demand, so a test can act at a chosen moment of a client's exchange (kill it
 * with its request sent and unanswered, say) instead of guessing a time. The next `count`
 * matching API requests wait, at the chosen stage, until released.
 */
export class HoldRegistry {
  private holds: Hold[] = [];
  private counter = 0;

  add(raw: Record<string, unknown>): HoldView {
    const method = raw['method'];
    const path = raw['path'];
    const count = raw['count'] ?? 1;
    const stage = raw['stage'] ?? 'answer';
    if (method === undefined) throw missing('method');
    if (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method)) throw invalid('method');
    if (path === undefined) throw missing('path');
    if (typeof path !== 'string' || !path.startsWith('/'))
      throw invalid('path', 'It must be an API path such as /embed-v2/tasks.');
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1)
      throw invalid('count', 'It must be a positive integer.');
    if (stage !== 'request' && stage !== 'answer') throw invalid('stage', 'Allowed values: request, answer.');
    this.counter += 1;
    const hold: Hold = {
      view: {
        id: `hold-${this.counter}`,
        method: method.toUpperCase(),
        path,
        stage,
        remaining: count,
        waiting: 0,
        caught: 0,
      },
      releases: [],
    };
    this.holds.push(hold);
    return { ...hold.view };
  }

  /** Waits while a hold catches this request at this stage; resolves at once when none does. */
  async pass(method: string, path: string, template: string, stage: HoldStage): Promise<void> {
    const hold = this.holds.find(
      (h) =>
        h.view.remaining > 0 &&
        h.view.stage === stage &&
        h.view.method === method &&
        (h.view.path === path || h.view.path === template),
    );
    if (hold === undefined) return;
    hold.view.remaining -= 1;
    hold.view.caught += 1;
    hold.view.waiting += 1;
    await new Promise<void>((resolve) => hold.releases.push(resolve));
    hold.view.waiting -= 1;
  }

  list(): HoldView[] {
    return this.holds.map((h) => ({ ...h.view }));
  }

  /** Lets the held requests of one hold (or of all) go on and forgets the hold(s). */
  release(raw: unknown): { released: number } {
    const id = isRecord(raw) ? raw['id'] : undefined;
    if (id !== undefined && typeof id !== 'string') throw invalid('id');
    const chosen = this.holds.filter((h) => id === undefined || h.view.id === id);
    let released = 0;
    for (const hold of chosen) {
      released += hold.releases.length;
      for (const resume of hold.releases.splice(0)) resume();
    }
    this.holds = this.holds.filter((h) => !chosen.includes(h));
    return { released };
  }
}
