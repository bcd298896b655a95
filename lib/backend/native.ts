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
  // TensorFlow's C++ logging (oneDNN notices, CPU feature lines) goes straight to fd 2, into the
  // terminal or the notebook server's log; it reads this variable at its first log line, so it
  // must be set before the library loads. 2 keeps errors. A user's own setting wins.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= "2";
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
  if (failures.length === 0) failures.push("neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed; `npx tnlab native` builds one on a TensorFlow already on this machine");
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

/** The TensorFlow version inside the loaded native backend (TF_Version() of its C library). */
export function tensorflowVersion(backend: unknown): string | undefined {
  const b = backend as { binding?: { TF_Version?: unknown } } | undefined;
  return typeof b?.binding?.TF_Version === "string" ? b.binding.TF_Version : undefined;
}

/**
 * Where the native backend's TensorFlow came from: the build `tnlab native` made (its manifest),
 * else the libtensorflow that the package's own install step downloaded.
 */
export function tensorflowOrigin(): string | undefined {
  // Lazy: tf-build pulls in child_process and fs helpers the common path does not need.
  const { nativeManifest, nativePackageDir } = require("./tf-build") as typeof import("./tf-build");
  const m = nativeManifest();
  if (m) return `${m.origin} (built by tnlab native, ${m.mode}; undo: npx tnlab native --undo)`;
  const d = nativePackageDir();
  return d ? `libtensorflow downloaded by ${d}'s install step` : undefined;
}
