import { constants } from 'node:os';
import type { ReplicaStatus } from '../pool-driver.types';

/** What the driver asks `systemctl show -p …` for. */
export const SHOW_PROPERTIES = [
  'LoadState',
  'ActiveState',
  'SubState',
  'ExecMainCode',
  'ExecMainStatus',
] as const;

export interface UnitState {
  loadState: string;
  activeState: string;
  subState: string;
  /** si_code of the main process's end: 1 exited, 2 killed, 3 dumped core; 0 = has not ended. */
  execMainCode: number;
  execMainStatus: number;
}

const RUNNING_STATES = new Set(['active', 'activating', 'deactivating', 'reloading', 'refreshing']);
const ENDED_STATES = new Set(['inactive', 'failed']);
const CLD_EXITED = 1;

/** Parses `Key=Value` lines; values may themselves contain "=". */
export function parseSystemctlShow(stdout: string): UnitState {
  const props = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) props.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  const int = (key: string): number => {
    const value = Number(props.get(key));
    return Number.isInteger(value) ? value : 0;
  };
  return {
    loadState: props.get('LoadState') ?? 'unknown',
    activeState: props.get('ActiveState') ?? 'unknown',
    subState: props.get('SubState') ?? 'unknown',
    execMainCode: int('ExecMainCode'),
    execMainStatus: int('ExecMainStatus'),
  };
}

export function isUnitRunning(state: UnitState): boolean {
  return RUNNING_STATES.has(state.activeState);
}

export function hasUnitEnded(state: UnitState): boolean {
  return ENDED_STATES.has(state.activeState);
}

function signalName(signo: number): string {
  const entry = Object.entries(constants.signals).find(([, n]) => n === signo);
  return entry ? entry[0] : `signal ${signo}`;
}

/** The exit of the unit's main process as a replica status reports it. */
export function unitExit(state: UnitState): Pick<ReplicaStatus, 'exitCode' | 'signal'> {
  if (state.execMainCode === 0) return { exitCode: null, signal: null };
  return state.execMainCode === CLD_EXITED
    ? { exitCode: state.execMainStatus, signal: null }
    : { exitCode: null, signal: signalName(state.execMainStatus) };
}

export function unitStatus(replica: number, url: string, state: UnitState): ReplicaStatus {
  const detail = `${state.loadState}/${state.activeState}/${state.subState}`;
  if (isUnitRunning(state)) return { replica, url, state: 'running', detail };
  if (hasUnitEnded(state) && state.loadState !== 'not-found') {
    return { replica, url, state: 'exited', ...unitExit(state), detail };
  }
  return { replica, url, state: 'unknown', detail };
}
