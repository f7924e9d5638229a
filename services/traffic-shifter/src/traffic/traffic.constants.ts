import type { Affinity } from '@greenlight/contracts';

/** Who the shifter's events name as their actor. */
export const TRAFFIC_ACTOR = 'system:traffic-shifter';

/** What `command.rejected` names as the refused command. */
export const TRAFFIC_SET_COMMAND = 'traffic.set';

/** A table created without an explicit affinity splits by session, like the manifest default. */
export const DEFAULT_AFFINITY: Affinity = 'session';

/** Concurrent writers of one KV entry: how often a loser re-reads and decides again. */
export const MAX_WRITE_ATTEMPTS = 5;

/** Why a traffic.set is refused (the `reason` of command.rejected); nothing changes. */
export const TRAFFIC_ERRORS = {
  stale: (service: string, version: number, applied: number) =>
    `version ${version} of ${service} is stale: version ${applied} is already applied (versions only grow)`,
  conflictingRepeat: (service: string, version: number) =>
    `version ${version} of ${service} is already applied with other weights or pools (a repeat must be identical)`,
  unknownService: (service: string) =>
    `no routing table for service ${service} yet: its first traffic.set must give the pools`,
  missingPool: (service: string, pool: string, weight: number) =>
    `${pool} weight ${weight} for ${service}, but ${service} has no ${pool} pool`,
  invalidTable: (detail: string) => `the resulting routing table is invalid: ${detail}`,
  notConfirmed: (driver: string, detail: string) => `${driver} data plane: ${detail}`,
  writeConflict: (service: string, attempts: number) =>
    `routing table of ${service} kept changing under us (${attempts} write attempts lost)`,
} as const;

/** Injection token: DataPlaneDriver[] (embedded gateway; HAProxy and Gateway API HTTPRoutes when configured). */
export const DATA_PLANE_DRIVERS = Symbol('DATA_PLANE_DRIVERS');
/** Injection token: the service's TrafficShifterConfig. */
export const TRAFFIC_CONFIG = Symbol('TRAFFIC_CONFIG');
