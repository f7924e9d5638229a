import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findRepoRoot, SERVICE_NAMES, type ServiceName } from '@greenlight/testing';
import { CONFIG_SCHEMAS } from './service-env.util';

const root = findRepoRoot(__dirname);
const DOC = join(root, 'docs', 'configuration.md');
const SCRIPT = join(root, 'scripts', 'config-reference.mjs');

interface Row {
  name: string;
  default: string;
  accepted: string;
  meaning: string;
}
interface Section {
  title: string;
  text: string;
  rows: Row[];
}

/** `## title` sections of the doc with their table rows (cells unescaped). */
function sections(doc: string): Section[] {
  return doc
    .split(/^## /m)
    .slice(1)
    .map((chunk) => {
      const [title = '', ...lines] = chunk.split('\n');
      const rows = lines
        .filter((line) => line.startsWith('| `'))
        .map((line) => {
          const cells = line
            .slice(1, -1)
            .split(/(?<!\\)\|/)
            .map((c) => c.trim().replace(/\\\|/g, '|'));
          const [name = '', def = '', accepted = '', meaning = ''] = cells;
          return { name: name.replace(/`/g, ''), default: def, accepted, meaning };
        });
      return { title: title.trim(), text: lines.join('\n'), rows };
    });
}

/** Rows a service's reader sees: the shared tables that name it, then its own table (which wins). */
function rowsFor(all: Section[], service: ServiceName): Row[] {
  const shared = all.filter((s) => new RegExp(`Read by:.*\`${service}\``).test(s.text));
  const own = all.find((s) => s.title === service);
  const rows = [...shared.flatMap((s) => s.rows), ...(own?.rows ?? [])];
  return [...new Map(rows.map((r) => [r.name, r])).values()];
}

describe('docs/configuration.md', () => {
  const doc = readFileSync(DOC, 'utf8');
  const all = sections(doc);

  it('is what scripts/config-reference.mjs writes from the current schemas', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [SCRIPT, '--check'], {
      cwd: root,
      timeout: 15_000,
    });
    expect(stdout).toContain('is current');
  });

  it.each(SERVICE_NAMES)('lists every variable the %s accepts, each with a meaning', (service) => {
    const rows = rowsFor(all, service);
    expect(rows.map((r) => r.name).sort()).toEqual(
      expect.arrayContaining(Object.keys(CONFIG_SCHEMAS[service].shape).sort()),
    );
    expect(rows.filter((r) => r.meaning === '').map((r) => r.name)).toEqual([]);
  });

  it("gives a service's own values: the drainer polls every 250 ms, the orchestrator needs tokens", () => {
    const drainer = rowsFor(all, 'drainer');
    expect(drainer.find((r) => r.name === 'DRAIN_POLL_MS')).toMatchObject({
      default: '`250`',
      accepted: 'an integer 50–10000',
    });
    expect(drainer.find((r) => r.name === 'PORT')?.default).toBe('`7075`');
    expect(drainer.find((r) => r.name === 'POOL_DRIVERS')?.accepted).toContain('`kubernetes`');
    const orchestrator = rowsFor(all, 'orchestrator');
    expect(orchestrator.find((r) => r.name === 'GREENLIGHT_OPERATOR_TOKENS')?.default).toBe(
      'required',
    );
  });

  it('is the same on every machine: no checkout path, host name or process id in it', () => {
    expect(doc).not.toContain(root);
    expect(rowsFor(all, 'drainer').find((r) => r.name === 'POOL_PATH')?.default).toBe(
      "the repository's `bin/` (where `greenlight-sim` lives)",
    );
    expect(rowsFor(all, 'eval-runner').find((r) => r.name === 'EVAL_SUITES_DIR')?.default).toBe(
      'the working directory',
    );
  });
});
