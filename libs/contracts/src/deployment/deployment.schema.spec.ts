import { DeployRequestSchema } from '../manifest/deploy-request.schema';
import { safeParse } from '../validation.util';
import {
  DEPLOYMENT_PROGRESS_DEFAULTS,
  type Deployment,
  DeploymentSchema,
} from './deployment.schema';

const request = DeployRequestSchema.parse({
  service: 'chat',
  release: { version: 'v2', model: { id: 'm' } },
  pool: { driver: 'static', endpoints: ['http://127.0.0.1:9101'] },
});

const stored: Deployment = {
  id: '01JABCDEFGHJKMNPQRSTVWXYZ0',
  service: 'chat',
  request,
  phase: 'Canary',
  paused: false,
  seq: 5,
  version: 6,
  fence: 2,
  actor: 'user:alice',
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:05:00.000Z',
  stepIndex: 0,
  weights: { blue: 99, green: 1 },
  blue: {
    release: { version: 'v1', model: { id: 'm' } },
    pool: { driver: 'process', replicas: 1, command: 'sim --port {port}', stopTimeout: 120_000 },
    endpoints: [{ replica: 0, url: 'http://127.0.0.1:9001' }],
    generation: null,
  },
  routingVersion: null,
  reason: null,
  green: null,
  previousDeploymentId: null,
  idempotencyKey: 'ci-run-42',
  ...DEPLOYMENT_PROGRESS_DEFAULTS,
};

describe('DeploymentSchema', () => {
  it('reads back a stored aggregate unchanged (JSON round trip)', () => {
    expect(safeParse(DeploymentSchema, JSON.parse(JSON.stringify(stored)))).toEqual({
      ok: true,
      value: stored,
    });
  });

  it('refuses a corrupted record with the field that is wrong', () => {
    expect(safeParse(DeploymentSchema, { ...stored, phase: 'Baking', seq: -1 })).toMatchObject({
      ok: false,
      issues: [{ path: 'phase' }, { path: 'seq', message: 'must be at least 0' }],
    });
  });
});
