import { endpointAddress, haproxyCommands, haproxyReplyErrors } from './haproxy-commands.util';

describe('haproxyCommands', () => {
  it('fills the used slots of both pools and parks the rest in maintenance, in one list', () => {
    const commands = haproxyCommands({
      service: 'chat',
      slots: 3,
      pools: {
        blue: {
          addresses: [
            { host: '127.0.0.1', port: 9001 },
            { host: '::1', port: 9002 },
          ],
          weights: [99, 99],
        },
        green: { addresses: [{ host: '10.0.0.7', port: 8000 }], weights: [1] },
      },
    });

    expect(commands).toEqual([
      'set server gl_chat/blue1 addr 127.0.0.1 port 9001',
      'set server gl_chat/blue1 weight 99',
      'set server gl_chat/blue1 state ready',
      'set server gl_chat/blue2 addr ::1 port 9002',
      'set server gl_chat/blue2 weight 99',
      'set server gl_chat/blue2 state ready',
      'set server gl_chat/blue3 state maint',
      'set server gl_chat/green1 addr 10.0.0.7 port 8000',
      'set server gl_chat/green1 weight 1',
      'set server gl_chat/green1 state ready',
      'set server gl_chat/green2 state maint',
      'set server gl_chat/green3 state maint',
    ]);
  });

  it('keeps a pool at weight 0 ready (warm for rollback) and a missing pool in maintenance', () => {
    const commands = haproxyCommands({
      service: 'chat',
      slots: 1,
      pools: {
        blue: { addresses: [{ host: '127.0.0.1', port: 9001 }], weights: [0] },
        green: null,
      },
    });

    expect(commands).toEqual([
      'set server gl_chat/blue1 addr 127.0.0.1 port 9001',
      'set server gl_chat/blue1 weight 0',
      'set server gl_chat/blue1 state ready',
      'set server gl_chat/green1 state maint',
    ]);
  });
});

describe('endpointAddress', () => {
  it.each([
    ['http://127.0.0.1:9001', { host: '127.0.0.1', port: 9001 }],
    ['http://[::1]:9002/', { host: '::1', port: 9002 }],
    ['http://replica-0.chat', { host: 'replica-0.chat', port: 80 }],
  ])('reads %s', (url, address) => {
    expect(endpointAddress(url)).toEqual(address);
  });

  it('refuses https (the slots speak plain HTTP)', () => {
    expect(() => endpointAddress('https://10.0.0.1:443')).toThrow(
      'HAProxy slots speak plain HTTP: endpoint https://10.0.0.1:443 is not http://',
    );
  });
});

describe('haproxyReplyErrors', () => {
  const commands = [
    'set server gl_chat/blue1 addr 127.0.0.1 port 9001',
    'set server gl_chat/blue1 weight 7',
    'set server gl_chat/blue1 state ready',
    'set server gl_chat/blue9 weight 3',
  ];

  it('accepts empty replies and the address-change notices HAProxy prints on success', () => {
    const answer =
      "IP changed from '127.0.0.2' to '127.0.0.1', port changed from '1' to '9001' by 'stats socket command'\n\n" +
      '\n\n\n';

    expect(haproxyReplyErrors(commands, answer)).toEqual([]);
  });

  it('names the command HAProxy refused and what it said', () => {
    const answer =
      "no need to change the addr, no need to change the port by 'stats socket command'\n\n\n\nNo such server.\n\n";

    expect(haproxyReplyErrors(commands, answer)).toEqual([
      'set server gl_chat/blue9 weight 3: No such server.',
    ]);
  });

  it('notices an answer cut short', () => {
    expect(haproxyReplyErrors(commands, '\n\n')).toEqual([
      'HAProxy answered 2 of 4 commands (the connection ended early)',
    ]);
  });
});
