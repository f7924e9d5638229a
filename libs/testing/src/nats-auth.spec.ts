import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMAND_TYPES, EVENT_TYPES } from '@greenlight/contracts';
import {
  busDurableName,
  COMMAND_ROUTES,
  EVENT_PRODUCERS,
  NATS_USERS,
  natsPermissions,
  renderNatsConfig,
} from './nats-auth';
import { findRepoRoot } from './stack';

const CONF = join(findRepoRoot(), 'deploy', 'nats', 'nats-server.conf');

describe('NATS users and permissions', () => {
  it('deploy/nats/nats-server.conf is the config generated from the map', () => {
    const generated = renderNatsConfig();
    if (process.env['UPDATE_NATS_CONF'] === '1') writeFileSync(CONF, generated);

    expect(readFileSync(CONF, 'utf8')).toBe(generated);
  });

  it('names consumers as @greenlight/bus does', () => {
    expect(busDurableName('drainer', 'greenlight.cmd.pool.stop.*')).toBe(
      'drainer--greenlight_cmd_pool_stop_any',
    );
    expect(busDurableName('orchestrator', 'greenlight.evt.pool.ready.>')).toBe(
      'orchestrator--greenlight_evt_pool_ready_all',
    );
  });

  it('keeps passwords out of the checked-in config: the server reads them from its environment', () => {
    const conf = renderNatsConfig();

    for (const user of NATS_USERS) {
      expect(conf).toContain(`user: "${user}"`);
    }
    expect(conf.match(/password: \$NATS_PASSWORD_[A-Z_]+\n/g)).toHaveLength(NATS_USERS.length);
  });

  it('the gateway cannot change routing: no commands, no events, no routing-table writes', () => {
    const { publish } = natsPermissions('gateway');

    expect(publish.filter((s) => /^(greenlight\.(cmd|evt|deploy)|\$KV\.)/.test(s))).toEqual([]);
    expect(publish.filter((s) => /STREAM\.(CREATE|UPDATE|DELETE|PURGE)/.test(s))).toEqual([]);
  });

  it('only the orchestrator sends the pipeline commands; operators send control and deploy requests', () => {
    const senders = COMMAND_TYPES.flatMap((type) => COMMAND_ROUTES[type].senders);

    expect(new Set(senders)).toEqual(new Set(['orchestrator', 'operator']));
    expect(natsPermissions('operator').publish).toEqual([
      'greenlight.deploy.requested',
      'greenlight.cmd.deployment.control.*',
    ]);
  });

  it('every event has a producer, and no service may publish what another one produces', () => {
    const produced = EVENT_TYPES.filter((type) => type !== 'command.rejected');
    for (const type of produced) {
      expect({ type, producers: EVENT_PRODUCERS[type].length > 0 }).toEqual({
        type,
        producers: true,
      });
    }
    for (const user of NATS_USERS) {
      const events = natsPermissions(user).publish.filter((s) => s.startsWith('greenlight.evt.'));
      const mine = produced
        .filter((type) => (EVENT_PRODUCERS[type] as readonly string[]).includes(user))
        .map((type) => `greenlight.evt.${type}.>`);
      expect({ user, events: events.filter((s) => !s.includes('command.rejected')) }).toEqual({
        user,
        events: mine,
      });
    }
  });
});
