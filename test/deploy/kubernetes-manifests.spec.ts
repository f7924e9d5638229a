import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Gateway } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { DEFAULT_PORTS, loadConfig } from '@greenlight/contracts';
import { findRepoRoot, SERVICE_NAMES } from '@greenlight/testing';
// test/deploy is no Nx project: it may read a service's own config schema.
import { TrafficShifterConfigSchema } from '../../services/traffic-shifter/src/config/traffic-shifter.config';
import { CONFIG_SCHEMAS, dockerfileEnv, readEnvFile, unknownVars } from './service-env.util';

const root = findRepoRoot(__dirname);
const KUBE = join(root, 'deploy', 'kubernetes');

type Validatable = new (data: never) => { validate(): void };
/** apiVersion/kind → its JSON-schema model; a kind missing here is a test failure. */
const MODELS: Record<string, Validatable> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'gateway.networking.k8s.io/v1/Gateway': Gateway,
  'gateway.networking.k8s.io/v1/HTTPRoute': HTTPRoute,
};

// Just the fields the checks below read; validate() has checked the rest.
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
  };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  containers: Container[];
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: {
    selector?: Record<string, string> | { matchLabels?: Record<string, string> };
    template?: { metadata?: { labels?: Record<string, string> }; spec: PodSpec };
    volumeClaimTemplates?: { metadata: { name: string } }[];
    ports?: { name?: string; port: number; targetPort?: string | number }[];
    parentRefs?: { name: string; namespace?: string }[];
    rules?: { backendRefs?: { name: string; port?: number }[] }[];
  };
  data?: Record<string, string>;
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
}
interface Kustomization {
  namespace?: string;
  resources?: string[];
  patches?: { path: string }[];
  secretGenerator?: { name: string; envs?: string[] }[];
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(entry.name) ? [path] : [];
  });
}

function documents(path: string): unknown[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]!.message}`);
    return doc.toJS() as unknown;
  });
}

const isKustomization = (path: string) => path.endsWith('kustomization.yaml');

function readKustomization(dir: string): Kustomization {
  return documents(join(dir, 'kustomization.yaml'))[0] as Kustomization;
}

/** Strategic merge of a Deployment patch, as far as these manifests use it: env by name. */
function applyPatch(objects: K8sObject[], patch: K8sObject): void {
  const target = objects.find(
    (o) => o.kind === patch.kind && o.metadata.name === patch.metadata.name,
  );
  if (!target) throw new Error(`patch targets no ${patch.kind} ${patch.metadata.name}`);
  for (const patched of patch.spec?.template?.spec.containers ?? []) {
    const container = target.spec!.template!.spec.containers.find((c) => c.name === patched.name);
    if (!container) throw new Error(`patch names no container ${patched.name}`);
    const env = (container.env ??= []);
    for (const variable of patched.env ?? []) {
      const at = env.findIndex((e) => e.name === variable.name);
      if (at >= 0) env[at] = variable;
      else env.push(variable);
    }
  }
}

/** What `kubectl kustomize dir` renders, for these manifests: resources, patches, namespace. */
function render(dir: string): K8sObject[] {
  const kustomization = readKustomization(dir);
  const objects: K8sObject[] = [];
  for (const resource of kustomization.resources ?? []) {
    const path = join(dir, resource);
    objects.push(
      ...(existsSync(join(path, 'kustomization.yaml'))
        ? render(path)
        : (documents(path) as K8sObject[])),
    );
  }
  for (const { path } of kustomization.patches ?? []) {
    applyPatch(objects, documents(join(dir, path))[0] as K8sObject);
  }
  const namespace = kustomization.namespace;
  if (namespace) {
    for (const o of objects) if (o.kind !== 'Namespace') o.metadata.namespace = namespace;
  }
  return structuredClone(objects);
}

function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
}

const podSpec = (o: K8sObject): PodSpec => o.spec!.template!.spec;
const container = (o: K8sObject): Container => podSpec(o).containers[0]!;
const matchLabels = (o: K8sObject): Record<string, string> => {
  const selector = o.spec?.selector as { matchLabels?: Record<string, string> } | undefined;
  return selector?.matchLabels ?? {};
};

/** What the manifests set for a container: ConfigMaps, then its env (secrets from the example). */
function containerEnv(objects: K8sObject[], c: Container): Record<string, string> {
  const secrets = readEnvFile(join(KUBE, 'tokens.env.example'));
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    if (from.configMapRef)
      Object.assign(env, find(objects, 'ConfigMap', from.configMapRef.name).data);
  }
  for (const variable of c.env ?? []) {
    const secret = variable.valueFrom?.secretKeyRef;
    env[variable.name] =
      variable.value ??
      (secret
        ? (secrets[secret.key] ?? '')
        : variable.valueFrom?.fieldRef
          ? 'gateway-7d9f-x2k4q'
          : '');
  }
  return env;
}

describe('deploy/kubernetes', () => {
  const base = render(KUBE);
  const examples = render(join(KUBE, 'examples'));

  it('holds only valid Kubernetes and Gateway API objects', () => {
    const patches = new Set(
      [KUBE, join(KUBE, 'examples')].flatMap((dir) =>
        (readKustomization(dir).patches ?? []).map((p) => join(dir, p.path)),
      ),
    );
    const problems: string[] = [];
    let validated = 0;
    for (const path of yamlFiles(KUBE).filter((p) => !isKustomization(p) && !patches.has(p))) {
      for (const doc of documents(path) as K8sObject[]) {
        const where = `${relative(KUBE, path)} ${doc.kind} ${doc.metadata?.name}`;
        const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
        if (!Model) {
          problems.push(`${where}: no model for ${doc.apiVersion} ${doc.kind}`);
          continue;
        }
        try {
          new Model(doc as never).validate();
          validated++;
        } catch (error) {
          problems.push(`${where}: ${(error as Error).message}`);
        }
      }
    }
    // Patched objects are valid as kustomize renders them, too.
    for (const o of examples.filter((o) => o.kind === 'Deployment')) {
      new Deployment(o as never).validate();
    }

    expect(problems).toEqual([]);
    expect(validated).toBeGreaterThanOrEqual(25);
  });

  it('lists every manifest in a kustomization, and lists only files that exist', () => {
    const listed = new Set<string>();
    for (const dir of [KUBE, join(KUBE, 'examples')]) {
      const kustomization = readKustomization(dir);
      for (const path of [
        ...(kustomization.resources ?? []),
        ...(kustomization.patches ?? []).map((p) => p.path),
      ]) {
        listed.add(join(dir, path));
      }
    }
    const manifests = yamlFiles(KUBE).filter((p) => !isKustomization(p));

    expect(manifests.filter((p) => !listed.has(p)).map((p) => relative(KUBE, p))).toEqual([]);
    expect([...listed].filter((p) => !existsSync(p)).map((p) => relative(KUBE, p))).toEqual([]);
    // The generated Secret has an example with every key a Deployment reads from it.
    const generator = readKustomization(KUBE).secretGenerator?.[0];
    expect(generator?.envs).toEqual(['tokens.env']);
    const keys = base
      .flatMap((o) => (o.kind === 'Deployment' ? podSpec(o).containers : []))
      .flatMap((c) => c.env ?? [])
      .filter((e) => e.valueFrom?.secretKeyRef?.name === generator?.name)
      .map((e) => e.valueFrom!.secretKeyRef!.key);
    expect(Object.keys(readEnvFile(join(KUBE, 'tokens.env.example')))).toEqual(
      expect.arrayContaining(keys),
    );
  });

  it('runs every greenlight service from the image, probed on /healthz at its port, with resources', () => {
    for (const name of SERVICE_NAMES) {
      const c = container(find(base, 'Deployment', name));
      const port = c.ports?.find((p) => p.name === 'http')?.containerPort;

      expect({ name, image: c.image, command: c.command }).toEqual({
        name,
        image: 'greenlight:latest',
        command: ['node', `dist/services/${name}/src/main.js`],
      });
      expect(existsSync(join(root, 'services', name, 'src', 'main.ts'))).toBe(true);
      expect({ name, port }).toEqual({ name, port: DEFAULT_PORTS[name] });
      for (const probe of [c.readinessProbe, c.livenessProbe]) {
        expect({ name, httpGet: probe?.httpGet }).toEqual({
          name,
          httpGet: { path: '/healthz', port: 'http' },
        });
      }
      expect(c.resources?.requests).toEqual(
        expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }),
      );
      expect(c.resources?.limits?.['memory']).toEqual(expect.any(String));
    }
  });

  it.each([
    ['the base', base, {}],
    ['the Gateway API example', examples, { KUBERNETES_SERVICE_HOST: '10.96.0.1' }],
  ])(
    'gives every service in %s only variables its config reads, and values it accepts',
    (_, objects, injected) => {
      for (const name of SERVICE_NAMES) {
        const env = containerEnv(objects, container(find(objects, 'Deployment', name)));
        const unknown = unknownVars(name, env);
        expect({ name, unknown }).toEqual({ name, unknown: [] });

        // The image's ENV (shared by every service) comes first; the manifests override it.
        const config = loadConfig(CONFIG_SCHEMAS[name], {
          ...dockerfileEnv(root),
          ...env,
          ...injected,
        }) as {
          HOST: string;
          PORT: number;
          NATS_URL: string;
          REDIS_URL: string;
        };
        // Bound to loopback, a pod would fail its probes and be unreachable through its Service.
        expect({ name, host: config.HOST, port: config.PORT }).toEqual({
          name,
          host: '0.0.0.0',
          port: DEFAULT_PORTS[name],
        });
        expect(config.NATS_URL).toBe('nats://nats:4222');
        expect(config.REDIS_URL).toBe('redis://redis:6379');
      }
    },
  );

  it('has Services that select existing pods and target ports those pods expose', () => {
    for (const objects of [base, examples]) {
      const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
      for (const service of objects.filter((o) => o.kind === 'Service')) {
        const selector = service.spec!.selector as Record<string, string>;
        const pods = workloads.filter((w) =>
          Object.entries(selector).every(([k, v]) => w.spec?.template?.metadata?.labels?.[k] === v),
        );
        expect({ service: service.metadata.name, pods: pods.length }).toEqual({
          service: service.metadata.name,
          pods: 1,
        });
        const ports = podSpec(pods[0]!).containers.flatMap((c) => c.ports ?? []);
        for (const { targetPort } of service.spec!.ports!) {
          expect(ports.some((p) => p.name === targetPort || p.containerPort === targetPort)).toBe(
            true,
          );
        }
      }
      for (const workload of workloads) {
        const labels = workload.spec!.template!.metadata!.labels!;
        expect(Object.entries(matchLabels(workload)).every(([k, v]) => labels[k] === v)).toBe(true);
      }
    }
    expect(find(base, 'Service', 'orchestrator').spec!.ports![0]!.port).toBe(7070);
    expect(find(base, 'Service', 'gateway').spec!.ports![0]!.port).toBe(8080);
  });

  it('keeps JetStream and the Redis AOF on persistent volumes', () => {
    const nats = find(base, 'StatefulSet', 'nats');
    const natsConf = find(base, 'ConfigMap', 'nats-config').data!['nats.conf']!;
    const storeDir = /jetstream\s*\{[^}]*store_dir:\s*(\S+)/.exec(natsConf)?.[1];
    const mount = (o: K8sObject, path: string | undefined) =>
      container(o).volumeMounts?.find((m) => m.mountPath === path)?.name;
    const claims = (o: K8sObject) => o.spec!.volumeClaimTemplates!.map((t) => t.metadata.name);

    expect(storeDir).toBe('/data');
    expect(claims(nats)).toContain(mount(nats, storeDir));

    const redis = find(base, 'StatefulSet', 'redis');
    const args = container(redis).args!.join(' ');
    expect(args).toContain('--appendonly yes');
    expect(claims(redis)).toContain(mount(redis, /--dir (\S+)/.exec(args)?.[1]));
  });

  it('lets the traffic-shifter get and patch HTTPRoutes, the drainer manage pools, and no one else use the API', () => {
    const grants = (deployment: string) => {
      const account = podSpec(find(base, 'Deployment', deployment)).serviceAccountName!;
      return base
        .filter(
          (o) =>
            o.kind === 'RoleBinding' &&
            o.subjects?.some((s) => s.kind === 'ServiceAccount' && s.name === account),
        )
        .flatMap((binding) => find(base, 'Role', binding.roleRef!.name).rules ?? [])
        .flatMap((rule) =>
          rule.resources.flatMap((resource) =>
            rule.verbs.map((verb) => `${rule.apiGroups.join('|')}/${resource}:${verb}`),
          ),
        );
    };

    expect(grants('traffic-shifter').sort()).toEqual([
      'gateway.networking.k8s.io/httproutes:get',
      'gateway.networking.k8s.io/httproutes:patch',
    ]);
    expect(grants('drainer')).toEqual(
      expect.arrayContaining([
        'apps/deployments:create',
        'apps/deployments:get',
        'apps/deployments:delete',
        'apps/deployments/scale:patch',
        '/services:create',
        '/services:delete',
      ]),
    );
    for (const name of SERVICE_NAMES.filter((n) => n !== 'traffic-shifter' && n !== 'drainer')) {
      expect({
        name,
        token: podSpec(find(base, 'Deployment', name)).automountServiceAccountToken,
      }).toEqual({
        name,
        token: false,
      });
    }
    for (const binding of base.filter((o) => o.kind === 'RoleBinding')) {
      expect(binding.subjects?.map((s) => s.namespace)).toEqual(['greenlight']);
    }
  });

  it('points the traffic-shifter of the example at an HTTPRoute on its Gateway whose backend Service exists', () => {
    const env = containerEnv(examples, container(find(examples, 'Deployment', 'traffic-shifter')));
    const config = loadConfig(TrafficShifterConfigSchema, {
      ...env,
      KUBERNETES_SERVICE_HOST: '10.96.0.1',
    });
    const { namespace, name } = config.TRAFFIC_HTTPROUTE!['chat']!;
    const route = find(examples, 'HTTPRoute', name);

    expect(route.metadata.namespace).toBe(namespace);
    expect(route.spec!.parentRefs!.map((p) => find(examples, 'Gateway', p.name).kind)).toEqual([
      'Gateway',
    ]);
    for (const ref of route.spec!.rules!.flatMap((r) => r.backendRefs ?? [])) {
      const service = find(examples, 'Service', ref.name);
      expect(service.spec!.ports!.map((p) => p.port)).toContain(ref.port);
    }
    expect(config.TRAFFIC_HTTPROUTE).toEqual({ chat: { namespace: 'greenlight', name: 'chat' } });
  });

  it('gives the vLLM pool 120 s to finish its streams, more than its --shutdown-timeout', () => {
    const vllm = find(examples, 'Deployment', 'chat-v1');
    const args = container(vllm).args!;
    const shutdownTimeout = Number(args[args.indexOf('--shutdown-timeout') + 1]);

    expect(podSpec(vllm).terminationGracePeriodSeconds).toBe(120);
    expect(shutdownTimeout).toBeGreaterThan(0);
    expect(shutdownTimeout).toBeLessThan(120);
    expect(container(vllm).readinessProbe?.httpGet?.path).toBe('/health');
  });
});
