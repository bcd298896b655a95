// Child of scale.test.ts: calls a rank rule in its own process, so a rule that loops forever
// is killed by the parent's timeout instead of hanging the test runner.
import * as ranks from "../../lib/decomp/ranks";

const [fn, argsJson] = process.argv.slice(2);
try {
  const f = (ranks as unknown as Record<string, (...a: unknown[]) => unknown>)[fn];
  console.log(JSON.stringify({ value: f(...(JSON.parse(argsJson) as unknown[])) }));
} catch (err) {
  console.log(JSON.stringify({ error: (err as Error).message, name: (err as Error).name }));
}
