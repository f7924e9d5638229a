import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import {
  BaseServiceConfigSchema,
  DEFAULT_PORTS,
  KubeClientConfigSchema,
  PortSchema,
} from '@greenlight/contracts';

export const KUBE_POOLS_NEED_API_MESSAGE =
  'is required when POOL_DRIVERS includes kubernetes outside a cluster (no KUBERNETES_SERVICE_HOST)';

/** The repository's bin/, where `greenlight-sim` lives (found from the source or the build). */
function repoBin(from = __dirname): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'bin', 'greenlight-sim'))) return join(dir, 'bin');
  }
  return join(process.cwd(), 'bin');
}

export const DrainerConfigSchema = BaseServiceConfigSchema.extend({
  ...KubeClientConfigSchema.shape,
  PORT: PortSchema.default(DEFAULT_PORTS['drainer']),
  /** The kubernetes pool driver: the model server's image, command template and port. */
  POOL_KUBE_IMAGE: z.string().min(1).optional(),
  /** The kubernetes pool driver: command template of the model server. */
  POOL_KUBE_COMMAND: z.string().min(1).max(4096).optional(),
  /** The kubernetes pool driver: port the model server listens on. */
  POOL_KUBE_PORT: PortSchema.optional(),
  /** Where the process driver keeps replica logs and pid files, and chat templates are written. */
  POOL_DATA_DIR: z.string().min(1).default('.greenlight/data'),
  /** Directories searched before PATH for a pool command (`:`-separated). */
  POOL_PATH: z
    .string()
    .default(repoBin())
    .transform((value) => value.split(':').filter(Boolean)),
  /** Pool drivers this host may use (`,`-separated); systemd and kubernetes need their system. */
  POOL_DRIVERS: z
    .string()
    .default('process,static')
    .transform((value) =>
      value
        .split(',')
        .map((d) => d.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(['process', 'static', 'systemd', 'kubernetes'])).min(1)),
  /** How often a drain scrapes each blue replica's /metrics: a drain ends this soon after blue empties. */
  DRAIN_POLL_MS: z.coerce.number().int().min(50).max(10_000).default(250),
  /** A replica whose /metrics does not answer within this counts as unknown (not empty) for that poll. */
  DRAIN_SCRAPE_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(1_000),
}).superRefine((config, ctx) => {
  if (
    config.POOL_DRIVERS.includes('kubernetes') &&
    !config.KUBE_API_URL &&
    !config.KUBERNETES_SERVICE_HOST
  ) {
    ctx.addIssue({ code: 'custom', path: ['KUBE_API_URL'], message: KUBE_POOLS_NEED_API_MESSAGE });
  }
});

export type DrainerConfig = z.output<typeof DrainerConfigSchema>;
