import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { z } from 'zod';
import { JetStreamServer } from '@greenlight/bus';
import { ConfigError, loadConfig, type BaseServiceConfig } from '@greenlight/contracts';
import { Logger } from 'nestjs-pino';

export interface BootstrapOptions {
  component: string;
  /** Called after the app is created, before it listens (REST prefixes, Swagger, …). */
  configure?: (app: INestApplication) => void | Promise<void>;
  /** Largest JSON body accepted (a release carries its chat template inline). */
  bodyLimit?: string;
}

/** Reads and validates the service's config from the environment; a bad value stops the process naming the variable. */
export function readConfig<S extends z.ZodType<BaseServiceConfig>>(schema: S): z.output<S> {
  try {
    return loadConfig(schema);
  } catch (error: unknown) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

/**
 * Starts one greenlight service: HTTP (health, metrics, REST) and its JetStream consumers.
 * SIGTERM closes consumers first (no message is taken that cannot be finished), then HTTP.
 */
export async function bootstrapService(
  module: unknown,
  config: BaseServiceConfig,
  options: BootstrapOptions,
): Promise<INestApplication> {
  const app = await NestFactory.create(module as never, { bufferLogs: true, bodyParser: false });
  const logger = app.get(Logger);
  app.useLogger(logger);
  app.enableShutdownHooks();
  (app as NestExpressApplication).useBodyParser('json', { limit: options.bodyLimit ?? '2mb' });
  await options.configure?.(app);
  app.connectMicroservice({ strategy: app.get(JetStreamServer) }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.listen(config.PORT, config.HOST);
  const url = await app.getUrl();
  logger.log(`${options.component} listening on ${url.replace('[::1]', '127.0.0.1')}`, 'Bootstrap');
  return app;
}

/** Entry point of a service process: boots it, or exits non-zero saying why. */
export function runService(
  module: unknown,
  config: BaseServiceConfig,
  options: BootstrapOptions,
): void {
  bootstrapService(module, config, options).catch((error: unknown) => {
    process.stderr.write(
      `${options.component} failed to start: ${(error as Error).stack ?? String(error)}\n`,
    );
    process.exit(1);
  });
}
