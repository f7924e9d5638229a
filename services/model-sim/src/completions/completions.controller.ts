import { Body, Controller, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CompletionsService } from './completions.service';

@Controller('v1/completions')
export class CompletionsController {
  constructor(private readonly completions: CompletionsService) {}

  /** The response is written as tokens come (SSE) or once at the end (JSON). */
  @Post()
  create(@Body() body: unknown, @Res() res: Response): void {
    this.completions.handle('text', body, res);
  }
}
