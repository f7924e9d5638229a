#!/usr/bin/env node
// Makes sure the servers greenlight runs and tests against are installed (Debian packages).
// Quiet when everything is there; installs with apt-get when it can (root), else says what to install.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** binary -> Debian package that ships it */
const REQUIRED = {
  'nats-server': 'nats-server',
  'redis-server': 'redis-server',
  haproxy: 'haproxy',
  promtool: 'prometheus',
  chromium: 'chromium',
};

const SEARCH_PATH = [
  ...(process.env.PATH ?? '').split(delimiter),
  '/usr/sbin',
  '/usr/bin',
  '/sbin',
  '/bin',
].filter(Boolean);

function installed(binary) {
  return SEARCH_PATH.some((dir) => {
    try {
      accessSync(join(dir, binary), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function missingPackages() {
  return [
    ...new Set(
      Object.entries(REQUIRED)
        .filter(([bin]) => !installed(bin))
        .map(([, pkg]) => pkg),
    ),
  ];
}

const missing = missingPackages();
if (missing.length === 0) process.exit(0);

const isRoot = process.getuid?.() === 0;
const hasApt = installed('apt-get');
if (!isRoot || !hasApt) {
  console.error(`greenlight needs these system packages: ${missing.join(' ')}`);
  console.error(
    hasApt
      ? `install them with: sudo apt-get install -y --no-install-recommends ${missing.join(' ')}`
      : `install them with your package manager (Debian/Ubuntu: apt-get install ${missing.join(' ')})`,
  );
  process.exit(1);
}

console.error(`installing system packages: ${missing.join(' ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...missing]]) {
  const result = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env });
  if (result.status !== 0) {
    console.error(`apt-get ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
}
const still = missingPackages();
if (still.length > 0) {
  console.error(`still missing after apt-get install: ${still.join(' ')}`);
  process.exit(1);
}
