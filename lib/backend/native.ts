// Loading the native TensorFlow backend when one of its packages is installed and loads.
import { NATIVE_PACKAGES } from "./names";

export interface NativeLoad {
  /** The package that loaded, e.g. "@tensorflow/tfjs-node". */
  package?: string;
  version?: string;
  /** Why each candidate did not load (missing, or its binary failed). */
  failures: string[];
}

let cached: NativeLoad | undefined;

/** Tries the native packages once; requiring one registers the "tensorflow" backend with tfjs. */
export function loadNative(): NativeLoad {
  if (cached) return cached;
  const failures: string[] = [];
  for (const pkg of NATIVE_PACKAGES) {
    for (const id of pkg.candidates) {
      // danfojs-node's pinned tfjs-node is mapped to plain tfjs (package.json overrides):
      // only a package that really is a native one counts.
      if (installedName(id) !== pkg.name) continue;
      try {
        const mod = require(id) as { version?: { "tfjs-node"?: string } };
        const version = mod.version?.["tfjs-node"] ?? safeVersion(id);
        cached = { package: pkg.name, version, failures };
        return cached;
      } catch (err) {
        failures.push(`${pkg.name} is installed but did not load (${firstLine(err)})`);
      }
    }
  }
  if (failures.length === 0) failures.push("neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed");
  cached = { failures };
  return cached;
}

function installedName(id: string): string | undefined {
  try {
    return (require(`${id}/package.json`) as { name: string }).name;
  } catch {
    return undefined;
  }
}

function safeVersion(id: string): string | undefined {
  try {
    return (require(`${id}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split("\n")[0];
}
