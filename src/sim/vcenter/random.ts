// A small seeded random source, so that a test (or a demo) that passes `seed` gets the same
// inventory, event sequence and key steps every run. mulberry32: 32-bit state, fast, and
// plenty for a simulator (not for anything secret: session ids come from node:crypto).

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** true with probability p. */
  chance(p: number): boolean;
  /** n lowercase hex digits. */
  hex(n: number): string;
}

const hexDigits = '0123456789abcdef';

export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[int(0, items.length - 1)]!;
    },
    chance: (p) => next() < p,
    hex: (n) => {
      let text = '';
      for (let i = 0; i < n; i++) text += hexDigits[int(0, 15)];
      return text;
    },
  };
}

/** A version-4-shaped UUID drawn from `random` (deterministic under a seed). */
export function randomUuid(random: Random): string {
  const h = random.hex(32);
  const variant = ((random.int(0, 3) | 8) >>> 0).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
