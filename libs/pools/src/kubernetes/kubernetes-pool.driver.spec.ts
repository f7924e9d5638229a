import type { Pool } from '@greenlight/contracts';
import type { Clock } from '../pool-driver.util';
import { POOL_ERRORS } from '../pools.constants';
import type { KubeApi, KubeRequest, KubeResponse } from './kube-api.util';
import { dnsLabel, labelValue } from './kube-names.util';
import { KubernetesPoolDriver, type KubernetesDriverOptions } from './kubernetes-pool.driver';

const DEPLOYMENTS = '/apis/apps/v1/namespaces/ml/deployments';
const SERVICES = '/api/v1/namespaces/ml/services';

/** A narrow stand-in for the API server: stores objects by path, deletes after a few reads. */
class FakeKubeApi implements KubeApi {
  readonly requests: KubeRequest[] = [];
  readonly objects = new Map<string, Record<string, unknown>>();
  /** GETs that still find a Deployment being deleted (pods terminating). */
  terminatingReads = 2;
  failServices = false;
  private readonly deleting = new Map<string, number>();

  async request(req: KubeRequest): Promise<KubeResponse> {
    this.requests.push(req);
    if (req.method === 'POST') {
      if (this.failServices && req.path === SERVICES) {
        return { status: 403, body: { message: 'services is forbidden' } };
      }
      const body = req.body as { metadata: { name: string } };
      const path = `${req.path}/${body.metadata.name}`;
      if (this.objects.has(path)) return { status: 409, body: { message: 'already exists' } };
      this.objects.set(path, structuredClone(body));
      return { status: 201, body };
    }
    const object = this.objects.get(req.path);
    if (!object) return { status: 404, body: { message: 'not found' } };
    if (req.method === 'DELETE') {
      this.deleting.set(req.path, req.path.startsWith(DEPLOYMENTS) ? this.terminatingReads : 0);
      if (!req.path.startsWith(DEPLOYMENTS)) this.objects.delete(req.path);
      return { status: 200, body: object };
    }
    const left = this.deleting.get(req.path);
    if (left !== undefined) {
      if (left <= 0) {
        this.objects.delete(req.path);
        return { status: 404, body: { message: 'not found' } };
      }
      this.deleting.set(req.path, left - 1);
    }
    return { status: 200, body: object };
  }
}

function fakeClock(): Clock {
  let t = 0;
  return { now: () => t, sleep: async (ms) => void (t += ms) };
}

const POOL: Pool = { driver: 'kubernetes', namespace: 'ml', deployment: 'chat', replicas: 2 };

function setup(options: Partial<KubernetesDriverOptions> = {}) {
  const api = new FakeKubeApi();
  const driver = new KubernetesPoolDriver({
    api,
    image: 'vllm/vllm-openai:v0.11.0',
    command:
      'vllm serve meta-llama/Llama-3.1-8B-Instruct --served-model-name {model} --port {port}',
    stopTimeoutMs: 90_000,
    clock: fakeClock(),
    ...options,
  });
  return { api, driver };
}

const LABELS = { 'app.kubernetes.io/name': 'chat', 'greenlight.dev/release': 'v2' };

describe('KubernetesPoolDriver', () => {
  it('creates a Deployment per release with a /health readiness probe, and a Service in front', async () => {
    const { api, driver } = setup();

    const record = await driver.start({ service: 'chat', release: 'v2', pool: POOL });

    expect(api.requests).toEqual([
      {
        method: 'POST',
        path: DEPLOYMENTS,
        body: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: {
            name: 'chat-v2',
            namespace: 'ml',
            labels: { ...LABELS, 'app.kubernetes.io/managed-by': 'greenlight' },
          },
          spec: {
            replicas: 2,
            selector: { matchLabels: LABELS },
            template: {
              metadata: { labels: LABELS },
              spec: {
                terminationGracePeriodSeconds: 90,
                containers: [
                  {
                    name: 'model-server',
                    image: 'vllm/vllm-openai:v0.11.0',
                    command: [
                      'vllm',
                      'serve',
                      'meta-llama/Llama-3.1-8B-Instruct',
                      '--served-model-name',
                      'chat',
                      '--port',
                      '8000',
                    ],
                    ports: [{ name: 'http', containerPort: 8000 }],
                    readinessProbe: {
                      httpGet: { path: '/health', port: 'http' },
                      periodSeconds: 5,
                      failureThreshold: 3,
                    },
                  },
                ],
              },
            },
          },
        },
      },
      {
        method: 'POST',
        path: SERVICES,
        body: {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: {
            name: 'chat-v2',
            namespace: 'ml',
            labels: { ...LABELS, 'app.kubernetes.io/managed-by': 'greenlight' },
          },
          spec: { selector: LABELS, ports: [{ name: 'http', port: 8000, targetPort: 'http' }] },
        },
      },
    ]);
    expect(record).toMatchObject({
      driver: 'kubernetes',
      namespace: 'ml',
      name: 'chat-v2',
      stopTimeoutMs: 90_000,
      replicas: [
        { replica: 0, url: 'http://chat-v2.ml.svc:8000' },
        { replica: 1, url: 'http://chat-v2.ml.svc:8000' },
      ],
    });
  });

  it('turns a release that is not a DNS label into a valid, collision-free name', async () => {
    const { driver } = setup();

    const record = await driver.start({ service: 'chat', release: 'v2.1_RC', pool: POOL });

    expect(record).toMatchObject({ name: dnsLabel('chat-v2.1_RC') });
    expect(dnsLabel('chat-v2.1_RC')).toMatch(/^chat-v2-1-rc-[0-9a-f]{8}$/);
    expect(dnsLabel('chat-v2-1-rc')).toBe('chat-v2-1-rc');
    expect(dnsLabel(`chat-${'x'.repeat(80)}`)).toHaveLength(63);
    expect(labelValue('v2.1_RC')).toBe('v2.1_RC');
    expect(labelValue('.hidden')).toMatch(/^hidden-[0-9a-f]{8}$/);
  });

  it('says so when the Deployment already exists', async () => {
    const { driver } = setup();
    await driver.start({ service: 'chat', release: 'v2', pool: POOL });

    await expect(driver.start({ service: 'chat', release: 'v2', pool: POOL })).rejects.toThrow(
      POOL_ERRORS.kubeAlreadyExists('Deployment', 'chat-v2', 'ml'),
    );
  });

  it('deletes the Deployment again when its Service cannot be created', async () => {
    const { api, driver } = setup();
    api.failServices = true;

    await expect(driver.start({ service: 'chat', release: 'v2', pool: POOL })).rejects.toThrow(
      'kubernetes POST /api/v1/namespaces/ml/services failed (HTTP 403): services is forbidden',
    );
    expect(api.requests.at(-1)).toMatchObject({ method: 'DELETE', path: `${DEPLOYMENTS}/chat-v2` });
  });

  it('refuses {replica} and {template} in the container command', async () => {
    const replica = setup({ command: 'vllm serve --port {port} --seed {replica}' });
    const template = setup({ command: 'vllm serve --port {port} --chat-template {template}' });

    await expect(
      replica.driver.start({ service: 'chat', release: 'v2', pool: POOL }),
    ).rejects.toThrow(POOL_ERRORS.kubeReplicaPlaceholder);
    await expect(
      template.driver.start({ service: 'chat', release: 'v2', pool: POOL }),
    ).rejects.toThrow(POOL_ERRORS.missingTemplate);
    expect(replica.api.requests).toEqual([]);
  });

  it('reads readiness from the Deployment status', async () => {
    const { api, driver } = setup();
    const record = await driver.start({ service: 'chat', release: 'v2', pool: POOL });
    api.objects.get(`${DEPLOYMENTS}/chat-v2`)!['status'] = { replicas: 2, readyReplicas: 1 };

    expect(await driver.status(record)).toEqual([
      { replica: 0, url: 'http://chat-v2.ml.svc:8000', state: 'running' },
      {
        replica: 1,
        url: 'http://chat-v2.ml.svc:8000',
        state: 'unknown',
        detail: 'not ready (1/2 pods ready)',
      },
    ]);
    expect(api.requests.at(-1)).toEqual({ method: 'GET', path: `${DEPLOYMENTS}/chat-v2` });
  });

  it('deletes in the foreground with the grace period and waits until the Deployment is gone', async () => {
    const { api, driver } = setup();
    const record = await driver.start({ service: 'chat', release: 'v2', pool: POOL });
    api.requests.length = 0;

    const report = await driver.stop(record, { timeoutMs: 60_000 });

    expect(api.requests).toEqual([
      {
        method: 'DELETE',
        path: `${DEPLOYMENTS}/chat-v2`,
        body: {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          propagationPolicy: 'Foreground',
          gracePeriodSeconds: 60,
        },
      },
      { method: 'DELETE', path: `${SERVICES}/chat-v2` },
      { method: 'GET', path: `${DEPLOYMENTS}/chat-v2` },
      { method: 'GET', path: `${DEPLOYMENTS}/chat-v2` },
      { method: 'GET', path: `${DEPLOYMENTS}/chat-v2` },
    ]);
    expect(report.replicas).toEqual([
      expect.objectContaining({ replica: 0, graceful: true, alreadyGone: false }),
      expect.objectContaining({ replica: 1, graceful: true, alreadyGone: false }),
    ]);
    expect(await driver.status(record)).toEqual([
      expect.objectContaining({ state: 'exited', detail: 'deployment not found' }),
      expect.objectContaining({ state: 'exited', detail: 'deployment not found' }),
    ]);
  });

  it('is idempotent: a second stop finds nothing and reports it', async () => {
    const { driver } = setup();
    const record = await driver.start({ service: 'chat', release: 'v2', pool: POOL });
    await driver.stop(record);

    const again = await driver.stop(record);

    expect(again.replicas.every((r) => r.alreadyGone)).toBe(true);
  });
});
