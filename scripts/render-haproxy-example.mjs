#!/usr/bin/env node
// Renders deploy/haproxy/haproxy.cfg (mounted by deploy/docker-compose.yml) from the template with
// deploy/haproxy/compose-values.json. test/deploy/compose.int-spec.ts fails when the checked-in
// file differs from this output. Needs a build (node scripts/build.mjs).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { renderHaproxyConfig } = createRequire(import.meta.url)(
  join(root, 'dist', 'libs', 'testing', 'src', 'haproxy.js'),
);
const values = JSON.parse(
  readFileSync(join(root, 'deploy', 'haproxy', 'compose-values.json'), 'utf8'),
);
const target = join(root, 'deploy', 'haproxy', 'haproxy.cfg');
writeFileSync(target, renderHaproxyConfig(values));
console.log(`rendered ${target}`);
