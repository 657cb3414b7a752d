/**
 * Mixed precision by count: the quantized ops are put in an order — most sensitive first, or in
 * graph order from the input (one float region at the input, so one DQ→float→Q boundary) — and the
 * search is for the smallest k such that keeping the first k in float meets the budget, never a
 * search over subsets. Pure: the caller's `holds(k)` builds and checks a model (and may throw
 * nothing: a build that fails is "does not hold").
 *
 * The search gallops up from 1 (1, 2, 4, 8, …) and then bisects between the last count that missed
 * and the first that held. Starting small matters twice: a mixed model pays off only with a
 * handful of ops in float (each float island costs its DQ/Q boundaries, and many cost more than
 * int8 saves), and measured fidelity is not monotone in k — keeping more ops in float can make it
 * worse where a float op then reads a re-quantized neighbour — so a bisection from the middle can
 * land far from the few that suffice. Each probe is a real build checked against the real budget,
 * so the k it returns does hold.
 */

export interface CountProbe {
  kept: number;
  holds: boolean;
}

export interface CountSearch {
  /** The smallest count found to hold; null when none up to the cap does. */
  kept: number | null;
  /** Every probe, in the order made. */
  probes: CountProbe[];
}

/**
 * The smallest k in 1…`ranked` (or …`cap`) with `holds(k)`, given that k = 0 (everything quantized)
 * does not hold. At most 2⌈log2 k⌉ + 1 probes for an answer k; the cap bounds how many ops a mixed
 * model may keep in float before it is no longer worth building.
 */
export async function searchKeepCount(
  ranked: number,
  holds: (kept: number) => Promise<boolean>,
  cap: number = ranked,
): Promise<CountSearch> {
  const probes: CountProbe[] = [];
  const limit = Math.min(ranked, Math.floor(cap));
  if (!Number.isInteger(ranked) || limit < 1) return { kept: null, probes };
  const probe = async (kept: number) => {
    const ok = await holds(kept);
    probes.push({ kept, holds: ok });
    return ok;
  };
  // Gallop: the first power of two (or the cap) that holds brackets the answer.
  let failing = 0;
  let holding: number | null = null;
  for (let k = 1; ; k = Math.min(2 * k, limit)) {
    if (await probe(k)) {
      holding = k;
      break;
    }
    failing = k;
    if (k === limit) return { kept: null, probes };
  }
  while (holding - failing > 1) {
    const mid = Math.floor((failing + holding) / 2);
    if (await probe(mid)) holding = mid;
    else failing = mid;
  }
  return { kept: holding, probes };
}
