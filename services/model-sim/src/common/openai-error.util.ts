import { HttpException } from '@nestjs/common';

/** OpenAI's (and vLLM's) error type per status. */
const ERROR_TYPES: Readonly<Record<number, string>> = {
  400: 'BadRequestError',
  404: 'NotFoundError',
  413: 'BadRequestError',
  500: 'InternalServerError',
  503: 'ServiceUnavailableError',
};

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: number };
}

export function openAiErrorBody(
  status: number,
  message: string,
  param: string | null = null,
): OpenAiErrorBody {
  return {
    error: { message, type: ERROR_TYPES[status] ?? 'APIError', param, code: status },
  };
}

/** An HTTP error whose body is already in OpenAI's shape {error:{message,type,param,code}}. */
export class OpenAiHttpError extends HttpException {
  constructor(status: number, message: string, param: string | null = null) {
    super(openAiErrorBody(status, message, param), status);
  }
}

export const SIM_ERRORS = {
  modelNotFound: (model: string) => `The model \`${model}\` does not exist.`,
  notReady: 'the model server is not ready (still loading the model)',
  draining: 'the model server is shutting down and accepts no new requests',
  injected: 'injected fault: internal server error (simulated)',
  aborted: 'the request was aborted: the model server is shutting down',
  contextTooLong: (limit: number, prompt: number, completion: number) =>
    `This model's maximum context length is ${limit} tokens. However, you requested ` +
    `${prompt + completion} tokens (${prompt} in the messages, ${completion} in the completion). ` +
    'Please reduce the length of the messages or completion.',
  streamOptionsWithoutStream: 'Stream options can only be defined when `stream=True`.',
  invalidJson: (reason: string) => `request body is not valid JSON: ${reason}`,
  notFound: (method: string, path: string) => `no route ${method} ${path}`,
} as const;
