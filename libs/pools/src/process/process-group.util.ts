import { existsSync, readdirSync, readFileSync } from 'node:fs';

/**
 * Identifies a replica's process group across host restarts without ever signalling a stranger:
 * a pid is trusted only together with the start time /proc recorded for it at spawn.
 */

export const PROC_AVAILABLE = existsSync('/proc/self/stat');

interface ProcStat {
  state: string;
  pgrp: number;
  /** Field 22: clock ticks after boot; a decimal string because it can exceed 2^53 in theory. */
  startTime: string;
}

function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2 (comm) is parenthesised and may hold spaces or ")": fields resume after the last ")".
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const [state, , pgrp] = fields;
  const startTime = fields[19];
  if (state === undefined || pgrp === undefined || startTime === undefined) return undefined;
  return { state, pgrp: Number(pgrp), startTime };
}

/** The start time to keep in a record, or null if the process is already gone. */
export function processStartTime(pid: number): string | null {
  if (!PROC_AVAILABLE) return null;
  const stat = readProcStat(pid);
  return stat && stat.state !== 'Z' ? stat.startTime : null;
}

/** Whether the replica's own process (the group leader) still runs; its workers do not count. */
export function isLeaderAlive(pid: number, startTime: string | null): boolean {
  if (!PROC_AVAILABLE) return pidExists(pid);
  if (startTime === null) return false;
  const leader = readProcStat(pid);
  return leader !== undefined && leader.startTime === startTime && leader.state !== 'Z';
}

/** Whether any live process of the group that `pgid` led (started at `startTime`) remains. */
export function isGroupAlive(pgid: number, startTime: string | null): boolean {
  if (!PROC_AVAILABLE) return pidGroupExists(pgid);
  if (startTime === null) return false;
  const leader = readProcStat(pgid);
  if (leader && leader.startTime !== startTime) return false; // the pid was recycled
  if (leader && leader.state !== 'Z') return true;
  // The leader is gone but its children may linger (vLLM workers). A pid is not reused while a
  // group still carries its number, so members of group `pgid` started after it are ours.
  const since = BigInt(startTime);
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readProcStat(Number(name));
    if (stat && stat.pgrp === pgid && stat.state !== 'Z' && BigInt(stat.startTime) >= since) {
      return true;
    }
  }
  return false;
}

/** Signals the whole group if it is still ours; false when it was already gone. */
export function signalGroup(
  pgid: number,
  startTime: string | null,
  signal: NodeJS.Signals,
): boolean {
  if (!isGroupAlive(pgid, startTime)) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** Without /proc (not Linux) only liveness can be checked, not identity. */
function pidGroupExists(pgid: number): boolean {
  return pidExists(-pgid);
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
