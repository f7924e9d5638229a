import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { parseManifestText } from '@greenlight/contracts';
import { SIM_OPTION_ERRORS } from '../config/sim-options.constants';
import {
  parseSimOptions,
  SimOptionsError,
  type SimOptions,
  type SimOptionsInput,
} from '../config/sim-options.schema';

type OptionKey = keyof SimOptionsInput;

/** Flag → option key and help. The command line is a contract (DESIGN.md "The simulator"). */
const FLAGS: readonly { flag: string; key: OptionKey; help: string }[] = [
  { flag: '--port <port>', key: 'port', help: 'port to listen on (default 8000)' },
  { flag: '--host <host>', key: 'host', help: 'address to bind (default 127.0.0.1)' },
  { flag: '--model <name>', key: 'model', help: 'model service name (required)' },
  { flag: '--version <version>', key: 'version', help: 'release version (required)' },
  {
    flag: '--served-model-name <name>',
    key: 'servedModelName',
    help: 'name in /v1/models and `model` (default --model)',
  },
  {
    flag: '--replica <id>',
    key: 'replica',
    help: 'replica id in the x-sim-replica header (default port)',
  },
  { flag: '--chat-template <file>', key: 'chatTemplate', help: 'jinja chat template file' },
  { flag: '--knowledge <file>', key: 'knowledge', help: 'JSON/YAML prompt → answer file' },
  { flag: '--cold-start <duration>', key: 'coldStart', help: 'refuse connections this long (45s)' },
  {
    flag: '--shutdown-timeout <duration>',
    key: 'shutdownTimeout',
    help: 'on SIGTERM let requests finish this long (seconds); abort at once without it',
  },
  { flag: '--ttft-overhead <duration>', key: 'ttftOverhead', help: 'fixed TTFT (default 20ms)' },
  {
    flag: '--prefill-per-token <duration>',
    key: 'prefillPerToken',
    help: 'TTFT per uncached prompt token (default 0.2ms)',
  },
  { flag: '--itl <duration>', key: 'itl', help: 'inter-token latency (default 15ms)' },
  { flag: '--max-num-seqs <n>', key: 'maxNumSeqs', help: 'concurrent sequences (default 64)' },
  { flag: '--num-gpu-blocks <n>', key: 'numGpuBlocks', help: 'KV/prefix-cache blocks (2048)' },
  { flag: '--max-model-len <n>', key: 'maxModelLen', help: 'context length (default 8192)' },
  { flag: '--max-tokens <n>', key: 'maxTokens', help: 'default max_tokens (default 64)' },
  { flag: '--load-factor <x>', key: 'loadFactor', help: 'ITL slowdown at a full batch (0.5)' },
  { flag: '--error-rate <p>', key: 'errorRate', help: 'share of completions answered 500' },
  { flag: '--latency-factor <x>', key: 'latencyFactor', help: 'multiplies TTFT and ITL' },
  { flag: '--quality <p>', key: 'quality', help: 'chance a known prompt gets the right answer' },
  { flag: '--leak-template', key: 'leakTemplate', help: 'completions contain <|eot_id|>' },
  { flag: '--never-ready', key: 'neverReady', help: '/health answers 503 forever' },
  { flag: '--fail-completions', key: 'failCompletions', help: 'every completion answers 500' },
  { flag: '--crash-after <n>', key: 'crashAfter', help: 'exit 1 after answering n completions' },
  { flag: '--seed <n>', key: 'seed', help: 'seed for every random decision (default 0)' },
];

const PATH_KEYS: readonly OptionKey[] = ['chatTemplate', 'knowledge'];

export type SimCliResult = { kind: 'run'; options: SimOptions } | { kind: 'help'; text: string };

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

function buildProgram(output: { out: string; err: string }): Command {
  const program = new Command('greenlight-sim')
    .description('A vLLM-compatible model server simulator (OpenAI API, vLLM metrics, faults).')
    .exitOverride()
    .allowExcessArguments(false)
    .configureOutput({
      writeOut: (text) => (output.out += text),
      writeErr: (text) => (output.err += text),
    })
    .option('--profile <file>', 'JSON/YAML file with the same options in camelCase; flags win');
  for (const { flag, help } of FLAGS) program.option(flag, help);
  return program;
}

interface Profile {
  path: string;
  base: Record<string, unknown>;
  releases: Record<string, Record<string, unknown>>;
}

/** Reads a profile: top-level options plus optional `releases.<version>` overrides. */
function readProfile(path: string): Profile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SimOptionsError(
      SIM_OPTION_ERRORS.unreadable('--profile', path, (error as NodeJS.ErrnoException).message),
    );
  }
  let parsed: unknown;
  try {
    parsed = parseManifestText(text);
  } catch (error) {
    throw new SimOptionsError(`--profile: ${path}: ${(error as Error).message}`);
  }
  if (!isRecord(parsed)) throw new SimOptionsError(SIM_OPTION_ERRORS.profileNotObject(path));
  const { releases = {}, ...base } = parsed;
  if (!isRecord(releases) || !Object.values(releases).every(isRecord)) {
    throw new SimOptionsError(SIM_OPTION_ERRORS.profileReleases(path));
  }
  return { path, base, releases: releases as Profile['releases'] };
}

/** The profile's options for one version, each with the name a user would look for. */
function profileOptions(
  profile: Profile,
  version: unknown,
): { values: Record<string, unknown>; sources: Record<string, string> } {
  const { path, base } = profile;
  const release = typeof version === 'string' ? profile.releases[version] : undefined;
  const sources: Record<string, string> = {};
  for (const key of Object.keys(base)) sources[key] = `${key} (profile ${path})`;
  for (const key of Object.keys(release ?? {})) {
    sources[key] = `releases.${String(version)}.${key} (profile ${path})`;
  }
  const values: Record<string, unknown> = { ...base, ...release };
  // Files named in a profile are relative to the profile, as a reader of it would expect.
  for (const key of PATH_KEYS) {
    const value = values[key];
    if (typeof value === 'string' && !isAbsolute(value)) {
      values[key] = resolve(dirname(path), value);
    }
  }
  return { values, sources };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses greenlight-sim's command line (and --profile) into validated options. Throws a
 * SimOptionsError whose message names the offending flag or profile field.
 */
export function parseSimCli(argv: readonly string[]): SimCliResult {
  const output = { out: '', err: '' };
  const program = buildProgram(output);
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.help') {
        return { kind: 'help', text: output.out };
      }
      throw new SimOptionsError(error.message.replace(/^error: /, ''));
    }
    throw error;
  }
  const flags = program.opts<Record<string, unknown>>();
  const { profile, ...given } = flags;
  const fromFlags = Object.fromEntries(
    Object.entries(given).filter(([, value]) => value !== undefined),
  );
  const loaded = typeof profile === 'string' ? readProfile(resolve(profile)) : undefined;
  const version = fromFlags['version'] ?? loaded?.base['version'];
  const { values: fromProfile, sources } = loaded
    ? profileOptions(loaded, version)
    : { values: {}, sources: {} as Record<string, string> };
  const merged = { ...fromProfile, ...fromFlags };
  const describe = (key: string): string =>
    key in fromFlags ? `--${kebab(key)}` : (sources[key] ?? `--${kebab(key)}`);
  return { kind: 'run', options: parseSimOptions(merged, describe) };
}
