export const SIM_DEFAULTS = {
  port: 8000,
  host: '127.0.0.1',
  ttftOverheadMs: 20,
  prefillPerTokenMs: 0.2,
  itlMs: 15,
  maxNumSeqs: 64,
  numGpuBlocks: 2048,
  maxModelLen: 8192,
  loadFactor: 0.5,
  maxTokens: 64,
  seed: 0,
} as const;

export const SIM_OPTION_MESSAGES = {
  durationSeconds: 'must be a duration like 45s or 500ms (a plain number means seconds)',
  durationMillis: 'must be a duration like 15ms or 0.2ms (a plain number means milliseconds)',
  fraction: 'must be a number from 0 to 1',
  boolean: 'must be true or false',
  port: 'must be a port number 0-65535',
  positive: 'must be greater than 0',
} as const;

export const SIM_OPTION_ERRORS = {
  prefix: 'invalid options',
  unreadable: (option: string, path: string, reason: string) =>
    `${option}: cannot read ${path}: ${reason}`,
  profileNotObject: (path: string) =>
    `--profile: ${path} must hold an object of options (camelCase keys, e.g. itl: 15ms)`,
  profileReleases: (path: string) =>
    `--profile: ${path}: releases must map a version to an object of options`,
} as const;

/** Exit code for bad flags or profile (the usage error code of most CLIs). */
export const EXIT_BAD_OPTIONS = 2;
