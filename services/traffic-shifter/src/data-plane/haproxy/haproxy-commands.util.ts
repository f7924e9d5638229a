import { HAPROXY_ERRORS, HAPROXY_OK_REPLY } from './haproxy.constants';

export interface ServerAddress {
  /** An IPv4 or IPv6 address (HAProxy's `set server addr` takes no host names). */
  host: string;
  port: number;
}

export interface PoolServers {
  addresses: readonly ServerAddress[];
  /** One weight per address. */
  weights: readonly number[];
}

export interface HaproxyBatchInput {
  service: string;
  /** Slots per pool in the backend (server-template count). */
  slots: number;
  pools: { blue: PoolServers | null; green: PoolServers | null };
}

export function backendName(service: string): string {
  return `gl_${service}`;
}

/** `http://10.0.0.5:9001` -> host and port; IPv6 brackets dropped, port 80 when absent. */
export function endpointAddress(url: string): ServerAddress {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:') throw new Error(HAPROXY_ERRORS.notHttp(url));
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : 80,
  };
}

/**
 * The runtime-API commands that make backend gl_<service> serve both pools: each used slot gets
 * its address, weight and `ready`; each unused slot goes to maintenance. Nothing shuts sessions
 * down, so requests in flight on a server that loses its weight finish.
 */
export function haproxyCommands(input: HaproxyBatchInput): string[] {
  const backend = backendName(input.service);
  const commands: string[] = [];
  for (const pool of ['blue', 'green'] as const) {
    const servers = input.pools[pool];
    for (let slot = 1; slot <= input.slots; slot++) {
      const server = `${backend}/${pool}${slot}`;
      const address = servers?.addresses[slot - 1];
      if (!servers || !address) {
        commands.push(`set server ${server} state maint`);
        continue;
      }
      commands.push(
        `set server ${server} addr ${address.host} port ${address.port}`,
        `set server ${server} weight ${servers.weights[slot - 1] ?? 0}`,
        `set server ${server} state ready`,
      );
    }
  }
  return commands;
}

/**
 * Splits the answer to a batch into one reply per command (each ends with an empty line; an
 * empty reply is just that line) and returns the ones that are errors, prefixed by their command.
 */
export function haproxyReplyErrors(commands: readonly string[], answer: string): string[] {
  const replies: string[] = [];
  let at = 0;
  while (at < answer.length) {
    if (answer[at] === '\n') {
      replies.push('');
      at += 1;
      continue;
    }
    const end = answer.indexOf('\n\n', at);
    replies.push(answer.slice(at, end === -1 ? undefined : end).trim());
    at = end === -1 ? answer.length : end + 2;
  }
  const errors = commands.flatMap((command, i) => {
    const reply = replies[i];
    return reply && !HAPROXY_OK_REPLY.test(reply) ? [`${command}: ${reply}`] : [];
  });
  if (replies.length < commands.length) {
    errors.push(HAPROXY_ERRORS.replyCount(replies.length, commands.length));
  }
  return errors;
}
