#!/usr/bin/env node
// Compiles every service and lib to dist/ with swc (decorator metadata kept for Nest DI),
// rewriting @greenlight/* aliases to relative paths so plain `node` runs the output.
import { transformFile } from '@swc/core';
import {
  copyFileSync,
  readFileSync,
  mkdirSync,
  writeFileSync,
  readdirSync,
  statSync,
  rmSync,
  renameSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
// Built beside dist/ and swapped in at the end: a process started from dist/ while a build runs
// (a test, a running stack) never sees a half-written tree.
const out = join(root, `.dist-${process.pid}`);
const swcrc = JSON.parse(readFileSync(join(root, '.swcrc'), 'utf8'));
const { paths } = JSON.parse(
  readFileSync(join(root, 'tsconfig.base.json'), 'utf8'),
).compilerOptions;

function* sources(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'node_modules') yield* sources(path);
    } else if (name.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec|d)\.ts$/.test(name)) {
      yield path;
    }
  }
}

// Static files a service serves (the orchestrator's dashboard): every file under a src/**/assets/
// folder is copied as is, beside the compiled code that reads it.
function* assets(dir, inAssets = false) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'node_modules') yield* assets(path, inAssets || name === 'assets');
    } else if (inAssets) {
      yield path;
    }
  }
}

const started = Date.now();
rmSync(out, { recursive: true, force: true });
const files = ['libs', 'services', 'bench'].flatMap((d) => {
  try {
    return [...sources(join(root, d))];
  } catch {
    return [];
  }
});
await Promise.all(
  files.map(async (file) => {
    const { code, map } = await transformFile(file, {
      ...swcrc,
      swcrc: false,
      filename: file,
      jsc: { ...swcrc.jsc, baseUrl: root, paths },
    });
    const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, `${code}\n//# sourceMappingURL=${target.split('/').pop()}.map\n`);
    if (map) writeFileSync(`${target}.map`, map);
  }),
);
const copied = ['libs', 'services'].flatMap((d) => [...assets(join(root, d))]);
for (const file of copied) {
  const target = join(out, relative(root, file));
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(file, target);
}
const old = `${dist}.old-${process.pid}`;
try {
  renameSync(dist, old);
} catch {
  // first build: nothing to move aside
}
renameSync(out, dist);
rmSync(old, { recursive: true, force: true });
console.log(
  `build: ${files.length} files + ${copied.length} assets -> dist/ in ${Date.now() - started} ms`,
);
