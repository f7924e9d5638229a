/** What the picker needs of a replica: its requests in flight from this gateway. */
export interface Pickable {
  readonly upstream: { readonly inFlight: number };
}

/** Where the round robin among equally loaded replicas resumes; one per pool. */
export interface PickCursor {
  next: number;
}

/**
 * Least in-flight replica; among equals the first one after the previous pick (round robin), so
 * an idle pool still spreads requests. `exclude` is the replica a retry must avoid.
 */
export function pickReplica<T extends Pickable>(
  replicas: readonly T[],
  cursor: PickCursor,
  exclude?: T,
): T | undefined {
  const count = replicas.length;
  if (count === 0) return undefined;
  const start = cursor.next % count;
  let best: T | undefined;
  let bestIndex = -1;
  for (let step = 0; step < count; step++) {
    const index = (start + step) % count;
    const replica = replicas[index]!;
    if (replica === exclude) continue;
    if (best === undefined || replica.upstream.inFlight < best.upstream.inFlight) {
      best = replica;
      bestIndex = index;
    }
  }
  if (best !== undefined) cursor.next = bestIndex + 1;
  return best;
}
