import { Global, type INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SERVICE_CONFIG } from '@greenlight/runtime';
import { AuthModule } from '../auth/auth.module';
import { DASHBOARD_CSP } from './dashboard.constants';
import { DashboardModule } from './dashboard.module';
import type { DashboardBootstrap } from './dashboard.util';

/** Stands in for ServiceKitModule, which provides the config globally in the real app. */
@Global()
@Module({
  providers: [
    {
      provide: SERVICE_CONFIG,
      useValue: {
        GREENLIGHT_OPERATOR_TOKENS: [{ name: 'alice', secret: 'operator-secret-0123456789' }],
        GREENLIGHT_VIEWER_TOKENS: [],
      },
    },
  ],
  exports: [SERVICE_CONFIG],
})
class ConfigStubModule {}

describe('DashboardController (behind the real auth guard)', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigStubModule, AuthModule, DashboardModule],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(() => app.close());

  it('serves the page at / without a token, under a policy that allows nothing but this origin', async () => {
    const response = await fetch(`${base}/`);
    const html = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    expect(html).toContain('<script type="module" src="/dashboard/dashboard.js">');
    expect(html).not.toMatch(/https?:\/\//);
    const json = /id="greenlight-bootstrap">(.*?)<\/script>/s.exec(html)?.[1] ?? '';
    const bootstrap = JSON.parse(json) as DashboardBootstrap;
    expect(bootstrap.actions['Canary|blue|running']).toContain('rollback');
    expect(bootstrap.terminal).toContain('RolledBack');
  });

  it.each([
    ['/dashboard/dashboard.js', /^text\/javascript/, 'function follow('],
    ['/dashboard/dashboard.css', /^text\/css/, '.layout'],
  ])('serves %s publicly', async (path, type, marker) => {
    const response = await fetch(`${base}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(type);
    expect(await response.text()).toContain(marker);
  });

  it.each(['/dashboard/dashboard.service.js', '/dashboard/..%2Fdashboard.util.ts', '/dashboard/'])(
    'serves nothing else from disk: %s is 404',
    async (path) => {
      expect((await fetch(`${base}${path}`)).status).toBe(404);
    },
  );
});
