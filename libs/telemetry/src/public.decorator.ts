import { SetMetadata } from '@nestjs/common';
import { PUBLIC_ROUTE } from './telemetry.constants';

/** Marks a controller or route as reachable without a bearer token (probes and scrapers). */
export const Public = (): ClassDecorator & MethodDecorator => SetMetadata(PUBLIC_ROUTE, true);
