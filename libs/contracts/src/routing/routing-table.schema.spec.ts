import { safeParse } from '../validation.util';
import {
  ROUTING_NO_POOL_MESSAGE,
  type RoutingTable,
  RoutingTableSchema,
} from './routing-table.schema';

const blue = { release: 'v1', endpoints: ['http://127.0.0.1:9001'], weight: 75 };
const green = {
  release: 'v2',
  endpoints: ['http://127.0.0.1:9101', 'http://127.0.0.1:9102'],
  weight: 25,
};

function table(pools: { blue: unknown; green: unknown }): unknown {
  return { service: 'chat', version: 7, affinity: 'session', pools };
}

describe('RoutingTableSchema', () => {
  it('accepts a canary split that sums to 100', () => {
    const result = safeParse(RoutingTableSchema, table({ blue, green }));
    expect(result).toEqual({ ok: true, value: table({ blue, green }) as RoutingTable });
  });

  it('accepts a single pool carrying everything (first deployment)', () => {
    expect(
      safeParse(RoutingTableSchema, table({ blue: null, green: { ...green, weight: 100 } })).ok,
    ).toBe(true);
  });

  it('explains a split that does not sum to 100', () => {
    expect(safeParse(RoutingTableSchema, table({ blue, green: { ...green, weight: 30 } }))).toEqual(
      {
        ok: false,
        issues: [
          {
            path: 'pools',
            message: 'weights of the pools present must sum to 100 (blue 75 + green 30 = 105)',
          },
        ],
      },
    );
  });

  it('refuses a lone pool below 100', () => {
    expect(
      safeParse(RoutingTableSchema, table({ blue: null, green: { ...green, weight: 99 } })),
    ).toEqual({
      ok: false,
      issues: [
        { path: 'pools', message: 'weights of the pools present must sum to 100 (green 99 = 99)' },
      ],
    });
  });

  it('refuses a table that routes nowhere', () => {
    expect(safeParse(RoutingTableSchema, table({ blue: null, green: null }))).toEqual({
      ok: false,
      issues: [{ path: 'pools', message: ROUTING_NO_POOL_MESSAGE }],
    });
  });

  it('refuses weights outside 0..100 and bad endpoints at their path', () => {
    const result = safeParse(
      RoutingTableSchema,
      table({ blue: { ...blue, weight: -5 }, green: { ...green, endpoints: ['not a url'] } }),
    );
    expect(result).toEqual({
      ok: false,
      issues: [
        { path: 'pools.blue.weight', message: 'must be at least 0' },
        { path: 'pools.green.endpoints[0]', message: 'must be an http:// or https:// URL' },
      ],
    });
  });
});
