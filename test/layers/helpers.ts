// Shared helpers of the layer tests: seeded inputs, relative errors, the plain tf layer rebuilt
// from a factorized layer's dense weight, and the in-memory save/load round trip.
import * as tf from "@tensorflow/tfjs";
import { rng } from "../../lib/random";
import type { FactorLayer } from "../../lib/layers";

export function randn(shape: number[], seed: number, scale = 1): tf.Tensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = scale * r.normal();
  return tf.tensor(d, shape);
}

/** ||a - b||_F / ||b||_F. */
export function relErr(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.norm(tf.sub(a, b)).dataSync()[0] / Math.max(tf.norm(b).dataSync()[0], 1e-30));
}

/** The tf.layers.dense / conv2d that `layer` replaces, with `layer.denseWeight()` and its bias. */
export function plainTwin(layer: FactorLayer, inputShape: number[]): tf.layers.Layer {
  const cfg = layer.getConfig() as Record<string, unknown>;
  const w = layer.denseWeight();
  const useBias = layer.useBias;
  const common = { useBias, activation: layer.activationName as "linear" };
  const twin =
    w.rank === 2
      ? tf.layers.dense({ units: w.shape[1] as number, ...common })
      : tf.layers.conv2d({
          filters: w.shape[3] as number,
          kernelSize: [w.shape[0] as number, w.shape[1] as number],
          strides: cfg.strides as [number, number],
          padding: cfg.padding as "same" | "valid",
          ...common,
        });
  twin.build(inputShape);
  const b = layer.biasWeight();
  twin.setWeights(b ? [w, b] : [w]);
  w.dispose();
  b?.dispose();
  return twin;
}

/** Saves `model` to memory and loads it back (the custom classes must be registered). */
export async function roundTrip(model: tf.LayersModel): Promise<tf.LayersModel> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  return tf.loadLayersModel(tf.io.fromMemory(artifacts!));
}

/** Gradients of sum(layer(x) ∘ probe) with respect to the layer's trainable weights, by weight name. */
export function weightGrads(layer: tf.layers.Layer, x: tf.Tensor, probe: tf.Tensor): tf.Tensor[] {
  const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, probe)) as tf.Scalar, vars);
  value.dispose();
  return vars.map((v) => grads[v.name]);
}

/** Frees a layer's weights (Layer.dispose refuses layers never applied to a symbolic input). */
export function free(...layers: tf.layers.Layer[]): void {
  for (const l of layers) for (const w of l.weights) w.dispose();
}
