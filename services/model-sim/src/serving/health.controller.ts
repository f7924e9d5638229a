import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import type { Response } from 'express';
import { SIM_ENGINE_VERSION } from '../sim.constants';
import { ServedModel } from './served-model.service';

@Controller()
export class HealthController {
  constructor(private readonly served: ServedModel) {}

  /** vLLM: 200 with an empty body once the engine is up; 503 while it is not. */
  @Get('health')
  health(@Res() res: Response): void {
    res.status(this.served.isReady ? 200 : 503).end();
  }

  @Get('version')
  @HttpCode(200)
  version(): { version: string } {
    return { version: SIM_ENGINE_VERSION };
  }
}
