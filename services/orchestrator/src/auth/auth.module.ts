import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth.guard';
import { TokenRegistry } from './token-registry.service';

@Module({
  providers: [TokenRegistry, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [TokenRegistry],
})
export class AuthModule {}
