import { Module } from '@nestjs/common';
import { SERVICE_CONFIG } from '@greenlight/runtime';
import type { HealthProberConfig } from '../config/health-prober.config';
import { UndiciProbeTransport, type ProbeTransportFactory } from '../readiness/probe.transport';
import { ANALYSIS_SETTINGS, ANALYSIS_TRANSPORT_FACTORY } from './analysis.constants';
import { analysisSettings } from './analysis-settings.util';
import { AnalysisStepWatch } from './analysis-step-watch.service';
import { AnalysisHandler } from './analysis.handler';
import { AnalysisMetrics } from './analysis.metrics';
import { AnalysisService } from './analysis.service';

/** Canary analysis: green judged against blue on the gateways' metrics, per analysis.start. */
@Module({
  controllers: [AnalysisHandler],
  providers: [
    AnalysisService,
    AnalysisStepWatch,
    AnalysisMetrics,
    {
      provide: ANALYSIS_SETTINGS,
      inject: [SERVICE_CONFIG],
      useFactory: (config: HealthProberConfig) => analysisSettings(config),
    },
    {
      provide: ANALYSIS_TRANSPORT_FACTORY,
      useValue: (() => new UndiciProbeTransport()) satisfies ProbeTransportFactory,
    },
  ],
})
export class AnalysisModule {}
