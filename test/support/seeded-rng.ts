import { Buffer } from 'node:buffer';

/**
 * mulberry32, a small deterministic PRNG for the fuzz tests of both ends of the RPC: a failing
 * run replays from the seed it prints. Each test adds its own text and JSON generators.
 */
export class SeededRng {
  private state: number;

  constructor(seedValue: number) {
    this.state = seedValue >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T;
  }

  /** Picks by weight: `[weight, value]` pairs. */
  weighted<T>(items: readonly (readonly [number, T])[]): T {
    let roll = this.next() * items.reduce((sum, [w]) => sum + w, 0);
    for (const [weight, value] of items) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return (items[0] as readonly [number, T])[1];
  }

  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(0, 255);
    return out;
  }
}
