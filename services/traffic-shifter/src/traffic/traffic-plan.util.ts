import { isDeepStrictEqual } from 'node:util';
import {
  RoutingTableSchema,
  safeParse,
  validationMessage,
  type CommandData,
  type PoolRoute,
  type RoutingTable,
  type ValidationIssue,
} from '@greenlight/contracts';
import { DEFAULT_AFFINITY, TRAFFIC_ERRORS } from './traffic.constants';

export type TrafficSetData = CommandData<'traffic.set'>;

/**
 * What to do with a traffic.set given the table in force:
 * - apply: write `table` (a newer version) and confirm it;
 * - reconfirm: `table` is exactly what is in force (a redelivered or repeated command): confirm
 *   it again without writing;
 * - refuse: say why and change nothing.
 */
export type TrafficPlan =
  | { kind: 'apply'; table: RoutingTable }
  | { kind: 'reconfirm'; table: RoutingTable }
  | { kind: 'refuse'; reason: string; issues: ValidationIssue[]; appliedVersion?: number };

const POOLS = ['blue', 'green'] as const;

function refuse(
  reason: string,
  issues: ValidationIssue[] = [],
  appliedVersion?: number,
): TrafficPlan {
  return {
    kind: 'refuse',
    reason,
    issues,
    ...(appliedVersion === undefined ? {} : { appliedVersion }),
  };
}

/** Pure: decides from the command and the current table (null: the service has none yet). */
export function planTrafficChange(
  request: TrafficSetData,
  current: RoutingTable | null,
): TrafficPlan {
  const { service, version, weights } = request;
  if (current && version < current.version) {
    return refuse(TRAFFIC_ERRORS.stale(service, version, current.version), [], current.version);
  }
  if (!current && !request.pools) return refuse(TRAFFIC_ERRORS.unknownService(service));

  const pools: Record<(typeof POOLS)[number], PoolRoute | null> = { blue: null, green: null };
  for (const pool of POOLS) {
    const where = request.pools ? request.pools[pool] : current?.pools[pool];
    const weight = weights[pool];
    if (!where) {
      if (weight > 0) return refuse(TRAFFIC_ERRORS.missingPool(service, pool, weight));
      continue;
    }
    pools[pool] = {
      release: where.release,
      endpoints: [...where.endpoints],
      weight,
      ...(where.generation ? { generation: where.generation } : {}),
    };
  }
  const parsed = safeParse(RoutingTableSchema, {
    service,
    version,
    affinity: request.affinity ?? current?.affinity ?? DEFAULT_AFFINITY,
    pools,
  });
  if (!parsed.ok) {
    return refuse(TRAFFIC_ERRORS.invalidTable(validationMessage(parsed.issues)), parsed.issues);
  }
  const table = parsed.value;

  if (current && version === current.version) {
    return isDeepStrictEqual(table, current)
      ? { kind: 'reconfirm', table: current }
      : refuse(TRAFFIC_ERRORS.conflictingRepeat(service, version), [], current.version);
  }
  return { kind: 'apply', table };
}
