import {
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DATA_PLANE_SUBJECTS, HEARTBEAT_MS, type GatewayHeartbeat } from '@greenlight/contracts';
import { NatsLink } from '../link/nats-link.service';
import { RouteTableService } from './route-table.service';

/**
 * Announces this instance and the table version it serves per service every HEARTBEAT_MS: the
 * traffic-shifter's list of instances that must acknowledge a change.
 */
@Injectable()
export class HeartbeatService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly link: NatsLink,
    private readonly routes: RouteTableService,
  ) {}

  onApplicationBootstrap(): void {
    this.link.onConnect(() => this.beat());
    this.timer = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  beat(): void {
    const heartbeat: GatewayHeartbeat = {
      instance: this.link.instance,
      at: new Date().toISOString(),
      tables: this.routes.versions(),
    };
    this.link.publish(DATA_PLANE_SUBJECTS.heartbeat, heartbeat);
  }
}
