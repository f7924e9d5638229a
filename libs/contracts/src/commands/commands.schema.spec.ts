import { safeParse } from '../validation.util';
import { COMMAND_MESSAGE_SCHEMAS, COMMAND_SCHEMAS, COMMAND_TYPES } from './commands.schema';

describe('commands', () => {
  it.each(COMMAND_TYPES)('%s is a two-token lowercase type', (type) => {
    expect(type).toMatch(/^[a-z_]+\.[a-z_]+$/);
  });

  it('traffic.set carries weights that sum to 100 and a positive version', () => {
    expect(
      safeParse(COMMAND_SCHEMAS['traffic.set'], {
        service: 'chat',
        weights: { blue: 99, green: 1 },
        version: 4,
      }).ok,
    ).toBe(true);
    expect(
      safeParse(COMMAND_SCHEMAS['traffic.set'], {
        service: 'chat',
        weights: { blue: 90, green: 1 },
        version: 0,
      }),
    ).toEqual({
      ok: false,
      issues: [
        { path: 'weights', message: 'blue and green weights must sum to 100' },
        { path: 'version', message: 'must be greater than 0' },
      ],
    });
  });

  it('deployment.control over NATS cannot claim a REST user as its actor', () => {
    const parsed = safeParse(COMMAND_MESSAGE_SCHEMAS['deployment.control'], {
      deploymentId: '01JABCDEFGHJKMNPQRSTVWXYZ0',
      action: 'promote',
      actor: 'user:alice',
    });
    expect(parsed).toMatchObject({
      ok: false,
      issues: [{ path: 'actor', message: expect.stringContaining('must be "nats:<client name>"') }],
    });
  });

  it('deployment.control is a bare message naming the deployment and the actor', () => {
    const control = {
      deploymentId: '01JABCDEFGHJKMNPQRSTVWXYZ0',
      action: 'promote',
      actor: 'nats:release-bot',
    };
    expect(safeParse(COMMAND_MESSAGE_SCHEMAS['deployment.control'], control)).toEqual({
      ok: true,
      value: control,
    });
    expect(
      safeParse(COMMAND_MESSAGE_SCHEMAS['deployment.control'], { ...control, action: 'restart' }),
    ).toEqual({
      ok: false,
      issues: [
        {
          path: 'action',
          message: 'must be one of "promote", "pause", "resume", "abort", "rollback"',
        },
      ],
    });
  });

  it('pool.provision accepts the parsed pool (durations already in ms)', () => {
    const data = {
      release: { version: 'v2', model: { id: 'm' } },
      pool: { driver: 'process', replicas: 2, command: 'sim --port {port}', stopTimeout: 60_000 },
    };
    expect(safeParse(COMMAND_SCHEMAS['pool.provision'], data)).toEqual({ ok: true, value: data });
  });
});
