import { Injectable, Logger } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DASHBOARD_ASSETS_DIR,
  DASHBOARD_CONTENT_TYPES,
  DASHBOARD_ERRORS,
  DASHBOARD_FILES,
  type DashboardFile,
} from './dashboard.constants';
import { dashboardBootstrap, renderPage } from './dashboard.util';

export type DashboardAsset =
  { ok: true; contentType: string; body: string } | { ok: false; error: string };

/** The dashboard's files, read once at start (they change only with a new build). */
@Injectable()
export class DashboardService {
  private readonly log = new Logger(DashboardService.name);
  private readonly files: Record<DashboardFile, DashboardAsset>;

  constructor() {
    const dir = join(__dirname, DASHBOARD_ASSETS_DIR);
    this.files = {
      page: this.load(dir, 'page', (text) => renderPage(text, dashboardBootstrap())),
      script: this.load(dir, 'script'),
      style: this.load(dir, 'style'),
    };
  }

  get(file: DashboardFile): DashboardAsset {
    return this.files[file];
  }

  private load(
    dir: string,
    file: DashboardFile,
    transform: (text: string) => string = (text) => text,
  ): DashboardAsset {
    const path = join(dir, DASHBOARD_FILES[file]);
    try {
      const body = transform(readFileSync(path, 'utf8'));
      return { ok: true, contentType: DASHBOARD_CONTENT_TYPES[file], body };
    } catch {
      // A packaging fault must not take the control plane down: the page says what is missing.
      const error = DASHBOARD_ERRORS.missingAsset(path);
      this.log.error(error);
      return { ok: false, error };
    }
  }
}
