import { Logger } from '@nestjs/common';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import type { RoutingTable } from '@greenlight/contracts';
import { HttpRouteDriver, type Clock } from './http-route.driver';
import type { KubeApi, KubeRequest, KubeResponse } from '@greenlight/pools';

const PATH = '/apis/gateway.networking.k8s.io/v1/namespaces/ml/httproutes/chat-route';
const BLUE = 'http://chat-v1.ml.svc:8000';
const GREEN = 'http://chat-v2.ml.svc.cluster.local:8000';

type Json = Record<string, unknown>;

/** RFC 7386 JSON merge patch, as the API server applies application/merge-patch+json. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const result: Json =
    typeof target === 'object' && target !== null && !Array.isArray(target)
      ? { ...(target as Json) }
      : {};
  for (const [key, value] of Object.entries(patch as Json)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** The API server for one HTTPRoute: optimistic concurrency, generation bumps on spec changes. */
class FakeKubeApi implements KubeApi {
  readonly requests: KubeRequest[] = [];
  route: Json;
  /** Answers the next PATCH with 409, as if someone wrote the route after our GET. */
  conflicts = 0;
  failWith?: KubeResponse;

  constructor(route: Json) {
    this.route = route;
  }

  get meta(): { generation: number; resourceVersion: string } {
    return this.route['metadata'] as { generation: number; resourceVersion: string };
  }

  async request(req: KubeRequest): Promise<KubeResponse> {
    this.requests.push(structuredClone(req));
    if (this.failWith) return this.failWith;
    if (req.path !== PATH) return { status: 404, body: { message: 'httproutes not found' } };
    if (req.method === 'GET') return { status: 200, body: structuredClone(this.route) };
    if (this.conflicts > 0) {
      this.conflicts--;
      this.touch(); // the other writer's change
      return { status: 409, body: { message: 'the object has been modified' } };
    }
    const patch = req.body as { metadata?: { resourceVersion?: string } };
    if (patch.metadata?.resourceVersion !== this.meta.resourceVersion) {
      return { status: 409, body: { message: 'the object has been modified' } };
    }
    const before = JSON.stringify(this.route['spec']);
    this.route = mergePatch(this.route, req.body) as Json;
    this.touch(JSON.stringify(this.route['spec']) !== before);
    return { status: 200, body: structuredClone(this.route) };
  }

  /** What a Gateway controller writes after reconciling. */
  report(conditions: Json[], observedGeneration = this.meta.generation): void {
    this.route['status'] = {
      parents: [
        {
          parentRef: { name: 'public' },
          controllerName: 'example.net/gateway-controller',
          conditions: conditions.map((c) => ({ observedGeneration, ...c })),
        },
      ],
    };
  }

  private touch(specChanged = true): void {
    const meta = this.meta;
    meta.resourceVersion = String(Number(meta.resourceVersion) + 1);
    if (specChanged) meta.generation++;
  }
}

const ACCEPTED = { type: 'Accepted', status: 'True', reason: 'Accepted' };
const RESOLVED = { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs' };

function existingRoute(): Json {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'chat-route', namespace: 'ml', generation: 3, resourceVersion: '100' },
    spec: {
      parentRefs: [{ name: 'public' }],
      hostnames: ['llm.example.com'],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/v1' } }],
          timeouts: { request: '300s' },
          backendRefs: [{ group: '', kind: 'Service', name: 'placeholder', port: 8000, weight: 1 }],
        },
      ],
    },
  };
}

function table(
  version: number,
  blue: number,
  green: number | null,
  greenUrl = GREEN,
): RoutingTable {
  return {
    service: 'chat',
    version,
    affinity: 'session',
    pools: {
      blue: { release: 'v1', endpoints: [BLUE, BLUE], weight: blue },
      green: green === null ? null : { release: 'v2', endpoints: [greenUrl], weight: green },
    },
  };
}

function fakeClock(onSleep: (now: number) => void = () => undefined): Clock & { t: number } {
  const clock = {
    t: 1_000,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms;
      onSleep(clock.t);
    },
  };
  return clock;
}

function setup(onSleep?: (api: FakeKubeApi, now: number) => void) {
  const api = new FakeKubeApi(existingRoute());
  const clock = fakeClock((now) => onSleep?.(api, now));
  const driver = new HttpRouteDriver({
    api,
    routes: { chat: { namespace: 'ml', name: 'chat-route' } },
    clock,
    pollIntervalMs: 100,
  });
  const deadline = () => clock.t + 1_000;
  return { api, clock, driver, deadline };
}

/** Every route the driver leaves behind must be a valid Gateway API v1 HTTPRoute. */
function expectValidHttpRoute(route: Json): void {
  expect(() => new HTTPRoute(route as never).validate()).not.toThrow();
}

describe('HttpRouteDriver', () => {
  beforeAll(() => {
    Logger.overrideLogger(['error']);
  });

  describe('apply', () => {
    it('merge-patches the backend weights into every rule, keeping matches, timeouts and parents', async () => {
      const { api, driver, deadline } = setup();

      await driver.apply(table(1, 100, null), deadline());

      expect(
        api.requests.map(({ method, path, contentType, body }) => ({
          method,
          path,
          contentType,
          body,
        })),
      ).toEqual([
        { method: 'GET', path: PATH, contentType: undefined, body: undefined },
        {
          method: 'PATCH',
          path: PATH,
          contentType: 'application/merge-patch+json',
          body: {
            metadata: { resourceVersion: '100' },
            spec: {
              rules: [
                {
                  matches: [{ path: { type: 'PathPrefix', value: '/v1' } }],
                  timeouts: { request: '300s' },
                  backendRefs: [{ name: 'chat-v1', port: 8000, weight: 100 }],
                },
              ],
            },
          },
        },
      ]);
      expect(api.route['spec']).toMatchObject({
        parentRefs: [{ name: 'public' }],
        hostnames: ['llm.example.com'],
      });
      expect(api.meta.generation).toBe(4);
      expectValidHttpRoute(api.route);
    });

    it('splits a canary 99/1 between the blue and green Services and names a green in another namespace', async () => {
      const { api, driver, deadline } = setup();

      await driver.apply(table(2, 99, 1), deadline());
      const rules = (api.route['spec'] as { rules: Json[] }).rules;
      expect(rules[0]!['backendRefs']).toEqual([
        { name: 'chat-v1', port: 8000, weight: 99 },
        { name: 'chat-v2', port: 8000, weight: 1 },
      ]);
      expectValidHttpRoute(api.route);

      await driver.apply(table(3, 0, 100, 'http://chat-v3.canary.svc:9000'), deadline());
      expect((api.route['spec'] as { rules: Json[] }).rules[0]!['backendRefs']).toEqual([
        { name: 'chat-v1', port: 8000, weight: 0 },
        { name: 'chat-v3', namespace: 'canary', port: 9000, weight: 100 },
      ]);
      expectValidHttpRoute(api.route);
    });

    it('gives a route without rules one rule that carries the split', async () => {
      const { api, driver, deadline } = setup();
      (api.route['spec'] as Json)['rules'] = undefined;

      await driver.apply(table(1, 75, 25), deadline());

      expect((api.route['spec'] as { rules: Json[] }).rules).toEqual([
        {
          backendRefs: [
            { name: 'chat-v1', port: 8000, weight: 75 },
            { name: 'chat-v2', port: 8000, weight: 25 },
          ],
        },
      ]);
      expectValidHttpRoute(api.route);
    });

    it('does not patch a route that already has the weights (a redelivered command), so no new generation', async () => {
      const { api, driver, deadline } = setup();
      await driver.apply(table(2, 99, 1), deadline());
      // The API server fills in the defaults it reads back.
      for (const ref of (api.route['spec'] as { rules: { backendRefs: Json[] }[] }).rules[0]!
        .backendRefs) {
        Object.assign(ref, { group: '', kind: 'Service' });
      }
      api.requests.length = 0;

      await driver.apply(table(2, 99, 1), deadline());

      expect(api.requests.map((r) => r.method)).toEqual(['GET']);
      expect(api.meta.generation).toBe(4);
    });

    it('reads again and re-patches when someone else wrote the route in between', async () => {
      const { api, driver, deadline } = setup();
      api.conflicts = 1;

      await driver.apply(table(2, 50, 50), deadline());

      expect(api.requests.map((r) => r.method)).toEqual(['GET', 'PATCH', 'GET', 'PATCH']);
      expect((api.requests[3]!.body as { metadata: Json }).metadata).toEqual({
        resourceVersion: '101',
      });
      expect((api.route['spec'] as { rules: Json[] }).rules[0]!['backendRefs']).toEqual([
        { name: 'chat-v1', port: 8000, weight: 50 },
        { name: 'chat-v2', port: 8000, weight: 50 },
      ]);
    });

    it('gives up after five lost races, saying so', async () => {
      const { api, driver, deadline } = setup();
      api.conflicts = 5;

      await expect(driver.apply(table(2, 50, 50), deadline())).rejects.toThrow(
        'HTTPRoute ml/chat-route kept changing under us (5 patches lost to concurrent writers)',
      );
    });

    it('passes on what the API server refused', async () => {
      const { api, driver, deadline } = setup();
      api.failWith = {
        status: 403,
        body: { message: 'httproutes.gateway.networking.k8s.io "chat-route" is forbidden' },
      };

      await expect(driver.apply(table(1, 100, null), deadline())).rejects.toThrow(
        `GET ${PATH} answered 403: httproutes.gateway.networking.k8s.io "chat-route" is forbidden`,
      );
    });

    it('refuses to patch something that is not an HTTPRoute', async () => {
      const { api, driver, deadline } = setup();
      api.route = { metadata: { name: 'chat-route', namespace: 'ml' }, spec: {} };

      await expect(driver.apply(table(1, 100, null), deadline())).rejects.toThrow(
        /^HTTPRoute ml\/chat-route is not a valid HTTPRoute: metadata\.generation: /,
      );
      expect(api.requests.map((r) => r.method)).toEqual(['GET']);
    });

    it('leaves services without an HTTPRoute alone', async () => {
      const { api, driver, deadline } = setup();
      const other = { ...table(1, 100, null), service: 'summarize' };

      expect(
        driver.check({
          ...other,
          pools: {
            blue: { release: 'v1', endpoints: ['http://10.0.0.7:8000'], weight: 100 },
            green: null,
          },
        }),
      ).toBeUndefined();
      await driver.apply(other, deadline());
      await driver.confirm(other, deadline());

      expect(api.requests).toEqual([]);
    });
  });

  describe('check', () => {
    it('accepts pools whose endpoints are one Service each', () => {
      expect(setup().driver.check(table(2, 99, 1))).toBeUndefined();
    });

    it.each([
      [
        'http://10.0.0.7:8000',
        'green endpoint http://10.0.0.7:8000 of chat is not a Kubernetes Service address',
      ],
      [
        'http://localhost:9001',
        'green endpoint http://localhost:9001 of chat is not a Kubernetes Service address',
      ],
    ])('refuses an endpoint that is no Service (%s)', (url, reason) => {
      expect(setup().driver.check(table(2, 99, 1, url))).toContain(reason);
    });

    it('refuses a pool spread over several Services', () => {
      const spread = table(2, 99, 1);
      spread.pools.green!.endpoints = [GREEN, 'http://chat-v2b.ml.svc:8000'];

      expect(setup().driver.check(spread)).toBe(
        'green endpoints of chat name several Services (ml/chat-v2:8000, ml/chat-v2b:8000): an HTTPRoute backend is one Service per pool',
      );
    });
  });

  describe('confirm', () => {
    it('resolves once the Gateway accepted the written generation', async () => {
      const { api, driver, deadline } = setup((fake, now) => {
        if (now >= 1_300) fake.report([ACCEPTED, RESOLVED]);
      });
      api.report([ACCEPTED, RESOLVED]); // generation 3, before our write
      await driver.apply(table(2, 99, 1), deadline());
      api.requests.length = 0;

      await driver.confirm(table(2, 99, 1), deadline());

      expect(api.requests.every((r) => r.method === 'GET' && r.path === PATH)).toBe(true);
      expect(api.requests).toHaveLength(4); // read at 1000 (stale), 1100, 1200, 1300 (accepted)
    });

    it('does not confirm while the Gateway has only observed an older generation', async () => {
      const { api, driver, deadline } = setup();
      api.report([ACCEPTED, RESOLVED]);
      await driver.apply(table(2, 99, 1), deadline());

      await expect(driver.confirm(table(2, 99, 1), deadline())).rejects.toThrow(
        'HTTPRoute ml/chat-route generation 4 not applied: Gateway ml/public has not processed it yet (observedGeneration 3)',
      );
    });

    it('does not confirm a route the Gateway did not accept, saying why', async () => {
      const { api, driver, deadline } = setup();
      await driver.apply(table(2, 99, 1), deadline());
      api.report([
        {
          type: 'Accepted',
          status: 'False',
          reason: 'NotAllowedByListeners',
          message: 'no listener allows routes from namespace ml',
        },
      ]);

      await expect(driver.confirm(table(2, 99, 1), deadline())).rejects.toThrow(
        'Gateway ml/public did not accept it (Accepted=False, NotAllowedByListeners: no listener allows routes from namespace ml)',
      );
    });

    it('does not confirm while a backend Service cannot be resolved', async () => {
      const { api, driver, deadline } = setup();
      await driver.apply(table(2, 99, 1), deadline());
      api.report([
        ACCEPTED,
        {
          type: 'ResolvedRefs',
          status: 'False',
          reason: 'BackendNotFound',
          message: 'service ml/chat-v2 not found',
        },
      ]);

      await expect(driver.confirm(table(2, 99, 1), deadline())).rejects.toThrow(
        'Gateway ml/public cannot resolve its backends (ResolvedRefs=False, BackendNotFound: service ml/chat-v2 not found)',
      );
    });

    it('does not confirm a route no Gateway has reported on, nor one without parents', async () => {
      const { api, driver, deadline } = setup();
      await driver.apply(table(2, 99, 1), deadline());
      await expect(driver.confirm(table(2, 99, 1), deadline())).rejects.toThrow(
        'Gateway ml/public has not reported on the route yet',
      );

      (api.route['spec'] as Json)['parentRefs'] = [];
      await driver.apply(table(2, 99, 1), deadline());
      await expect(driver.confirm(table(2, 99, 1), deadline())).rejects.toThrow(
        'it has no parentRefs, so no Gateway serves it',
      );
    });

    it('confirms an older version once a newer generation is accepted', async () => {
      const { api, driver, deadline } = setup();
      await driver.apply(table(2, 99, 1), deadline());
      await driver.apply(table(3, 75, 25), deadline());
      api.report([ACCEPTED, RESOLVED]); // generation 5

      await driver.confirm(table(2, 99, 1), deadline());
      await driver.confirm(table(3, 75, 25), deadline());
      expect(api.meta.generation).toBe(5);
    });
  });
});
