// Which backends the backend-dependent tests run on. TN_BACKEND names one (`TN_BACKEND=tensorflow
// npm test` runs them on the native backend; a backend named there that cannot start is a
// failure, not a skip); without it they run on every backend present, and skip the others with the
// reason each could not start.
import type { TestContext } from "node:test";
import { BACKEND_NAMES, parseBackend, use, type BackendName } from "../lib/backend";
import { loadNative } from "../lib/backend/native";

/** The backend TN_BACKEND names, if any ("auto" counts as none). */
export function requestedBackend(): BackendName | undefined {
  const env = process.env.TN_BACKEND;
  if (!env) return undefined;
  const b = parseBackend(env, "TN_BACKEND");
  return b === "auto" ? undefined : b;
}

/** For a test that runs on one backend: TN_BACKEND's, else `fallback`. */
export function backendUnderTest(fallback: BackendName): BackendName {
  return requestedBackend() ?? fallback;
}

const reasons = new Map<BackendName, Promise<string | undefined>>();

/** Why `name` cannot start here, or undefined when it can (checked once per process). */
export function unavailable(name: BackendName): Promise<string | undefined> {
  let r = reasons.get(name);
  if (!r) {
    r = (async () => {
      if (name === "tensorflow") {
        const n = loadNative();
        if (!n.package) return `no native TensorFlow backend here (${n.failures.join("; ")})`;
      }
      try {
        await use(name);
        return undefined;
      } catch (err) {
        return err instanceof Error ? err.message : String(err);
      }
    })();
    reasons.set(name, r);
  }
  return r;
}

/** The backends that start on this machine, best first. */
export async function availableBackends(): Promise<BackendName[]> {
  const out: BackendName[] = [];
  for (const b of BACKEND_NAMES) if ((await unavailable(b)) === undefined) out.push(b);
  return out;
}

/**
 * Runs `fn` as one subtest per backend in `names` (or TN_BACKEND's alone): on those present, with
 * the backend selected; the others are skipped with the reason they could not start.
 */
export async function onEachBackend(t: TestContext, names: readonly BackendName[], fn: (backend: BackendName, t: TestContext) => Promise<void>): Promise<void> {
  const wanted = requestedBackend();
  const list = wanted ? [wanted] : names;
  for (const b of list) {
    const why = await unavailable(b);
    if (why !== undefined && wanted === b) throw new Error(`TN_BACKEND=${b}, but it cannot start: ${why}`);
    await t.test(b, { skip: why ?? false }, async (st) => {
      await use(b);
      await fn(b, st);
    });
  }
}
