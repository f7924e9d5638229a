import 'reflect-metadata';
import { readConfig } from '@greenlight/runtime';
import { GatewayConfigSchema } from './config/gateway.config';
import { startGateway } from './gateway-server';

const config = readConfig(GatewayConfigSchema);
startGateway(config).then(
  (gateway) => {
    const stop = (): void => {
      gateway.close().then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`gateway shutdown failed: ${String(error)}\n`);
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  },
  (error: unknown) => {
    process.stderr.write(`gateway failed to start: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
