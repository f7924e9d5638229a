import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { openAiErrorBody, SIM_ERRORS, type OpenAiErrorBody } from './openai-error.util';

function isOpenAiBody(body: unknown): body is OpenAiErrorBody {
  return (
    typeof body === 'object' && body !== null && 'error' in body && typeof body.error === 'object'
  );
}

/** Other body-parser failures (e.g. 413 too large) arrive as plain errors with an HTTP status. */
interface ParserError {
  status?: number;
  message: string;
}

/**
 * Every error leaves in OpenAI's shape {error:{message,type,param,code}}, as vLLM answers, so
 * OpenAI clients raise their APIError with the right status.
 */
@Catch()
export class OpenAiExceptionFilter implements ExceptionFilter {
  constructor(private readonly log: (line: string) => void = () => undefined) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<Response>();
    const req = http.getRequest<Request>();
    if (res.headersSent) {
      res.end();
      return;
    }
    const { status, body } = this.describe(exception, req);
    res.status(status).json(body);
  }

  private describe(exception: unknown, req: Request): { status: number; body: OpenAiErrorBody } {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      if (isOpenAiBody(response)) return { status, body: response };
      const nested = (response as { message?: unknown }).message;
      const detail =
        typeof response === 'string'
          ? response
          : typeof nested === 'string'
            ? nested
            : exception.message;
      // Nest turns body-parser's SyntaxError into a plain 400; our own errors are OpenAI-shaped.
      const message =
        status === 404
          ? SIM_ERRORS.notFound(req.method, req.path)
          : status === 400 && detail.includes('JSON')
            ? SIM_ERRORS.invalidJson(detail)
            : detail;
      return { status, body: openAiErrorBody(status, message) };
    }
    const parser = exception as ParserError;
    if (typeof parser.status === 'number' && parser.status >= 400 && parser.status < 500) {
      return { status: parser.status, body: openAiErrorBody(parser.status, parser.message) };
    }
    this.log(
      `unhandled error on ${req.method} ${req.path}: ${(exception as Error).stack ?? String(exception)}`,
    );
    return { status: 500, body: openAiErrorBody(500, 'internal error') };
  }
}
