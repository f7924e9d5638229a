import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { gatewayInstanceId, type GatewayConfig } from './config/gateway.config';
import { NatsLink } from './link/nats-link.service';
import { DATA_PLANE_PREFIX } from './proxy/proxy.constants';
import { ProxyService } from './proxy/proxy.service';

/** Longer than any load balancer's idle timeout in front of us, so we never close first. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
const SHUTDOWN_POLL_MS = 50;

export interface GatewayHandle {
  readonly app: INestApplication;
  readonly server: Server;
  readonly url: string;
  readonly port: number;
  readonly instance: string;
  /** Requests being answered now (streams included). */
  activeRequests(): number;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes everything. */
  close(graceMs?: number): Promise<void>;
}

/**
 * Boots the gateway: the Nest app (health, metrics, NATS link, routing) is initialised but does
 * not listen; a plain node:http server sends /v1/* straight to the proxy and everything else to
 * the app's Express instance, so the data plane's hot path skips Express and Nest routing.
 */
export async function startGateway(config: GatewayConfig): Promise<GatewayHandle> {
  const app = await NestFactory.create(AppModule.register(config), {
    bufferLogs: true,
    bodyParser: false,
  });
  const logger = app.get(Logger);
  app.useLogger(logger);
  // Nest flushes buffered logs in listen(), which the gateway never calls (its own server listens).
  app.flushLogs();
  // Routing tables from the file are in force once init() returns: serve before NATS is tried.
  await app.init();

  const proxy = app.get(ProxyService);
  const nest = app.getHttpAdapter().getInstance() as RequestListener;
  let active = 0;
  const onClose = (): void => {
    active--;
  };
  const server = createServer((req, res) => {
    active++;
    res.once('close', onClose);
    if (req.url?.startsWith(DATA_PLANE_PREFIX)) proxy.handle(req, res);
    else void nest(req, res);
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`;
  const instance = gatewayInstanceId(config, port);
  app.get(NatsLink).start(instance);
  logger.log(`gateway listening on ${url} (instance ${instance})`, 'Bootstrap');

  let closing: Promise<void> | undefined;
  const close = (graceMs = config.GATEWAY_SHUTDOWN_TIMEOUT_MS): Promise<void> => {
    closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const deadline = Date.now() + graceMs;
      while (active > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, SHUTDOWN_POLL_MS));
      }
      if (active > 0) logger.warn(`cutting ${active} request(s) still running after ${graceMs} ms`);
      server.closeAllConnections();
      await closed;
      await app.close();
    })();
    return closing;
  };

  return { app, server, url, port, instance, activeRequests: () => active, close };
}
