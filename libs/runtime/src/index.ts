export * from './bootstrap.util';
export * from './health.controller';
export * from './runtime.constants';
export * from './service-kit.module';
