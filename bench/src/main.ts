import { runGatewayBench } from './gateway.bench';
import { runPrewarmBench } from './prewarm/prewarm.bench';
import { runJudgeBench } from './judge/judge.bench';
import { runRollbackBench } from './rollback.bench';
import { runSemanticBench } from './semantic/semantic.bench';

/** `npm run bench -- NAME`: each benchmark prints a table and, as its last line, one JSON object. */
const BENCHES: Record<string, () => Promise<Record<string, number>>> = {
  gateway: runGatewayBench,
  judge: runJudgeBench,
  rollback: runRollbackBench,
  prewarm: runPrewarmBench,
  semantic: runSemanticBench,
};

async function main(): Promise<void> {
  const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = names.filter((n) => !(n in BENCHES));
  if (unknown.length > 0) {
    console.error(
      `unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`,
    );
    process.exit(2);
  }
  const results: Record<string, Record<string, number>> = {};
  for (const name of names.length > 0 ? names : Object.keys(BENCHES)) {
    console.log(`\n== ${name} ==`);
    results[name] = await BENCHES[name]!();
  }
  const only = Object.values(results);
  console.log(JSON.stringify(only.length === 1 ? only[0] : results));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
