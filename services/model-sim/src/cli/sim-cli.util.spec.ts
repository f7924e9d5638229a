import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimOptionsError, type SimOptions } from '../config/sim-options.schema';
import { parseSimCli } from './sim-cli.util';

function run(argv: string[]): SimOptions {
  const result = parseSimCli(argv);
  if (result.kind !== 'run') throw new Error('expected options, got help');
  return result.options;
}

function profile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const BASE = ['--port', '9001', '--model', 'chat', '--version', 'v2'];

describe('parseSimCli', () => {
  it('reads the contract command line', () => {
    const options = run([
      ...BASE,
      '--cold-start',
      '45s',
      '--shutdown-timeout',
      '60',
      '--ttft-overhead',
      '20ms',
      '--prefill-per-token',
      '0.2ms',
      '--itl',
      '15ms',
      '--max-num-seqs',
      '64',
      '--error-rate',
      '0.05',
      '--latency-factor',
      '1.5',
      '--quality',
      '0.9',
      '--leak-template',
      '--never-ready',
      '--crash-after',
      '500',
      '--seed',
      '1',
    ]);
    expect(options).toMatchObject({
      port: 9001,
      model: 'chat',
      version: 'v2',
      coldStartMs: 45_000,
      shutdownTimeoutMs: 60_000,
      ttftOverheadMs: 20,
      itlMs: 15,
      maxNumSeqs: 64,
      errorRate: 0.05,
      latencyFactor: 1.5,
      quality: 0.9,
      leakTemplate: true,
      neverReady: true,
      crashAfter: 500,
      seed: 1,
    });
    expect(options.prefillPerTokenMs).toBeCloseTo(0.2);
  });

  it('names the flag in errors', () => {
    expect(() => run([...BASE, '--itl', 'soon'])).toThrow(/--itl: must be a duration/);
    expect(() => run([...BASE, '--error-rate', '1.5'])).toThrow(/--error-rate: must be a number/);
    expect(() => run(['--port', '9001', '--version', 'v2'])).toThrow(/--model: is required/);
  });

  it('rejects unknown flags and stray arguments', () => {
    expect(() => run([...BASE, '--itl-ms', '5'])).toThrow(SimOptionsError);
    expect(() => run([...BASE, '--itl-ms', '5'])).toThrow(/unknown option '--itl-ms'/);
    expect(() => run([...BASE, 'extra'])).toThrow(SimOptionsError);
  });

  it('takes options from a YAML or JSON profile; flags win', () => {
    const yaml = profile('p.yaml', 'itl: 30ms\nerrorRate: 0.1\nmaxNumSeqs: 4\n');
    expect(run([...BASE, '--profile', yaml, '--max-num-seqs', '8'])).toMatchObject({
      itlMs: 30,
      errorRate: 0.1,
      maxNumSeqs: 8,
    });
    const json = profile('p.json', JSON.stringify({ quality: 0.5, leakTemplate: true }));
    expect(run([...BASE, '--profile', json])).toMatchObject({ quality: 0.5, leakTemplate: true });
  });

  it('applies the profile section of this release (slow start, faults per release)', () => {
    const path = profile(
      'releases.yaml',
      'itl: 10ms\nreleases:\n  v2: { coldStart: 30s, errorRate: 0.2 }\n  v3: { neverReady: true }\n',
    );
    expect(run([...BASE, '--profile', path])).toMatchObject({
      itlMs: 10,
      coldStartMs: 30_000,
      errorRate: 0.2,
      neverReady: false,
    });
  });

  it('resolves files named in a profile against the profile', () => {
    const path = profile('p.yaml', 'knowledge: answers.yaml\n');
    expect(run([...BASE, '--profile', path]).knowledge).toBe(join(path, '..', 'answers.yaml'));
  });

  it('names the profile field in errors', () => {
    const path = profile('bad.yaml', 'latencyFactor: -1\nreleases:\n  v2: { itl: slow }\n');
    expect(() => run([...BASE, '--profile', path])).toThrow(
      new RegExp(`latencyFactor \\(profile ${path}\\): must be greater than 0`),
    );
    expect(() => run([...BASE, '--profile', path])).toThrow(/releases\.v2\.itl \(profile/);
  });

  it('says when a profile cannot be read or parsed', () => {
    expect(() => run([...BASE, '--profile', '/nonexistent/p.yaml'])).toThrow(
      /--profile: cannot read \/nonexistent\/p.yaml/,
    );
    expect(() => run([...BASE, '--profile', profile('x.yaml', 'itl: [')])).toThrow(
      /--profile: .*invalid YAML\/JSON at line/,
    );
    expect(() => run([...BASE, '--profile', profile('l.yaml', '- 1\n')])).toThrow(
      /must hold an object of options/,
    );
  });

  it('prints help', () => {
    const result = parseSimCli(['--help']);
    expect(result.kind).toBe('help');
    expect(result.kind === 'help' && result.text).toContain('--shutdown-timeout');
  });
});
