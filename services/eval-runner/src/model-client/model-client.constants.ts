export const MODELS_PATH = '/v1/models';
export const CHAT_COMPLETIONS_PATH = '/v1/chat/completions';
export const COMPLETIONS_PATH = '/v1/completions';
export const TOKENIZE_PATH = '/tokenize';

/** An eval answer or a model list is small; refuse to buffer anything larger. */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** The SSE payload that ends an OpenAI stream. */
export const SSE_DONE = '[DONE]';

/** What a failed request says, in words. */
export const CLIENT_ERRORS = {
  connectionRefused: 'connection refused (the server is down or still loading)',
  connectionReset: 'the connection was closed before an answer (the server may have crashed)',
  hostUnknown: (host: string) => `host name ${host} does not resolve`,
  hostUnreachable: (host: string) => `host ${host} is unreachable`,
  timeout: (path: string, ms: number) => `${path} did not answer within ${ms} ms`,
  network: (detail: string) => `network error: ${detail}`,
  status: (path: string, status: number, detail: string) =>
    `${path} answered ${status}${detail ? `: ${detail}` : ''}`,
  notJson: (path: string) => `${path} did not answer with JSON`,
  noChoice: (path: string) => `${path} answered without choices[0]`,
  noModelList: `${MODELS_PATH} did not answer with a model list ({"data": [{"id": ...}]})`,
  noTokens: `${TOKENIZE_PATH} did not answer with a token list ({"tokens": [...]})`,
} as const;
