import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DeployRequestSchema, safeParse } from '@greenlight/contracts';
import { loadDeployRequest } from './manifest.util';

const RELEASES = join(__dirname, '..', '..', '..', '..', 'examples', 'releases');

describe('examples/releases', () => {
  const manifests = readdirSync(RELEASES).filter((name) => /\.(ya?ml|json)$/.test(name));

  it('has the manifest the demo deploys', () => {
    expect(manifests).toContain('chat-v2.yaml');
  });

  it.each(manifests)(
    '%s becomes a deploy request the orchestrator accepts (sha256 included)',
    async (name) => {
      const request = await loadDeployRequest(join(RELEASES, name));

      expect(safeParse(DeployRequestSchema, request)).toMatchObject({ ok: true });
    },
  );
});
