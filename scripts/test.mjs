#!/usr/bin/env node
// Everything CI checks, in one command: typecheck, lint, then one jest run over every project.
// Counts each jest test case, and the typecheck, lint and format checks as one each and ends with
// `tests: N passed, N failed` as the very last line (CI reads it). `npm test` builds first (pretest).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const resultsFile = join(root, 'tmp', 'jest-results.json');

/** Runs a command; `buffered` collects its output to print in one piece (for checks run side by side). */
function run(name, command, args, { buffered = false } = {}) {
  return new Promise((done) => {
    const started = Date.now();
    const child = spawn(command, args, {
      cwd: root,
      // The Nx daemon may hold a stale project graph (tags); lint reads it fresh.
      env: { ...process.env, NX_DAEMON: 'false' },
      stdio: buffered ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
    });
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => {
      output += `${name}: ${error.message}\n`;
    });
    child.on('close', (code, signal) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      done({ name, ok: code === 0, code: code ?? signal, output, seconds });
    });
  });
}

function report(check) {
  if (check.output.trim()) process.stdout.write(`${check.output.trimEnd()}\n`);
  console.log(
    `${check.ok ? 'PASS' : 'FAIL'} ${check.name} (${check.seconds}s${check.ok ? '' : `, exit ${check.code}`})`,
  );
}

let passed = 0;
let failed = 0;

// typecheck, lint and format are single-threaded: run them side by side, print each when done.
console.log('== typecheck + lint + format');
const checks = await Promise.all([
  run('typecheck', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'], { buffered: true }),
  run('lint', bin('eslint'), ['.'], { buffered: true }),
  run('format', bin('prettier'), ['--check', '--log-level', 'warn', '.'], { buffered: true }),
]);
for (const check of checks) {
  report(check);
  if (check.ok) passed += 1;
  else failed += 1;
}

console.log('== jest (unit, integration, e2e)');
mkdirSync(dirname(resultsFile), { recursive: true });
rmSync(resultsFile, { force: true });
const jest = await run('jest', bin('jest'), [
  '--ci',
  '--maxWorkers=2',
  '--json',
  `--outputFile=${resultsFile}`,
  // A leaked handle must not hang CI; --detectOpenHandles finds it locally.
  '--forceExit',
]);
let ran = 0;
if (existsSync(resultsFile)) {
  const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
  ran = results.numTotalTests;
  passed += results.numPassedTests;
  failed += results.numFailedTests;
  // A suite that fails to load (syntax error, throw in beforeAll) has no test cases: count it.
  failed += results.numRuntimeErrorTestSuites;
  if (results.numPendingTests + results.numTodoTests > 0) {
    console.log(
      `note: ${results.numPendingTests + results.numTodoTests} skipped/todo tests (not counted)`,
    );
  }
} else {
  console.log(`jest wrote no results (exit ${jest.code})`);
  failed += 1;
}
if (ran === 0) {
  console.log('jest ran 0 tests: that is a failure');
  failed += 1;
} else if (!jest.ok && failed === 0) {
  // e.g. a coverage threshold or a crash after the tests: jest failed although no case did.
  console.log(`jest exited ${jest.code} with every test passing`);
  failed += 1;
}

console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
