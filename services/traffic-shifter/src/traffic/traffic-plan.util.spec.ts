import type { RoutingTable } from '@greenlight/contracts';
import { planTrafficChange, type TrafficSetData } from './traffic-plan.util';

const BLUE = { release: 'v1', endpoints: ['http://127.0.0.1:9001', 'http://127.0.0.1:9002'] };
const GREEN = { release: 'v2', endpoints: ['http://127.0.0.1:9101'] };

const applied: RoutingTable = {
  service: 'chat',
  version: 4,
  affinity: 'prefix',
  pools: { blue: { ...BLUE, weight: 75 }, green: { ...GREEN, weight: 25 } },
};

function request(overrides: Partial<TrafficSetData> = {}): TrafficSetData {
  return { service: 'chat', version: 5, weights: { blue: 0, green: 100 }, ...overrides };
}

describe('planTrafficChange', () => {
  it('changes only the weights and version of the table in force (a ramp step)', () => {
    expect(planTrafficChange(request(), applied)).toEqual({
      kind: 'apply',
      table: {
        ...applied,
        version: 5,
        pools: { blue: { ...BLUE, weight: 0 }, green: { ...GREEN, weight: 100 } },
      },
    });
  });

  it('creates the first table of a service from the pools, with session affinity by default', () => {
    const plan = planTrafficChange(
      request({ version: 1, weights: { blue: 100, green: 0 }, pools: { blue: BLUE, green: null } }),
      null,
    );

    expect(plan).toEqual({
      kind: 'apply',
      table: {
        service: 'chat',
        version: 1,
        affinity: 'session',
        pools: { blue: { ...BLUE, weight: 100 }, green: null },
      },
    });
  });

  it('replaces where the pools are when the command gives them (the canary step)', () => {
    const green = { release: 'v3', endpoints: ['http://127.0.0.1:9201'] };
    const plan = planTrafficChange(
      request({ weights: { blue: 99, green: 1 }, pools: { blue: BLUE, green }, affinity: 'none' }),
      applied,
    );

    expect(plan).toMatchObject({
      kind: 'apply',
      table: { affinity: 'none', pools: { green: { ...green, weight: 1 } } },
    });
  });

  it('carries the semantic-cache generation each pool owns into the table', () => {
    const plan = planTrafficChange(
      request({
        weights: { blue: 75, green: 25 },
        pools: {
          blue: { ...BLUE, generation: 'chat-v1' },
          green: { ...GREEN, generation: 'chat-v2' },
        },
      }),
      applied,
    );

    expect(plan).toMatchObject({
      kind: 'apply',
      table: { pools: { blue: { generation: 'chat-v1' }, green: { generation: 'chat-v2' } } },
    });
  });

  it('refuses a stale version, naming the version in force', () => {
    expect(planTrafficChange(request({ version: 3 }), applied)).toEqual({
      kind: 'refuse',
      reason: 'version 3 of chat is stale: version 4 is already applied (versions only grow)',
      issues: [],
      appliedVersion: 4,
    });
  });

  it('reconfirms an exact repeat of the version in force (a redelivery) instead of refusing it', () => {
    const plan = planTrafficChange(
      request({ version: 4, weights: { blue: 75, green: 25 } }),
      applied,
    );

    expect(plan).toEqual({ kind: 'reconfirm', table: applied });
  });

  it('refuses the version in force with other weights', () => {
    expect(
      planTrafficChange(request({ version: 4, weights: { blue: 50, green: 50 } }), applied),
    ).toMatchObject({
      kind: 'refuse',
      reason: expect.stringContaining('version 4 of chat is already applied with other weights'),
    });
  });

  it('refuses a service without a table when the command does not say where its pools are', () => {
    expect(planTrafficChange(request({ service: 'summarize' }), null)).toEqual({
      kind: 'refuse',
      reason:
        'no routing table for service summarize yet: its first traffic.set must give the pools',
      issues: [],
    });
  });

  it('refuses weight for a pool that does not exist', () => {
    const blueOnly: RoutingTable = { ...applied, pools: { blue: applied.pools.blue, green: null } };

    expect(planTrafficChange(request({ weights: { blue: 75, green: 25 } }), blueOnly)).toEqual({
      kind: 'refuse',
      reason: 'green weight 25 for chat, but chat has no green pool',
      issues: [],
    });
  });

  it('lets green carry everything once blue is gone (the pools say so)', () => {
    const plan = planTrafficChange(
      request({ weights: { blue: 0, green: 100 }, pools: { blue: null, green: GREEN } }),
      applied,
    );

    expect(plan).toMatchObject({
      kind: 'apply',
      table: { pools: { blue: null, green: { ...GREEN, weight: 100 } } },
    });
  });
});
