import { createHash } from 'node:crypto';

/** 24-hex-digit ids shaped like the service's ObjectIds, deterministic per seed and creation order. */
export class IdGenerator {
  private counter = 0;
  constructor(private readonly seed: number) {}

  next(kind: string): string {
    this.counter += 1;
    return createHash('sha256').update(`${this.seed}:${kind}:${this.counter}`).digest('hex').slice(0, 24);
  }
}
