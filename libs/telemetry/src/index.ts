export * from './log-context';
export * from './logger.util';
export * from './redact.util';
export * from './metrics.util';
export * from './metrics.controller';
export * from './telemetry.constants';
export * from './telemetry.module';
export * from './public.decorator';
