import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findRepoRoot,
  freePort,
  spawnManaged,
  waitFor,
  type ManagedProcess,
} from '@greenlight/testing';
import type { StackFile } from '../api/connection.util';

const CLI = join(findRepoRoot(__dirname), 'bin', 'greenlight.js');

function portOpen(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('greenlight up', () => {
  let dir: string;
  let up: ManagedProcess | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'greenlight-up-'));
  });
  afterEach(async () => {
    await up?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs every service, writes stack.json, and stops everything on SIGINT', async () => {
    const [orchestrator, gateway, nats, redis] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    up = spawnManaged('greenlight up', process.execPath, [
      CLI,
      'up',
      '--dir',
      dir,
      '--orchestrator-port',
      String(orchestrator),
      '--gateway-port',
      String(gateway),
      '--nats-port',
      String(nats),
      '--redis-port',
      String(redis),
    ]);
    const stackFile = join(dir, 'stack.json');
    const running = up;
    await waitFor(() => existsSync(stackFile) || running.child.exitCode !== null, {
      timeoutMs: 50_000,
      what: 'stack.json',
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n${running.output()}`);
    });
    if (running.child.exitCode !== null) {
      throw new Error(`greenlight up exited (${running.child.exitCode}):\n${running.output()}`);
    }

    const stack = JSON.parse(readFileSync(stackFile, 'utf8')) as StackFile;
    expect(stack).toMatchObject({
      orchestrator: `http://127.0.0.1:${orchestrator}`,
      gateway: `http://127.0.0.1:${gateway}`,
      nats: `nats://127.0.0.1:${nats}`,
      redis: `redis://127.0.0.1:${redis}`,
      token: expect.any(String),
    });
    const services = Object.entries(stack.services ?? {});
    expect(services.map(([name]) => name).sort()).toEqual([
      'cache-manager',
      'drainer',
      'eval-runner',
      'gateway',
      'health-prober',
      'orchestrator',
      'traffic-shifter',
    ]);
    for (const [name, url] of services) {
      const response = await fetch(`${url}/healthz`);
      expect({ name, status: response.status }).toEqual({ name, status: 200 });
    }

    running.child.kill('SIGINT');
    expect(await running.exited).toBe(0);

    for (const url of [...services.map(([, url]) => url), stack.nats, stack.redis]) {
      expect({ url, open: await portOpen(url) }).toEqual({ url, open: false });
    }
    expect(existsSync(join(dir, 'up.pid'))).toBe(false);
    expect(existsSync(join(dir, 'data'))).toBe(true);
  });
});
