// The public API of tn: `import * as tn from "tnlab"`.
// Each concern lives in its own folder; this file only gathers them.
export * as backend from "./backend";
export * as native from "./native";
export * as linalg from "./linalg";
export * as decomp from "./decomp";
export * as layers from "./layers";
export * as compress from "./compress";
export * as data from "./data";
export * as train from "./train";
export * as models from "./models";
export * as papers from "./papers";
export * as flops from "./flops";
export * as latency from "./latency";
export * as display from "./display";
export * as plot from "./display/plot";
export * as experiments from "./experiments";
/** The TensorFlow.js that tn runs on (the same engine, backends and tensors as tn's). */
export * as tf from "@tensorflow/tfjs";
