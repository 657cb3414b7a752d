/**
 * Mixed precision by count: the quantized ops are ranked by sensitivity (most harmful first), and
 * the search is for the smallest k such that keeping the first k in float meets the budget — a
 * binary search over k, never a search over subsets. Pure: the caller's `holds(k)` builds and
 * checks a model (and may throw nothing: a build that fails is "does not hold").
 *
 * It assumes that keeping more of the ranked ops in float never makes fidelity worse, which is what
 * the ranking is for; each probe is a real build checked against the real budget, so the k it
 * returns does hold, even where that assumption bends.
 */

export interface CountProbe {
  kept: number;
  holds: boolean;
}

export interface CountSearch {
  /** The smallest count found to hold; null when even keeping all `ranked` in float fails. */
  kept: number | null;
  /** Every probe, in the order made. */
  probes: CountProbe[];
}

/**
 * Smallest k in 1…ranked with `holds(k)`, given that k = 0 (everything quantized) does not hold.
 * At most ⌈log2(ranked)⌉ + 1 probes.
 */
export async function searchKeepCount(
  ranked: number,
  holds: (kept: number) => Promise<boolean>,
): Promise<CountSearch> {
  const probes: CountProbe[] = [];
  if (!Number.isInteger(ranked) || ranked < 1) return { kept: null, probes };
  const probe = async (kept: number) => {
    const ok = await holds(kept);
    probes.push({ kept, holds: ok });
    return ok;
  };
  let failing = 0;
  let holding = ranked;
  let holdingProbed = false;
  while (holding - failing > 1) {
    const mid = Math.floor((failing + holding) / 2);
    if (await probe(mid)) {
      holding = mid;
      holdingProbed = true;
    } else failing = mid;
  }
  if (!holdingProbed && !(await probe(holding))) return { kept: null, probes };
  return { kept: holding, probes };
}
