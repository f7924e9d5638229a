import type {
  ExitListener,
  PoolDriver,
  PoolSpec,
  ReplicaStatus,
  StopOptions,
  StopReport,
} from '../pool-driver.types';
import { poolFor, recordFor, SYSTEM_CLOCK, type Clock } from '../pool-driver.util';
import type { KubernetesPoolRecord, PoolRecord } from '../pool-record.schema';
import {
  DEFAULT_KUBE_COMMAND,
  DEFAULT_KUBE_CONTAINER_PORT,
  DEFAULT_KUBE_IMAGE,
  DEFAULT_STOP_TIMEOUT_MS,
  DEFAULT_WATCH_INTERVAL_MS,
  KUBE_DELETE_MARGIN_MS,
  POOL_ERRORS,
} from '../pools.constants';
import {
  CommandTemplateError,
  parseCommandTemplate,
  renderCommand,
  usedPlaceholders,
} from '../process/command-template.util';
import {
  kubeErrorMessage,
  type KubeApi,
  type KubeRequest,
  type KubeResponse,
} from './kube-api.util';
import { dnsLabel, labelValue } from './kube-names.util';

export interface KubernetesDriverOptions {
  api: KubeApi;
  image?: string;
  /** Container command template ({port} is the container port; {replica} is refused). */
  command?: string;
  containerPort?: number;
  /** terminationGracePeriodSeconds of the pods (the kubernetes pool has no stopTimeout). */
  stopTimeoutMs?: number;
  clock?: Clock;
  /** How often stop() and watch() read the Deployment. */
  pollIntervalMs?: number;
}

export const NAME_LABEL = 'app.kubernetes.io/name';
export const RELEASE_LABEL = 'greenlight.dev/release';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const HEALTH_PATH = '/health';
const CONTAINER_NAME = 'model-server';

const deploymentsPath = (namespace: string) => `/apis/apps/v1/namespaces/${namespace}/deployments`;
const servicesPath = (namespace: string) => `/api/v1/namespaces/${namespace}/services`;

/**
 * One Deployment (and a ClusterIP Service of the same name) per release. Sketch, exercised
 * through KubeApi only. Endpoints: every replica's url is the per-release Service's DNS name, so
 * the Service, not greenlight, balances across pods.
 */
export class KubernetesPoolDriver implements PoolDriver {
  readonly name = 'kubernetes' as const;
  private readonly clock: Clock;
  private readonly stopping = new Set<string>();

  constructor(private readonly options: KubernetesDriverOptions) {
    this.clock = options.clock ?? SYSTEM_CLOCK;
  }

  async start(spec: PoolSpec): Promise<PoolRecord> {
    const pool = poolFor(spec.pool, 'kubernetes');
    const port = this.options.containerPort ?? DEFAULT_KUBE_CONTAINER_PORT;
    const stopTimeoutMs = this.options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    const tokens = parseCommandTemplate(this.options.command ?? DEFAULT_KUBE_COMMAND, {});
    if (usedPlaceholders(tokens).has('replica')) {
      throw new CommandTemplateError(POOL_ERRORS.kubeReplicaPlaceholder);
    }
    // A host path means nothing inside a pod: {template} fails as "no template file".
    const command = renderCommand(tokens, {
      port,
      model: spec.service,
      version: spec.release,
      replica: 0,
      template: null,
    });
    const name = dnsLabel(`${pool.deployment}-${spec.release}`);
    const namespace = pool.namespace;
    const labels = {
      [NAME_LABEL]: labelValue(spec.service),
      [RELEASE_LABEL]: labelValue(spec.release),
    };
    const metadata = { name, namespace, labels: { ...labels, [MANAGED_BY_LABEL]: 'greenlight' } };

    await this.create('Deployment', name, namespace, {
      method: 'POST',
      path: deploymentsPath(namespace),
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata,
        spec: {
          replicas: pool.replicas,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              terminationGracePeriodSeconds: Math.ceil(stopTimeoutMs / 1000),
              containers: [
                {
                  name: CONTAINER_NAME,
                  image: this.options.image ?? DEFAULT_KUBE_IMAGE,
                  command,
                  ports: [{ name: 'http', containerPort: port }],
                  readinessProbe: {
                    httpGet: { path: HEALTH_PATH, port: 'http' },
                    periodSeconds: 5,
                    failureThreshold: 3,
                  },
                },
              ],
            },
          },
        },
      },
    });
    try {
      await this.create('Service', name, namespace, {
        method: 'POST',
        path: servicesPath(namespace),
        body: {
          apiVersion: 'v1',
          kind: 'Service',
          metadata,
          spec: { selector: labels, ports: [{ name: 'http', port, targetPort: 'http' }] },
        },
      });
    } catch (error) {
      // All or nothing: without its Service the Deployment is unreachable.
      await this.deleteDeployment(namespace, name, stopTimeoutMs).catch(() => undefined);
      throw error;
    }

    this.stopping.delete(`${namespace}/${name}`);
    const startedAt = new Date().toISOString();
    const url = `http://${name}.${namespace}.svc:${port}`;
    const record: KubernetesPoolRecord = {
      driver: 'kubernetes',
      service: spec.service,
      release: spec.release,
      startedAt,
      stopTimeoutMs,
      namespace,
      name,
      replicas: Array.from({ length: pool.replicas }, (_, replica) => ({
        replica,
        url,
        startedAt,
      })),
    };
    return record;
  }

  async status(record: PoolRecord): Promise<ReplicaStatus[]> {
    const pool = recordFor(record, 'kubernetes');
    const response = await this.getDeployment(pool);
    if (response.status === 404) {
      return pool.replicas.map(({ replica, url }) => ({
        replica,
        url,
        state: 'exited',
        exitCode: null,
        signal: null,
        detail: 'deployment not found',
      }));
    }
    const ready = readyReplicas(response.body);
    return pool.replicas.map(({ replica, url }) =>
      replica < ready
        ? { replica, url, state: 'running' }
        : {
            replica,
            url,
            state: 'unknown',
            detail: `not ready (${ready}/${pool.replicas.length} pods ready)`,
          },
    );
  }

  async stop(record: PoolRecord, options: StopOptions = {}): Promise<StopReport> {
    const pool = recordFor(record, 'kubernetes');
    const timeoutMs = options.timeoutMs ?? pool.stopTimeoutMs;
    const began = this.clock.now();
    this.stopping.add(`${pool.namespace}/${pool.name}`);
    const alreadyGone = !(await this.deleteDeployment(pool.namespace, pool.name, timeoutMs));
    const deleteService: KubeRequest = {
      method: 'DELETE',
      path: `${servicesPath(pool.namespace)}/${pool.name}`,
    };
    const service = await this.options.api.request(deleteService);
    if (service.status !== 404) expectOk(deleteService, service);

    let goneAt = began;
    if (!alreadyGone) {
      // Foreground deletion: the Deployment disappears only after its pods have terminated.
      const deadline = began + timeoutMs + KUBE_DELETE_MARGIN_MS;
      for (;;) {
        if ((await this.getDeployment(pool)).status === 404) break;
        if (this.clock.now() >= deadline) {
          throw new Error(POOL_ERRORS.kubeStuck(pool.name, pool.namespace, deadline - began));
        }
        await this.clock.sleep(this.options.pollIntervalMs ?? DEFAULT_WATCH_INTERVAL_MS);
      }
      goneAt = this.clock.now();
    }
    return {
      driver: 'kubernetes',
      service: pool.service,
      release: pool.release,
      replicas: pool.replicas.map(({ replica, url }) => ({
        replica,
        url,
        graceful: goneAt - began <= timeoutMs,
        alreadyGone,
        ms: goneAt - began,
      })),
      ms: this.clock.now() - began,
    };
  }

  /** Sketch: reports the whole pool once if its Deployment disappears (k8s restarts crashed pods). */
  watch(record: PoolRecord, onExit: ExitListener): () => void {
    const pool = recordFor(record, 'kubernetes');
    let done = false;
    let busy = false;
    const timer = setInterval(() => {
      if (busy || done) return;
      busy = true;
      void this.getDeployment(pool)
        .then((response) => {
          if (response.status !== 404 || done) return;
          done = true;
          clearInterval(timer);
          if (this.stopping.has(`${pool.namespace}/${pool.name}`)) return;
          for (const { replica, url } of pool.replicas) {
            onExit({
              replica,
              url,
              state: 'exited',
              exitCode: null,
              signal: null,
              detail: 'deployment deleted',
            });
          }
        })
        .catch(() => undefined) // API server unreachable for a moment: ask again next tick
        .finally(() => {
          busy = false;
        });
    }, this.options.pollIntervalMs ?? DEFAULT_WATCH_INTERVAL_MS);
    timer.unref();
    return () => {
      done = true;
      clearInterval(timer);
    };
  }

  private async create(
    kind: string,
    name: string,
    namespace: string,
    req: KubeRequest,
  ): Promise<void> {
    const response = await this.options.api.request(req);
    if (response.status === 409)
      throw new Error(POOL_ERRORS.kubeAlreadyExists(kind, name, namespace));
    expectOk(req, response);
  }

  /** false when there was no such Deployment. */
  private async deleteDeployment(
    namespace: string,
    name: string,
    timeoutMs: number,
  ): Promise<boolean> {
    const req: KubeRequest = {
      method: 'DELETE',
      path: `${deploymentsPath(namespace)}/${name}`,
      body: {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        propagationPolicy: 'Foreground',
        gracePeriodSeconds: Math.ceil(timeoutMs / 1000),
      },
    };
    const response = await this.options.api.request(req);
    if (response.status === 404) return false;
    expectOk(req, response);
    return true;
  }

  private async getDeployment(pool: KubernetesPoolRecord): Promise<KubeResponse> {
    const req: KubeRequest = {
      method: 'GET',
      path: `${deploymentsPath(pool.namespace)}/${pool.name}`,
    };
    const response = await this.options.api.request(req);
    if (response.status !== 404) expectOk(req, response);
    return response;
  }
}

function expectOk(req: Pick<KubeRequest, 'method' | 'path'>, response: KubeResponse): void {
  if (response.status >= 200 && response.status < 300) return;
  throw new Error(
    POOL_ERRORS.kubeRequestFailed(
      req.method,
      req.path,
      response.status,
      kubeErrorMessage(response.body),
    ),
  );
}

function readyReplicas(body: unknown): number {
  if (typeof body !== 'object' || body === null || !('status' in body)) return 0;
  const status = body.status;
  if (typeof status !== 'object' || status === null || !('readyReplicas' in status)) return 0;
  return typeof status.readyReplicas === 'number' ? status.readyReplicas : 0;
}
