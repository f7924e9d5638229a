import { MAX_RESPONSE_BYTES, READINESS_ERRORS } from './readiness.constants';

const DETAIL_LIMIT = 200;

const KNOWN_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_RES_EXCEEDED_MAX_SIZE',
]);

/** 300_000 -> "300", 2_500 -> "2.5", 100 -> "0.1": seconds as a person would write them. */
export function formatSeconds(ms: number): string {
  const seconds = Math.max(0, ms) / 1000;
  return seconds >= 10 ? String(Math.round(seconds)) : String(Math.round(seconds * 10) / 10);
}

/** Every error code in an error, its AggregateError members (happy eyeballs) and its causes. */
function errorCodes(error: unknown, depth = 0): string[] {
  if (!error || typeof error !== 'object' || depth > 4) return [];
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  return [
    ...(typeof code === 'string' ? [code] : []),
    ...(Array.isArray(errors) ? errors.flatMap((e) => errorCodes(e, depth + 1)) : []),
    ...errorCodes(cause, depth + 1),
  ];
}

/** A socket or HTTP client error as a user would put it. */
export function describeNetworkError(error: unknown, host: string): string {
  const codes = errorCodes(error);
  const code = codes.find((c) => KNOWN_CODES.has(c)) ?? codes[0];
  switch (code) {
    case 'ECONNREFUSED':
      return READINESS_ERRORS.connectionRefused;
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return READINESS_ERRORS.connectionReset;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return READINESS_ERRORS.hostUnreachable(host);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return READINESS_ERRORS.hostUnknown(host);
    case 'UND_ERR_RES_EXCEEDED_MAX_SIZE':
      return READINESS_ERRORS.network(`answer larger than ${MAX_RESPONSE_BYTES} bytes`);
    default:
      return READINESS_ERRORS.network(error instanceof Error ? error.message : String(error));
  }
}

/** The useful part of an error body: OpenAI's {error: {message}}, FastAPI's {detail}, or the text. */
export function bodyDetail(body: string): string {
  const text = body.trim();
  if (!text) return '';
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object') {
      const { error, detail, message } = parsed as Record<string, unknown>;
      const nested =
        error && typeof error === 'object' ? (error as Record<string, unknown>)['message'] : error;
      const found = [nested, detail, message].find((v) => typeof v === 'string' && v.trim());
      if (typeof found === 'string') return clip(found.trim());
    }
  } catch {
    // not JSON: the text itself is the detail
  }
  return clip(text.replace(/\s+/g, ' '));
}

function clip(text: string): string {
  return text.length > DETAIL_LIMIT ? `${text.slice(0, DETAIL_LIMIT - 1)}…` : text;
}
