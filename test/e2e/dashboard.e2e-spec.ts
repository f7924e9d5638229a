import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { deployRequest, startTraffic, type Traffic } from '@greenlight/fixtures';
import { startStack, waitFor, type Stack } from '@greenlight/testing';
import { apiClient } from '../support/api.util';

/**
 * The dashboard in a real browser (Chromium through playwright-core) against a real stack: a
 * process-driver pool of simulated replicas serves v1, v2 is deployed with a long first bake,
 * the page follows it live and an operator rolls it back from the page.
 */
const SERVICE = 'chat-dash';
const SIM =
  'greenlight-sim --port {port} --model {model} --version {version} --chat-template {template} --cold-start 500ms';
const STRATEGY = {
  readiness: { timeout: '60s', warmupRequests: 1 },
  // Charts get a point a second, but no verdict can end the canary before the operator does.
  analysis: { interval: '1s', minSamples: 100_000 },
  drain: { timeout: '10s' },
  standby: '1h',
};
const CACHES = { prefixWarmup: { topPrefixes: 5, budget: '3s' } };
const SCREENSHOT = 'tmp/artifacts/dashboard.png';
const CHROMIUM = '/usr/bin/chromium';
/** A busy 2-core machine: the pipeline may take this long to move a phase. */
const UI_TIMEOUT_MS = 60_000;
const ROLLBACK_REASON = 'answers look off (from the dashboard e2e)';

interface View {
  id: string;
  phase: string;
  weights: { blue: number; green: number };
  reason: string | null;
}

interface AuditItem {
  type: string;
  actor: string;
  data: { to?: string; reason?: string; action?: string; accepted?: boolean };
}

describe('dashboard at the orchestrator /: live deployments, charts, operator actions (Chromium)', () => {
  let stack: Stack;
  let api: ReturnType<typeof apiClient>;
  let browser: Browser;
  let operatorPage: Page;
  let traffic: Traffic | undefined;
  let v2 = '';
  /** Every URL the operator's page asked for: nothing may come from outside the orchestrator. */
  const requested: string[] = [];

  const get = async (id: string) => (await api.get<View>(`/v1/deployments/${id}`)).body;
  const deploy = async (version: string, steps: unknown[]) => {
    const created = await api.post<{ id: string }>(
      '/v1/deployments',
      deployRequest(SERVICE, version, {
        pool: { driver: 'process', replicas: 1, command: SIM },
        strategy: { ...STRATEGY, steps },
        caches: CACHES,
      }),
    );
    expect(created.status).toBe(202);
    return created.body.id;
  };
  const until = (id: string, phase: string) =>
    waitFor(
      async () => {
        const d = await get(id);
        if (d.phase !== phase && ['Failed', 'Aborted'].includes(d.phase)) {
          throw new Error(`${id} ended ${d.phase} (${d.reason ?? ''}) before ${phase}`);
        }
        return d.phase === phase ? d : undefined;
      },
      { what: `${id} in ${phase}`, timeoutMs: 90_000, intervalMs: 200 },
    );
  const open = async (token: string | null, onRequest?: (url: string) => void) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(UI_TIMEOUT_MS);
    if (onRequest) context.on('request', (request) => onRequest(request.url()));
    const page = await context.newPage();
    await page.goto(`${stack.urls.orchestrator}/${token ? `#token=${token}` : ''}`);
    return page;
  };
  const rollBackFromPage = async (page: Page, reason: string) => {
    await page.getByRole('button', { name: 'Roll back' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/Reason/).fill(reason);
    await dialog.getByRole('button', { name: 'Confirm' }).click();
  };

  beforeAll(async () => {
    // Seven services start at once: on a busy 2-core machine that alone can take a while.
    stack = await startStack({ logDir: 'tmp/e2e-logs/dashboard', readyTimeoutMs: 60_000 });
    api = apiClient(stack.urls.orchestrator, stack.operatorToken);
    // v1: the service's first release, served by a pool the process driver starts.
    await until(await deploy('v1', [{ weight: 100 }]), 'Completed');
    browser = await chromium.launch({ executablePath: CHROMIUM });
  });
  afterAll(async () => {
    await browser?.close();
    await traffic?.stop();
    await stack?.dispose();
  });

  it('shows a new deployment and follows its phases live, without a reload', async () => {
    operatorPage = await open(stack.operatorToken, (url) => requested.push(url));
    const page = operatorPage;
    // The token leaves the address bar at once (it stays in this tab's sessionStorage).
    await page.locator('#deployments tbody tr', { hasText: 'v1 (first)' }).waitFor();
    expect(page.url()).not.toContain(stack.operatorToken);
    await page.evaluate('window.__sameDocument = true');

    traffic = startTraffic({ origin: stack.urls.gateway, model: SERVICE, clients: 2 });
    v2 = await deploy('v2', [{ weight: 30, bake: '10m' }, { weight: 100 }]);

    // The new deployment appears in the list of the page that was open before it existed.
    const row = page.locator(`#deployments tr[data-id="${v2}"]`);
    await row.getByRole('link', { name: 'chat-dash v1 → v2' }).click();
    await page.locator('#detail-phase', { hasText: 'Canary' }).waitFor();
    await row.locator('.phase-cell', { hasText: 'Canary' }).waitFor();
    expect(await page.evaluate('window.__sameDocument')).toBe(true);

    // Phase timeline up to Canary, the confirmed split, and green-vs-blue analysis charts.
    await page.locator('#timeline tr[data-phase="Canary"]').waitFor();
    const rows = await page.locator('#timeline tbody tr').all();
    const timeline = await Promise.all(rows.map((r) => r.getAttribute('data-phase')));
    expect(timeline).toEqual(['Requested', 'Provisioning', 'WarmingUp', 'Verifying', 'Canary']);
    await page.locator('#weights-now', { hasText: 'green 30 %' }).waitFor();
    await page.locator('#analysis-charts figcaption', { hasText: 'TTFT p95' }).waitFor();
    const greenPoints = page.locator('#analysis-charts circle[data-series="green"]');
    await waitFor(async () => (await greenPoints.count()) >= 8, {
      what: 'analysis points on the charts',
      timeoutMs: UI_TIMEOUT_MS,
      intervalMs: 250,
    });
    await page.locator('#cache dd', { hasText: 'pre-warm green' }).waitFor();

    // Buttons follow the state machine: a running canary can pause, not resume.
    const enabled = async (name: string) => page.getByRole('button', { name }).isEnabled();
    expect({
      promote: await enabled('Promote'),
      pause: await enabled('Pause'),
      resume: await enabled('Resume'),
      abort: await enabled('Abort'),
      rollback: await enabled('Roll back'),
    }).toEqual({ promote: true, pause: true, resume: false, abort: true, rollback: true });
  });

  it('lets a viewer in by the token form and refuses its rollback with a visible "needs operator" message', async () => {
    // No token in the URL: the page asks for one, and says so when it is wrong.
    const page = await open(null);
    try {
      const tokenField = page.getByLabel('Bearer token');
      await tokenField.fill('not-a-real-token-0123456789');
      await page.getByRole('button', { name: 'Use token' }).click();
      await page.getByRole('alert').filter({ hasText: 'Token refused' }).waitFor();
      await tokenField.fill(stack.viewerToken);
      await page.getByRole('button', { name: 'Use token' }).click();

      await page.locator(`#deployments tr[data-id="${v2}"] a`).click();
      await page.locator('#detail-phase', { hasText: 'Canary' }).waitFor();

      await rollBackFromPage(page, 'a viewer tries');

      const alert = page.getByRole('alert');
      await alert.filter({ hasText: 'needs operator' }).waitFor();
      expect(await alert.textContent()).toContain('the token has viewer');
      expect((await get(v2)).phase).toBe('Canary');
    } finally {
      await page.context().close();
    }
  });

  it('rolls back from the page: RolledBack on screen, the actor in the audit log, and over REST', async () => {
    const page = operatorPage;

    await rollBackFromPage(page, ROLLBACK_REASON);

    await page.getByRole('status').filter({ hasText: 'Roll back accepted' }).waitFor();
    await page.locator('#detail-phase', { hasText: 'RolledBack' }).waitFor();
    const auditRow = page.locator('#audit tr[data-type="deployment.phase_changed"]', {
      hasText: 'Canary → RollingBack',
    });
    expect(await auditRow.locator('td').nth(3).textContent()).toBe('user:operator');
    expect(await auditRow.textContent()).toContain(ROLLBACK_REASON);
    await page.locator('#timeline tr[data-phase="RolledBack"]').waitFor();
    await page.locator('#weights-now', { hasText: 'blue 100 %' }).waitFor();
    for (const name of ['Promote', 'Pause', 'Resume', 'Abort', 'Roll back']) {
      expect(await page.getByRole('button', { name }).isDisabled()).toBe(true);
    }
    await traffic?.stop();
    traffic = undefined;
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    const record = await get(v2);
    expect(record).toMatchObject({ phase: 'RolledBack', weights: { blue: 100, green: 0 } });
    const log = (await api.get<{ items: AuditItem[] }>(`/v1/deployments/${v2}/events`)).body.items;
    expect(log).toContainEqual(
      expect.objectContaining({
        type: 'deployment.phase_changed',
        actor: 'user:operator',
        data: expect.objectContaining({
          to: 'RollingBack',
          reason: expect.stringContaining(ROLLBACK_REASON),
        }),
      }),
    );
    // The viewer's attempt never reached the deployment: refused by the guard, not recorded.
    expect(log.filter((e) => e.actor === 'user:viewer')).toEqual([]);
    // Everything the page loaded came from the orchestrator itself: no CDN, no third party.
    expect(requested.filter((url) => !url.startsWith(stack.urls.orchestrator))).toEqual([]);
  });

  it('reconnects by itself when the orchestrator restarts, without showing an event twice', async () => {
    const page = operatorPage;
    const auditIds = async () =>
      Promise.all(
        (await page.locator('#audit tbody tr').all()).map((r) => r.getAttribute('data-id')),
      );
    const before = await auditIds();

    await stack.stop('orchestrator');
    await page.locator('#connection[data-state="reconnecting"]').waitFor();
    await stack.start('orchestrator');

    await page.locator('#connection[data-state="live"]').waitFor();
    await page.locator('#detail-live', { hasText: '● live' }).waitFor();
    expect(await page.locator('#detail-phase').textContent()).toBe('RolledBack');
    // The history is sent again on reconnect: every event once, none lost.
    const after = await auditIds();
    expect(new Set(after).size).toBe(after.length);
    expect(after).toEqual(expect.arrayContaining(before));
  });
});
