import { type DynamicModule, Global, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { MetricsController } from './metrics.controller';
import { createMetricsRegistry } from './metrics.util';
import { loggerOptions } from './logger.util';
import { redactUrl } from './redact.util';
import { METRICS_REGISTRY, TELEMETRY_OPTIONS } from './telemetry.constants';

export interface TelemetryOptions {
  /** The component name on every log line and metric: `orchestrator`, `gateway`, … */
  component: string;
  logLevel: string;
}

@Global()
@Module({})
export class TelemetryModule {
  static forRoot(options: TelemetryOptions): DynamicModule {
    return {
      module: TelemetryModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            ...loggerOptions(options.component, options.logLevel),
            // Request logs at debug: /healthz and /metrics are scraped every few seconds.
            customLogLevel: (_req, res, error) =>
              error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'debug',
            serializers: {
              req: (req: { method: string; url: string }) => ({
                method: req.method,
                url: redactUrl(req.url),
              }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
          },
        }),
      ],
      controllers: [MetricsController],
      providers: [
        { provide: TELEMETRY_OPTIONS, useValue: options },
        { provide: METRICS_REGISTRY, useValue: createMetricsRegistry(options.component) },
      ],
      exports: [METRICS_REGISTRY, TELEMETRY_OPTIONS],
    };
  }
}
