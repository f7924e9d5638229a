import { connect, type Socket } from 'node:net';
import { HAPROXY_BATCH_SEPARATOR, HAPROXY_ERRORS } from './haproxy.constants';

/** `/run/haproxy/admin.sock` or `host:port` (optionally `ipv4@host:port`, as HAProxy spells it). */
function open(socket: string): Socket {
  const tcp = /^(?:ipv4@)?([^/]+):(\d+)$/.exec(socket);
  return tcp ? connect(Number(tcp[2]), tcp[1]) : connect(socket);
}

/**
 * Sends all `commands` in one write on a fresh connection to the admin socket (non-interactive
 * mode: HAProxy runs them in order, answers, and closes) and resolves with the whole answer.
 */
export function sendHaproxyBatch(
  socket: string,
  commands: readonly string[],
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = open(socket);
    let answer = '';
    const timer = setTimeout(() => {
      conn.destroy();
      reject(new Error(HAPROXY_ERRORS.timeout(socket, timeoutMs)));
    }, timeoutMs);
    conn.setEncoding('utf8');
    conn.on('data', (chunk: string) => (answer += chunk));
    conn.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(HAPROXY_ERRORS.unreachable(socket, error.message)));
    });
    conn.on('end', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    conn.write(`${commands.join(HAPROXY_BATCH_SEPARATOR)}\n`);
  });
}
