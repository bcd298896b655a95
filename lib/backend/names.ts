// The backends tn knows, best first. "tensorflow" is the native one (tfjs-node or tfjs-node-gpu).
export const BACKEND_NAMES = ["tensorflow", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type BackendChoice = BackendName | "auto";
export const BACKEND_CHOICES: readonly BackendChoice[] = ["auto", ...BACKEND_NAMES];

/** npm packages that provide the native backend, best first, with the names they may be installed under. */
export const NATIVE_PACKAGES: readonly { name: string; candidates: readonly string[] }[] = [
  { name: "@tensorflow/tfjs-node-gpu", candidates: ["@tensorflow/tfjs-node-gpu"] },
  // tnlab lists tfjs-node as an optional dependency under an alias, see package.json.
  { name: "@tensorflow/tfjs-node", candidates: ["@tensorflow/tfjs-node", "tfjs-node-native"] },
];
