import { Controller, Get, Global, type INestApplication, Module, Post } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Public } from '@greenlight/telemetry';
import { SERVICE_CONFIG } from '@greenlight/runtime';
import { AuthModule } from './auth.module';
import { CurrentPrincipal, type Principal } from './principal';
import { RequireRole } from './roles.decorator';

const OPERATOR = 'operator-secret-0123456789';
const VIEWER = 'viewer-secret-0123456789';

@RequireRole('viewer')
@Controller('things')
class ThingsController {
  @Get()
  read(@CurrentPrincipal() who: Principal) {
    return who;
  }

  @Post()
  @RequireRole('operator')
  change(@CurrentPrincipal() who: Principal) {
    return who;
  }
}

@Controller('open')
@Public()
class OpenController {
  @Get()
  ping() {
    return { ok: true };
  }
}

@Controller('forgotten')
class UndecoratedController {
  @Get()
  leak() {
    return { secret: true };
  }
}

/** Stands in for ServiceKitModule, which provides the config globally in the real app. */
@Global()
@Module({
  providers: [
    {
      provide: SERVICE_CONFIG,
      useValue: {
        GREENLIGHT_OPERATOR_TOKENS: [{ name: 'alice', secret: OPERATOR }],
        GREENLIGHT_VIEWER_TOKENS: [{ name: 'bob', secret: VIEWER }],
      },
    },
  ],
  exports: [SERVICE_CONFIG],
})
class ConfigStubModule {}

describe('AuthGuard', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigStubModule, AuthModule],
      controllers: [ThingsController, OpenController, UndecoratedController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(() => app.close());

  const call = async (method: string, path: string, token?: string, header?: string) => {
    const authorization = header ?? (token === undefined ? undefined : `Bearer ${token}`);
    const response = await fetch(`${base}${path}`, {
      method,
      headers: authorization === undefined ? {} : { authorization },
    });
    return {
      status: response.status,
      challenge: response.headers.get('www-authenticate'),
      body: (await response.json()) as Record<string, unknown>,
    };
  };

  it.each([
    ['GET', '/things', undefined, 401],
    ['GET', '/things', 'wrong-token-wrong-token', 401],
    ['GET', '/things', VIEWER, 200],
    ['GET', '/things', OPERATOR, 200],
    ['POST', '/things', undefined, 401],
    ['POST', '/things', 'wrong-token-wrong-token', 401],
    ['POST', '/things', VIEWER, 403],
    ['POST', '/things', OPERATOR, 201],
    ['GET', '/open', undefined, 200],
    ['GET', '/forgotten', undefined, 401],
  ])('%s %s with token %s → %i', async (method, path, token, status) => {
    expect((await call(method, path, token)).status).toBe(status);
  });

  it('names the caller as the audit actor and explains a refusal', async () => {
    const ok = await call('POST', '/things', OPERATOR);
    const refused = await call('POST', '/things', VIEWER);
    const missing = await call('GET', '/things');

    expect(ok.body).toEqual({ name: 'alice', role: 'operator', actor: 'user:alice' });
    expect(refused.body['message']).toBe(
      'this action needs the operator role; the token has viewer',
    );
    expect(missing.body['message']).toMatch(/missing bearer token/);
  });

  it.each([['Basic b3BlcmF0b3I6c2VjcmV0'], ['Bearer'], [`Bearer ${VIEWER} ${VIEWER}`], [VIEWER]])(
    'says a malformed header (%s) is malformed, with the Bearer challenge',
    async (header) => {
      const refused = await call('GET', '/things', undefined, header);

      expect(refused).toMatchObject({ status: 401, challenge: 'Bearer realm="greenlight"' });
      expect(refused.body['message']).toMatch(/^malformed Authorization header/);
    },
  );

  it('refuses a token that only shares a prefix with a real one', async () => {
    expect((await call('GET', '/things', OPERATOR.slice(0, -1))).status).toBe(401);
    expect((await call('GET', '/things', `${OPERATOR}x`)).status).toBe(401);
  });
});
