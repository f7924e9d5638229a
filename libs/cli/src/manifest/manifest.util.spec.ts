import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inlineTemplate, loadDeployRequest, ManifestError } from './manifest.util';

const TEMPLATE = '{{ bos_token }}{% for m in messages %}{{ m.content }}{% endfor %}';
const SHA = 'a'.repeat(64);

function manifestWith(templateFile: string, replicas = 2): string {
  return [
    'service: chat',
    'release:',
    '  version: v2',
    '  model: { id: meta-llama/Llama-3.1-8B-Instruct }',
    `  template: { id: llama3-chat, file: ${JSON.stringify(templateFile)}, sha256: ${SHA} }`,
    'pool:',
    '  driver: process',
    `  replicas: ${replicas}`,
    '  command: "greenlight-sim --port {port}"',
    'strategy: { standby: 30s }',
    '',
  ].join('\n');
}

async function failure(promise: Promise<unknown>): Promise<ManifestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ManifestError);
  return error as ManifestError;
}

describe('loadDeployRequest', () => {
  let root: string;
  let dir: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'greenlight-manifest-'));
    dir = join(root, 'releases');
    mkdirSync(join(dir, 'templates'), { recursive: true });
    writeFileSync(join(dir, 'templates', 'llama3.jinja'), TEMPLATE);
    writeFileSync(join(root, 'secret.txt'), 'do not upload');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('replaces template.file by the file content, read relative to the manifest, and keeps the rest as written', async () => {
    writeFileSync(join(dir, 'chat.yaml'), manifestWith('templates/llama3.jinja'));

    const request = await loadDeployRequest(join(dir, 'chat.yaml'));

    expect(request).toEqual({
      service: 'chat',
      release: {
        version: 'v2',
        model: { id: 'meta-llama/Llama-3.1-8B-Instruct' },
        template: { id: 'llama3-chat', sha256: SHA, content: TEMPLATE },
      },
      pool: { driver: 'process', replicas: 2, command: 'greenlight-sim --port {port}' },
      strategy: { standby: '30s' },
    });
  });

  it('reads JSON manifests too', async () => {
    const manifest = {
      service: 'chat',
      release: {
        version: 'v2',
        model: { id: 'm' },
        template: { id: 't', file: 'templates/llama3.jinja', sha256: SHA },
      },
      pool: { driver: 'static', endpoints: ['http://127.0.0.1:9000'] },
    };
    writeFileSync(join(dir, 'chat.json'), JSON.stringify(manifest));

    const request = await loadDeployRequest(join(dir, 'chat.json'));

    expect(request['release']).toEqual({
      version: 'v2',
      model: { id: 'm' },
      template: { id: 't', sha256: SHA, content: TEMPLATE },
    });
  });

  it.each([
    ['a parent directory', '../secret.txt', 'must not contain ".." segments'],
    [
      'a path that climbs out and back',
      'templates/../../secret.txt',
      'must not contain ".." segments',
    ],
    ['an absolute path', '/etc/passwd', 'must be a relative path'],
  ])('refuses a template in %s before reading anything', async (_what, file, message) => {
    writeFileSync(join(dir, 'chat.yaml'), manifestWith(file));

    const error = await failure(loadDeployRequest(join(dir, 'chat.yaml')));

    expect(error.issues).toEqual([
      { path: 'release.template.file', message: expect.stringContaining(message) },
    ]);
  });

  it('refuses a symlink inside the directory that points outside it', async () => {
    symlinkSync(join(root, 'secret.txt'), join(dir, 'templates', 'link.jinja'));
    writeFileSync(join(dir, 'chat.yaml'), manifestWith('templates/link.jinja'));

    const error = await failure(loadDeployRequest(join(dir, 'chat.yaml')));

    expect(error.message).toMatch(
      /release\.template\.file: templates\/link\.jinja is outside the manifest's directory/,
    );
  });

  it('names the missing template file', async () => {
    writeFileSync(join(dir, 'chat.yaml'), manifestWith('templates/missing.jinja'));

    const error = await failure(loadDeployRequest(join(dir, 'chat.yaml')));

    expect(error.message).toBe(
      'release.template.file: cannot read templates/missing.jinja: no such file (ENOENT)',
    );
  });

  it('lists every schema problem with its path', async () => {
    writeFileSync(
      join(dir, 'chat.yaml'),
      manifestWith('templates/llama3.jinja', 0).replace('service: chat', 'service: Chat!'),
    );

    const error = await failure(loadDeployRequest(join(dir, 'chat.yaml')));

    expect(error.message).toBe(`${join(dir, 'chat.yaml')} is not a valid release manifest`);
    expect(error.issues.map((issue) => issue.path).sort()).toEqual(['pool.replicas', 'service']);
  });

  it('reports a YAML syntax error with its line', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'service: chat\nrelease: { version: v2\npool: x\n');

    const error = await failure(loadDeployRequest(join(dir, 'bad.yaml')));

    expect(error.message).toMatch(/bad\.yaml: invalid YAML\/JSON at line \d+, column \d+/);
  });

  it('refuses a manifest that is not a mapping', async () => {
    writeFileSync(join(dir, 'list.yaml'), '- service: chat\n');

    await expect(loadDeployRequest(join(dir, 'list.yaml'))).rejects.toThrow(/must be a mapping/);
  });

  it('says which manifest it cannot read', async () => {
    await expect(loadDeployRequest(join(dir, 'nope.yaml'))).rejects.toThrow(
      `cannot read manifest ${join(dir, 'nope.yaml')}: no such file (ENOENT)`,
    );
  });
});

describe('inlineTemplate', () => {
  it.each(['../secret.txt', '/etc/passwd'])(
    'refuses %s on its own, whatever validated the manifest',
    async (file) => {
      const manifest = { release: { template: { id: 't', file, sha256: SHA } } };

      await expect(inlineTemplate(manifest, tmpdir())).rejects.toThrow(
        /is outside the manifest's directory/,
      );
    },
  );
});
