/**
 * Paths that may hold secrets. pino replaces them before a line is written, so a token or
 * password never reaches a log sink even when a whole request, config or options object is logged.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  'token',
  'password',
  'pass',
  'secret',
  'apiKey',
  '*.token',
  '*.password',
  '*.pass',
  '*.secret',
  '*.apiKey',
  // Config dumps: whole objects or the config itself.
  ...[
    'GREENLIGHT_OPERATOR_TOKENS',
    'GREENLIGHT_VIEWER_TOKENS',
    'NATS_PASSWORD',
    'REDIS_URL',
    'QDRANT_API_KEY',
  ].flatMap((key) => [key, `*.${key}`]),
];

export const REDACTED = '[redacted]';

/** Query parameters whose value is a credential. */
const SECRET_PARAMS = /^(access_token|token|api[_-]?key|password|secret|auth)$/i;

/**
 * A URL fit for a log line: the password in `scheme://user:password@host` (Redis, NATS) and
 * credential query parameters are replaced. Anything that is not a URL comes back unchanged.
 */
export function redactUrl(url: string): string {
  const [path, query] = splitQuery(url.replace(/(\/\/[^/\s:@]*:)[^@\s/]*@/g, `$1${REDACTED}@`));
  if (query === undefined) return path;
  const params = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = eq < 0 ? pair : pair.slice(0, eq);
      return eq >= 0 && SECRET_PARAMS.test(decodeURIComponentSafe(key))
        ? `${key}=${REDACTED}`
        : pair;
    })
    .join('&');
  return `${path}?${params}`;
}

/** Every URL with credentials inside free text (an error message, a connection string) redacted. */
export function redactText(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, (url) => redactUrl(url));
}

function splitQuery(url: string): [string, string | undefined] {
  const at = url.indexOf('?');
  return at < 0 ? [url, undefined] : [url.slice(0, at), url.slice(at + 1)];
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
