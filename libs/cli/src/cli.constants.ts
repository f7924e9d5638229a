import { DEFAULT_PORTS } from '@greenlight/contracts';

/** Where `greenlight up` keeps its state, relative to the working directory. */
export const DEFAULT_STATE_DIR = '.greenlight';
export const STACK_FILE = 'stack.json';
export const PID_FILE = 'up.pid';

export const ENV_URL = 'GREENLIGHT_URL';
export const ENV_TOKEN = 'GREENLIGHT_TOKEN';

/** Ports `greenlight up` prefers; a busy one is swapped for a free port unless given explicitly. */
export const UP_DEFAULT_PORTS = { ...DEFAULT_PORTS, nats: 4222, redis: 6379 } as const;

export const CLI_ERRORS = {
  noConnection: `no orchestrator to talk to: pass --url and --token, set ${ENV_URL} and ${ENV_TOKEN}, or run \`greenlight up\` in this directory (${DEFAULT_STATE_DIR}/${STACK_FILE})`,
  badStackFile: (path: string, reason: string) => `${path} is not a valid stack file: ${reason}`,
  unreachable: (url: string, reason: string) =>
    `cannot reach the orchestrator at ${url} (${reason}); is \`greenlight up\` running?`,
  unauthorized: 'the orchestrator refused the token: pass --token or set GREENLIGHT_TOKEN',
  forbidden: 'this command needs an operator token',
  badResponse: (url: string, status: number) => `unexpected answer from ${url}: HTTP ${status}`,
  badPort: (value: string) => `not a TCP port: ${value}`,
  portBusy: (what: string, port: number, flag: string) =>
    `port ${port} (${what}) is in use: pass ${flag} with a free port`,
  alreadyUp: (dir: string, pid: number) =>
    `a stack already runs from ${dir} (pid ${pid}); stop it first (Ctrl-C or kill ${pid})`,
} as const;

export const MANIFEST_ERRORS = {
  unreadable: (file: string, reason: string) => `cannot read manifest ${file}: ${reason}`,
  syntax: (file: string, reason: string) => `${file}: ${reason}`,
  invalid: (file: string) => `${file} is not a valid release manifest`,
  notMapping: (file: string) =>
    `${file}: a release manifest must be a mapping (service, release, pool, …)`,
  templateFileType: 'release.template.file: must be a path (string) relative to the manifest',
  templateBoth: 'release.template: give either file or content, not both',
  templateEscapes: (file: string, dir: string) =>
    `release.template.file: ${file} is outside the manifest's directory ${dir}; only paths inside it are read`,
  templateUnreadable: (file: string, reason: string) =>
    `release.template.file: cannot read ${file}: ${reason}`,
} as const;
