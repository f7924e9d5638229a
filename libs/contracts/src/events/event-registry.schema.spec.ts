import { eventSubject } from '../subjects.constants';
import { safeParse } from '../validation.util';
import { DeployRejectedSchema } from './deployment-events.schema';
import {
  EVENT_SCHEMAS,
  EVENT_TYPES,
  eventEnvelopeSchema,
  isEventType,
} from './event-registry.schema';

const envelope = {
  id: '01JABCDEFGHJKMNPQRSTVWXYZ0-3',
  deploymentId: '01JABCDEFGHJKMNPQRSTVWXYZ0',
  service: 'chat',
  seq: 3,
  at: '2025-01-01T00:00:00.000Z',
  actor: 'system:orchestrator',
  causationId: null,
};

describe('event registry', () => {
  it.each(EVENT_TYPES)('%s is a two-token lowercase type usable as subject tokens', (type) => {
    expect(type).toMatch(/^[a-z_]+\.[a-z_]+$/);
    expect(eventSubject(type, 'chat', envelope.deploymentId).split('.')).toHaveLength(6);
  });

  it('validates a phase change inside its envelope', () => {
    const message = {
      ...envelope,
      type: 'deployment.phase_changed',
      data: {
        from: 'Verifying',
        to: 'Canary',
        reason: 'eval passed',
        actor: 'system:orchestrator',
      },
    };
    expect(safeParse(eventEnvelopeSchema('deployment.phase_changed'), message)).toEqual({
      ok: true,
      value: message,
    });
  });

  it('refuses a phase that does not exist and a mismatched type', () => {
    const message = {
      ...envelope,
      type: 'pool.ready',
      data: { from: null, to: 'Done', reason: 'x', actor: 'system:orchestrator' },
    };
    expect(safeParse(eventEnvelopeSchema('deployment.phase_changed'), message)).toMatchObject({
      ok: false,
      issues: [
        { path: 'type', message: 'must be "deployment.phase_changed"' },
        { path: 'data.to' },
      ],
    });
  });

  it('refuses traffic.shifted weights that do not sum to 100', () => {
    const data = {
      weights: { blue: 50, green: 25 },
      version: 2,
      requestedAt: envelope.at,
      appliedAt: envelope.at,
    };
    expect(safeParse(EVENT_SCHEMAS['traffic.shifted'], data)).toEqual({
      ok: false,
      issues: [{ path: 'weights', message: 'blue and green weights must sum to 100' }],
    });
  });

  it('knows its own types', () => {
    expect(isEventType('pool.ready')).toBe(true);
    expect(isEventType('pool.exploded')).toBe(false);
  });
});

describe('DeployRejectedSchema', () => {
  it('has no deploymentId: an invalid request never became a deployment', () => {
    const message = {
      id: 'req-1',
      type: 'deploy.rejected',
      at: envelope.at,
      actor: 'nats:ci',
      causationId: 'req-1',
      data: {
        reason: 'invalid deploy request',
        issues: [{ path: 'service', message: 'is required' }],
        requestId: 'req-1',
        service: null,
      },
    };
    expect(safeParse(DeployRejectedSchema, message)).toEqual({ ok: true, value: message });
  });
});
