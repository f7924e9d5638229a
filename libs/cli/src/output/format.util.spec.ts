import { ApiError, ConnectionError } from '../api/api.errors';
import type { DeploymentView, EventView } from '../api/api.types';
import {
  errorJson,
  formatAge,
  formatDeployment,
  formatDeployments,
  formatError,
  formatEvents,
} from './format.util';

const NOW = new Date('2025-11-26T10:00:00Z');

function deployment(overrides: Partial<DeploymentView> = {}): DeploymentView {
  return {
    id: '01JB0000000000000000000001',
    service: 'chat',
    phase: 'Canary',
    createdAt: '2025-11-26T09:55:00Z',
    weights: { blue: 99, green: 1 },
    request: { release: { version: 'v2' } },
    ...overrides,
  };
}

function event(seq: number, data: unknown, type = 'deployment.phase_changed'): EventView {
  return {
    id: `e${seq}`,
    type,
    deploymentId: '01JB0000000000000000000001',
    service: 'chat',
    seq,
    at: `2025-11-26T09:55:0${seq}.250Z`,
    actor: 'system:orchestrator',
    causationId: null,
    data,
  };
}

describe('formatDeployments', () => {
  it('prints a table with id, service, version, phase, weights and age', () => {
    const text = formatDeployments(
      [
        deployment(),
        deployment({
          id: 'X2',
          service: 'embed',
          phase: 'Standby',
          paused: true,
          weights: { blue: 0, green: 100 },
        }),
      ],
      NOW,
    );

    expect(text.split('\n')).toEqual([
      'ID                          SERVICE  VERSION  PHASE             WEIGHTS             AGE',
      '01JB0000000000000000000001  chat     v2       Canary            blue 99 / green 1   5m',
      'X2                          embed    v2       Standby (paused)  blue 0 / green 100  5m',
    ]);
  });

  it('says so when there is nothing to show', () => {
    expect(formatDeployments([], NOW)).toBe('no deployments yet');
  });
});

describe('formatDeployment', () => {
  it('says where a canary stands: its step, the latest verdict and the cache plan', () => {
    const text = formatDeployment(
      deployment({
        stepIndex: 0,
        request: {
          release: { version: 'v2' },
          strategy: {
            steps: [
              { weight: 1, bake: 600_000 },
              { weight: 100, bake: 0 },
            ],
          },
        },
        analysis: {
          step: 0,
          verdict: 'inconclusive',
          extensions: 1,
          reasons: ['green served 30 of the 50 requests needed'],
        },
        cachePlan: {
          semantic: 'new-generation',
          generations: { blue: 'chat-v1-aaaaaa', green: 'chat-v2-bbbbbb' },
        },
        updatedAt: '2025-11-26T09:59:00Z',
      }),
      NOW,
    );

    expect(text.split('\n').slice(2)).toEqual([
      'step 1 of 2: 1 % green, bake 600 s',
      'analysis: inconclusive (bake extended 1×): green served 30 of the 50 requests needed',
      'semantic cache: new-generation (chat-v1-aaaaaa → chat-v2-bbbbbb)',
      'updated 1m ago',
    ]);
  });
});

describe('formatAge', () => {
  it.each([
    ['2025-11-26T09:59:18Z', '42s'],
    ['2025-11-26T07:00:00Z', '3h'],
    ['2025-11-24T10:00:00Z', '2d'],
  ])('%s is %s before now', (since, age) => {
    expect(formatAge(since, NOW)).toBe(age);
  });
});

describe('formatEvents', () => {
  it('prints one aligned line per event: seq, time, type, from → to, actor, reason', () => {
    const text = formatEvents([
      event(1, { from: 'Requested', to: 'Provisioning', reason: 'accepted', actor: 'user:alice' }),
      event(2, { pool: 'green' }, 'pool.ready'),
    ]);

    expect(text.split('\n')).toEqual([
      '#1  09:55:01.250Z  deployment.phase_changed  Requested → Provisioning  user:alice           accepted',
      '#2  09:55:02.250Z  pool.ready                                          system:orchestrator',
    ]);
  });
});

describe('formatError', () => {
  it('puts every validation issue on its own line as path: message', () => {
    const error = new ApiError(400, {
      statusCode: 400,
      message: 'invalid deploy request',
      issues: [
        { path: 'release.version', message: 'Required' },
        { path: ['pool', 'replicas'], message: 'must be at least 1' },
      ],
    });

    expect(formatError(error)).toBe(
      [
        'error: 400 invalid deploy request',
        '  release.version: Required',
        '  pool.replicas: must be at least 1',
      ].join('\n'),
    );
  });

  it('names the deployment that holds the service on 409', () => {
    const error = new ApiError(409, {
      message: 'chat has an active deployment',
      holder: '01JB0000000000000000000001',
    });

    expect(formatError(error)).toBe(
      'error: 409 chat has an active deployment\n  active deployment: 01JB0000000000000000000001',
    );
  });

  it('tells how to fix a refused token', () => {
    expect(formatError(new ApiError(401, { message: 'Unauthorized' }))).toMatch(
      /pass --token or set GREENLIGHT_TOKEN/,
    );
  });

  it('keeps connection failures to one readable line', () => {
    expect(formatError(new ConnectionError('cannot reach the orchestrator'))).toBe(
      'error: cannot reach the orchestrator',
    );
  });
});

describe('errorJson', () => {
  it('gives status, message and issues as one document', () => {
    const error = new ApiError(400, {
      message: 'invalid',
      issues: [{ path: 'service', message: 'Required' }],
    });

    expect(errorJson(error)).toEqual({
      error: 'invalid',
      status: 400,
      issues: [{ path: 'service', message: 'Required' }],
    });
  });
});

describe('formatEvents for the first event', () => {
  it('shows only the phase a deployment starts in', () => {
    expect(
      formatEvents([event(1, { from: null, to: 'Requested', reason: 'release v2 requested' })]),
    ).toBe(
      '#1  09:55:01.250Z  deployment.phase_changed  → Requested  system:orchestrator  release v2 requested',
    );
  });
});
