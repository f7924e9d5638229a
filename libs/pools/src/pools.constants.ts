export const DEFAULT_HOST = '127.0.0.1';
/** The process driver's copy of a pool record, beside the replicas' logs. */
export const POOL_RECORD_FILE = 'pool.json';
/** How often a watcher checks replicas it cannot hear exit (adopted after a restart, systemd, k8s). */
export const DEFAULT_WATCH_INTERVAL_MS = 500;
/** How often stop() checks whether a signalled replica is gone. */
export const STOP_POLL_INTERVAL_MS = 50;
/** After SIGKILL a process is gone within milliseconds unless it is stuck in the kernel. */
export const KILL_WAIT_MS = 10_000;
/** A failed start stops what it already started; those replicas were never used, so be brief. */
export const ROLLBACK_STOP_TIMEOUT_MS = 5_000;
/** Used by drivers whose manifest pool has no stopTimeout (kubernetes). */
export const DEFAULT_STOP_TIMEOUT_MS = 120_000;
export const DEFAULT_SYSTEMD_BASE_PORT = 8001;
/** How many instance ports above basePort start() looks at for ones not in use. */
export const SYSTEMD_PORT_SCAN = 256;
export const DEFAULT_KUBE_CONTAINER_PORT = 8000;
export const DEFAULT_KUBE_IMAGE = 'vllm/vllm-openai:latest';
export const DEFAULT_KUBE_COMMAND = 'vllm serve --served-model-name {model} --port {port}';
/** k8s finishes a foreground delete a little after the pods' grace period; allow for it. */
export const KUBE_DELETE_MARGIN_MS = 30_000;

export const PLACEHOLDERS = ['port', 'model', 'version', 'replica', 'template'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

const KNOWN_PLACEHOLDERS = PLACEHOLDERS.map((p) => `{${p}}`).join(', ');

/** Prefix of every command-template error: the manifest field it is about. */
export const COMMAND_FIELD = 'pool.command';

export const POOL_ERRORS = {
  emptyCommand: `${COMMAND_FIELD}: is empty`,
  shellOperator: (op: string) =>
    `${COMMAND_FIELD}: shell operator "${op}" is not allowed: the command runs without a shell, ` +
    'so pipes, redirections, command lists and subshells cannot work',
  glob: (pattern: string) =>
    `${COMMAND_FIELD}: glob "${pattern}" would not be expanded (no shell is used); quote it if it is meant literally`,
  comment: (text: string) =>
    `${COMMAND_FIELD}: "#${text}" is a shell comment; quote "#" if it belongs to an argument`,
  unterminatedQuote: (quote: string) => `${COMMAND_FIELD}: unterminated ${quote} quote`,
  badSubstitution: (detail: string) => `${COMMAND_FIELD}: bad variable substitution: ${detail}`,
  unsupportedExpansion: (expr: string) =>
    `${COMMAND_FIELD}: "$${expr}" is not supported; only $NAME and \${NAME} environment variables are expanded`,
  unsetVariable: (name: string) =>
    `${COMMAND_FIELD}: $${name} is not set in the replica environment (set it in pool.env)`,
  envAssignment: (token: string) =>
    `${COMMAND_FIELD}: "${token}" is an environment assignment; put it in pool.env (no shell is used)`,
  unknownPlaceholder: (name: string) =>
    `${COMMAND_FIELD}: unknown placeholder {${name}}; known placeholders: ${KNOWN_PLACEHOLDERS}`,
  missingTemplate: `${COMMAND_FIELD}: uses {template} but the release has no chat template file`,
  templateFileMissing: (file: string) =>
    `${COMMAND_FIELD}: uses {template} but the chat template file ${file} does not exist`,
  commandNotFound: (command: string, path: string) =>
    `${COMMAND_FIELD}: command "${command}" not found (searched PATH=${path})`,
  commandFileMissing: (path: string) => `${COMMAND_FIELD}: command ${path} does not exist`,
  commandNotExecutable: (path: string) => `${COMMAND_FIELD}: ${path} is not an executable file`,
  spawnFailed: (replica: number, command: string, reason: string) =>
    `replica ${replica}: could not start "${command}": ${reason}`,
  noFreePort: (host: string, from: number, to: number) =>
    `no free port in portRange ${from}-${to} on ${host}`,
  noEphemeralPort: (host: string) => `could not allocate a free port on ${host}`,
  badPortRange: (from: number, to: number) =>
    `portRange ${from}-${to} is invalid: need 1 <= from <= to <= 65535`,
  stuckAfterKill: (replica: number, pid: number, ms: number) =>
    `replica ${replica} (process group ${pid}) was still running ${ms} ms after SIGKILL`,
  wrongDriver: (driver: string, got: string) =>
    `the ${driver} pool driver cannot handle a ${got} pool`,
  missingDeps: (driver: string) => `pool driver "${driver}" needs its options (deps.${driver})`,
  unknownDriver: (driver: string) => `unknown pool driver "${driver}"`,
  systemctlFailed: (argv: readonly string[], code: number, stderr: string) =>
    `${argv.join(' ')} failed (exit ${code})${stderr.trim() ? `: ${stderr.trim()}` : ''}`,
  systemdStuck: (unit: string, ms: number) =>
    `${unit} was still active ${ms} ms after systemctl kill --signal=SIGKILL`,
  commandRunnerMissing: (command: string) => `${command} is not installed or not on PATH`,
  kubeRequestFailed: (method: string, path: string, status: number, message: string) =>
    `kubernetes ${method} ${path} failed (HTTP ${status})${message ? `: ${message}` : ''}`,
  kubeAlreadyExists: (kind: string, name: string, namespace: string) =>
    `kubernetes ${kind} ${name} already exists in namespace ${namespace}: another start of this release is running or was not cleaned up`,
  kubeReplicaPlaceholder: `${COMMAND_FIELD}: {replica} cannot be used with the kubernetes driver: every pod of a Deployment runs the same command`,
  kubeStuck: (name: string, namespace: string, ms: number) =>
    `kubernetes deployment ${name} in ${namespace} was still terminating after ${ms} ms`,
} as const;

export const STATIC_STOP_DETAIL =
  'static pool: greenlight does not own these servers, so nothing was stopped';
export const STATIC_STATUS_DETAIL =
  'static pool: not owned by greenlight; readiness and liveness come from probing the endpoint';
export const ADOPTED_EXIT_DETAIL =
  'exit status unknown: the replica was not started by this process (adopted after a restart)';
export const STOPPED_DETAIL = 'stopped by greenlight';
