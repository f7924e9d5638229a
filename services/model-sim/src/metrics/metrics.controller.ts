import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { SimMetrics } from './sim-metrics.service';

@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: SimMetrics) {}

  /** Prometheus text format with vLLM's metric names. */
  @Get()
  async scrape(@Res() res: Response): Promise<void> {
    const text = await this.metrics.text();
    res.status(200).setHeader('content-type', this.metrics.contentType);
    res.end(text);
  }
}
