/**
 * Hosts many greenlight-sim replicas in one Node process: `node sim-host.js SPEC.json`, where the
 * spec is a JSON array of greenlight-sim argument lists (each with its own --port). Every replica
 * is the simulator's own server (cold start with the port closed, /health, /v1/models, …); only
 * the process is shared, because hundreds of simulator processes (~60 MB each) do not fit on one
 * machine. Prints `sim-host ready N` once every replica listens (after its cold start).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface SimModule {
  startSimServer(options: unknown, hooks?: unknown): Promise<{ close(): Promise<void> }>;
}
interface CliModule {
  parseSimCli(argv: readonly string[]): { kind: 'run'; options: unknown } | { kind: 'help' };
}

async function main(): Promise<void> {
  const specFile = process.argv[2];
  if (!specFile) throw new Error('usage: sim-host SPEC.json');
  const specs = JSON.parse(readFileSync(specFile, 'utf8')) as string[][];
  // Loaded from the build at run time: the bench may not import a service's source.
  const dist = join(__dirname, '..', '..', '..', 'services', 'model-sim', 'src');
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { startSimServer } = require(join(dist, 'sim-server.js')) as SimModule;
  const { parseSimCli } = require(join(dist, 'cli', 'sim-cli.util.js')) as CliModule;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const servers = await Promise.all(
    specs.map((argv) => {
      const parsed = parseSimCli(argv);
      if (parsed.kind !== 'run') throw new Error(`not a simulator command line: ${argv.join(' ')}`);
      return startSimServer(parsed.options);
    }),
  );
  console.log(`sim-host ready ${servers.length}`);
  const stop = (): void => {
    void Promise.all(servers.map((s) => s.close())).finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
