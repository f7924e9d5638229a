import type { NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { openAiErrorBody, SIM_ERRORS } from '../common/openai-error.util';
import type { SimOptions } from '../config/sim-options.schema';
import { SIM_HEADERS } from '../sim.constants';
import { SimLifecycle } from './lifecycle.service';

/**
 * Every response names who answered (x-sim-version, x-sim-replica). Once SIGTERM arrived, a
 * request that still reaches us on a kept-alive connection gets 503 and the connection closes.
 * Mounted on the express app before the body parser (see sim-server.ts).
 */
export class SimHttpMiddleware implements NestMiddleware {
  constructor(
    private readonly lifecycle: SimLifecycle,
    private readonly options: SimOptions,
    /** The replica id: --replica, else the port actually bound (known only once listening). */
    private readonly replica: () => string,
  ) {}

  use(_req: Request, res: Response, next: NextFunction): void {
    res.setHeader(SIM_HEADERS.version, this.options.version);
    res.setHeader(SIM_HEADERS.replica, this.replica());
    if (this.lifecycle.isDraining) {
      res.setHeader('connection', 'close');
      res.status(503).json(openAiErrorBody(503, SIM_ERRORS.draining));
      return;
    }
    next();
  }
}
