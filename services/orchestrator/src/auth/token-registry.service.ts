import { Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { SERVICE_CONFIG } from '@greenlight/runtime';
import type { OrchestratorConfig } from '../config/orchestrator.config';
import type { Role } from './auth.constants';
import type { Principal } from './principal';

const digest = (secret: string): Buffer => createHash('sha256').update(secret).digest();

/** Bearer tokens from config, compared in constant time over their digests. */
@Injectable()
export class TokenRegistry {
  private readonly entries: { digest: Buffer; name: string; role: Role }[];

  constructor(@Inject(SERVICE_CONFIG) config: OrchestratorConfig) {
    this.entries = [
      ...config.GREENLIGHT_OPERATOR_TOKENS.map((t) => ({ ...t, role: 'operator' as const })),
      ...config.GREENLIGHT_VIEWER_TOKENS.map((t) => ({ ...t, role: 'viewer' as const })),
    ].map(({ name, secret, role }) => ({ digest: digest(secret), name, role }));
  }

  resolve(token: string): Principal | null {
    const presented = digest(token);
    let match: Principal | null = null;
    for (const entry of this.entries) {
      // Check every entry: the time taken must not tell which one matched.
      if (timingSafeEqual(entry.digest, presented) && !match) {
        match = { name: entry.name, role: entry.role, actor: `user:${entry.name}` };
      }
    }
    return match;
  }
}
