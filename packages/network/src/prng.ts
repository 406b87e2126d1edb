import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';

/**
 * The only source of randomness of the simulator. Every method consumes exactly one draw, so that
 * the sequence of decisions (and therefore a whole run) depends only on the seed and on the order
 * in which callers ask.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [minInclusive, maxInclusive]; both bounds must be safe integers. */
  int(minInclusive: number, maxInclusive: number): number;
  /**
   * True with probability `p`. Consumes one draw even when `p` is 0 or 1, so that whether a
   * decision is "certain" never shifts the draws of the decisions after it.
   */
  chance(p: number): boolean;
}

const GOLDEN_GAMMA = 0x9e3779b9;

/** splitmix32 finaliser: a bijection on uint32 with full avalanche. */
function mix32(x: number): number {
  let z = x | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Folds the bits above 2^32 in, so that seeds beyond 32 bits do not silently collide with small ones. */
function fold32(seed: number, what: string): number {
  if (!Number.isSafeInteger(seed)) throw new Error(`${what} must be a safe integer, got ${seed}`);
  const high = Math.floor(seed / 0x1_0000_0000);
  return (seed ^ mix32(high)) >>> 0;
}

/**
 * A well-mixed 32-bit seed for the `index`-th run of a sweep started from `seed`. Neighbouring
 * indices give unrelated seeds, so run k of a sweep can be replayed alone from (seed, k).
 */
export function deriveSeed(seed: number, index: number): number {
  const base = mix32(fold32(seed, 'seed') + GOLDEN_GAMMA);
  return mix32(base + Math.imul(fold32(index, 'index') + 1, GOLDEN_GAMMA));
}

export function createRng(seed: number): Rng {
  // pure-rand's xoroshiro128plus(seed) puts the raw seed into the state and returns ~seed as its
  // first output, so nearby seeds (1, 2, 3, ...) would start with nearly identical draws. Filling
  // the full 128-bit state from a splitmix32 sequence avoids that correlation.
  const s = fold32(seed, 'seed');
  const state = [0, 1, 2, 3].map((k) => mix32(s + Math.imul(k + 1, GOLDEN_GAMMA)) | 0);
  // xoroshiro must not start from the all-zero state (it would stay there forever).
  if (!state.some((word) => word !== 0)) state[0] = GOLDEN_GAMMA | 0;
  const generator = xoroshiro128plusFromState(state);

  return {
    next: () => uniformFloat64(generator),
    int(minInclusive, maxInclusive) {
      if (!Number.isSafeInteger(minInclusive) || !Number.isSafeInteger(maxInclusive)) {
        throw new Error(`Rng.int bounds must be safe integers, got [${minInclusive}, ${maxInclusive}]`);
      }
      if (minInclusive > maxInclusive) {
        throw new Error(`Rng.int needs min <= max, got [${minInclusive}, ${maxInclusive}]`);
      }
      return uniformInt(generator, minInclusive, maxInclusive);
    },
    chance: (p) => uniformFloat64(generator) < p,
  };
}
