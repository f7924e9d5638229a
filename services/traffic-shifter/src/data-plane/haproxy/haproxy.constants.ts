/** Commands of one batch are sent on one line, separated like this. */
export const HAPROXY_BATCH_SEPARATOR = ';';
/** Longest the admin socket may take to answer a batch (HAProxy answers in well under 1 ms). */
export const HAPROXY_SOCKET_TIMEOUT_MS = 5_000;
/** Successful `set server … addr` answers are not empty: they say what changed. */
export const HAPROXY_OK_REPLY = /^(IP changed from|no need to change the addr)/;

/** What HAProxy answers for a backend its config does not have. */
export const HAPROXY_NO_BACKEND_REPLY = 'No such backend.';

export const HAPROXY_ERRORS = {
  tooManyEndpoints: (service: string, pool: string, count: number, slots: number) =>
    `${pool} pool of ${service} has ${count} endpoints, but HAProxy backend gl_${service} has ${slots} ${pool} slots (HAPROXY_SLOTS)`,
  notHttp: (url: string) => `HAProxy slots speak plain HTTP: endpoint ${url} is not http://`,
  unresolvable: (host: string, detail: string) =>
    `endpoint host ${host} does not resolve to an address HAProxy can use: ${detail}`,
  refused: (socket: string, problems: readonly string[]) =>
    `HAProxy (${socket}) refused the routing change: ${problems.join('; ')}`,
  replyCount: (replies: number, commands: number) =>
    `HAProxy answered ${replies} of ${commands} commands (the connection ended early)`,
  timeout: (socket: string, ms: number) => `HAProxy (${socket}) did not answer within ${ms} ms`,
  unreachable: (socket: string, detail: string) =>
    `HAProxy admin socket ${socket} is unreachable: ${detail}`,
} as const;
