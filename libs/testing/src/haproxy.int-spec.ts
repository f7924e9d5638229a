import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkHaproxyConfig,
  renderHaproxyConfig,
  startHaproxy,
  type HaproxyHandle,
} from './haproxy';

describe('HAProxy config template and harness (real haproxy)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'greenlight-haproxy-spec-'));
  let haproxy: HaproxyHandle | undefined;

  afterAll(async () => {
    await haproxy?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('renders a config haproxy -c accepts, one frontend and backend per service', () => {
    const config = renderHaproxyConfig({
      services: [
        { name: 'chat', bind: '127.0.0.1:18081' },
        { name: 'summarize', bind: '127.0.0.1:18082' },
      ],
      statsSocket: join(dir, 'admin.sock'),
      slots: 4,
    });
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(file, config);

    expect(checkHaproxyConfig(file)).toEqual({ ok: true, output: 'Configuration file is valid' });
    expect(config).toContain('backend gl_chat');
    expect(config).toContain('backend gl_summarize');
    expect(config).toContain('server-template green 1-4 127.0.0.1:1 disabled');
    expect(config).toMatch(/timeout server 15m/);
  });

  it('starts HAProxy with every slot parked in maintenance until the shifter fills them', async () => {
    haproxy = await startHaproxy({ services: [{ name: 'chat' }, { name: 'summarize' }], slots: 2 });

    const servers = await haproxy.servers('chat');
    expect(servers.map((s) => s.server)).toEqual(['blue1', 'blue2', 'green1', 'green2']);
    expect(servers.every((s) => s.opState === 0)).toBe(true);
    const response = await fetch(`${haproxy.url('summarize')}/v1/models`);
    expect(response.status).toBe(503);
    expect(() => haproxy!.url('unknown')).toThrow(/no frontend for service "unknown"/);
  });

  it('removes its directory, socket included, on dispose', async () => {
    const started = await startHaproxy({ services: [{ name: 'chat' }], slots: 1 });
    expect(existsSync(started.socket)).toBe(true);

    await started.dispose();

    expect(existsSync(started.dir)).toBe(false);
    expect(await started.process().exited).toBeDefined();
  });
});
