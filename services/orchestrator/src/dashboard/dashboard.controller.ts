import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '@greenlight/telemetry';
import {
  DASHBOARD_FILES,
  DASHBOARD_HEADERS,
  DASHBOARD_ROUTE,
  type DashboardFile,
} from './dashboard.constants';
import { DashboardService } from './dashboard.service';

/**
 * The web dashboard. Its files are public; every piece of data it shows comes from the REST API
 * and the live streams with the user's bearer token.
 */
@ApiExcludeController()
@Public()
@Controller()
export class DashboardController {
  constructor(private readonly dashboard: DashboardService) {}

  @Get()
  page(@Res() res: Response): void {
    this.send(res, 'page');
  }

  @Get(`${DASHBOARD_ROUTE}/${DASHBOARD_FILES.script}`)
  script(@Res() res: Response): void {
    this.send(res, 'script');
  }

  @Get(`${DASHBOARD_ROUTE}/${DASHBOARD_FILES.style}`)
  style(@Res() res: Response): void {
    this.send(res, 'style');
  }

  private send(res: Response, file: DashboardFile): void {
    const asset = this.dashboard.get(file);
    res.set(DASHBOARD_HEADERS);
    if (!asset.ok) {
      res.status(500).type('text/plain').send(asset.error);
      return;
    }
    res.status(200).type(asset.contentType).send(asset.body);
  }
}
