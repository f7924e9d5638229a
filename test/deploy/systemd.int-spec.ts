import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findBinary, findRepoRoot, SERVICE_NAMES } from '@greenlight/testing';

const root = findRepoRoot(__dirname);
const UNITS = join(root, 'deploy', 'systemd');
const SYSTEM_UNITS = '/usr/lib/systemd/system';

/** [Section] → key → values (a key may repeat, e.g. EnvironmentFile). */
function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {};
  let current: Record<string, string[]> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      current = sections[header[1]!] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    (current[line.slice(0, eq)] ??= []).push(line.slice(eq + 1));
  }
  return sections;
}

const unit = (name: string) => parseUnit(readFileSync(join(UNITS, name), 'utf8'));
const seconds = (value: string | undefined) => Number(/^(\d+)s?$/.exec(value ?? '')?.[1] ?? NaN);

describe('deploy/systemd/vllm@.service (model-server replicas)', () => {
  const service = unit('vllm@.service')['Service']!;
  const execStart = service['ExecStart']?.[0] ?? '';

  it('lets in-flight streams finish on stop: vLLM --shutdown-timeout 60 inside TimeoutStopSec=120', () => {
    expect(execStart).toMatch(/ --shutdown-timeout 60\b/);
    expect(service['KillSignal']).toEqual(['SIGTERM']);
    expect(seconds(service['TimeoutStopSec']?.[0])).toBeGreaterThanOrEqual(120);
  });

  it('never restarts a crashed replica behind greenlight’s back', () => {
    expect(service['Restart']).toEqual(['no']);
  });

  it('listens on the port greenlight chose: the instance name', () => {
    expect(execStart).toMatch(/ --port %i\b/);
  });
});

describe('deploy/systemd/greenlight@.service', () => {
  it('runs dist/services/<instance>/src/main.js and does not restart on a configuration error', () => {
    const service = unit('greenlight@.service')['Service']!;

    expect(service['ExecStart']).toEqual([
      '/usr/bin/node /opt/greenlight/dist/services/%i/src/main.js',
    ]);
    expect(service['RestartPreventExitStatus']).toEqual(['78']);
  });

  it('greenlight.target starts all seven services', () => {
    const wants = unit('greenlight.target')['Unit']!['Wants']!.join(' ').split(/\s+/);

    expect(wants.sort()).toEqual(SERVICE_NAMES.map((name) => `greenlight@${name}.service`).sort());
  });
});

describe('systemd-analyze verify', () => {
  let fsRoot: string;

  beforeAll(() => {
    // An alternate root holding the system's units, ours, and stand-ins for the programs they run.
    fsRoot = mkdtempSync(join(tmpdir(), 'greenlight-systemd-'));
    const etc = join(fsRoot, 'etc', 'systemd', 'system');
    mkdirSync(etc, { recursive: true });
    cpSync(SYSTEM_UNITS, join(fsRoot, SYSTEM_UNITS), { recursive: true });
    cpSync(UNITS, etc, { recursive: true, filter: (src) => !src.includes('/env') });
    cpSync(join(UNITS, 'vllm@.service'), join(etc, 'vllm-chat-v2@.service'));
    for (const program of ['/usr/bin/node', '/opt/vllm/bin/vllm']) {
      mkdirSync(dirname(join(fsRoot, program)), { recursive: true });
      writeFileSync(join(fsRoot, program), '#!/bin/sh\n');
      chmodSync(join(fsRoot, program), 0o755);
    }
  });
  afterAll(() => rmSync(fsRoot, { recursive: true, force: true }));

  it('finds no problem in any unit (instances as greenlight starts them)', () => {
    const instances = [
      'greenlight.target',
      ...SERVICE_NAMES.map((name) => `greenlight@${name}.service`),
      'vllm@8001.service',
      'vllm-chat-v2@8002.service',
    ];
    const result = spawnSync(
      findBinary('systemd-analyze'),
      ['verify', `--root=${fsRoot}`, '--man=no', ...instances],
      { encoding: 'utf8', timeout: 20_000 },
    );

    // verify exits 0 on unknown keys or bad values too (it ignores them): any output is a finding.
    expect({ status: result.status, output: `${result.stdout}${result.stderr}`.trim() }).toEqual({
      status: 0,
      output: '',
    });
  });
});
