// Replacing layers of a LayersModel (Sequential or functional) by other layers with given weights.
// The model's JSON topology is edited (class name and config of the replaced layers; names and
// connections stay), a fresh model is built from it, and every weight is copied, so the original
// model is left untouched and the result saves and loads like any other model.
import * as tf from "@tensorflow/tfjs";
import { fail } from "../errors";

export interface Replacement {
  className: string;
  /** The new layer's config (camelCase, as its getConfig() returns; `name` is set to the old name). */
  config: tf.serialization.ConfigDict;
  /** Weights in the new layer's `weights` order. */
  weights: tf.Tensor[];
  /** A ZeroPadding2D feeding only this layer, removed because the new layer pads itself. */
  absorb?: string;
}

interface JsonLayer {
  class_name: string;
  config: Record<string, unknown>;
  name?: string;
  inbound_nodes?: unknown[];
}

export async function replaceLayers(model: tf.LayersModel, replacements: Map<string, Replacement>): Promise<tf.LayersModel> {
  const json = model.toJSON(null, false) as unknown as { class_name: string; config: { layers: JsonLayer[] } };
  const entries = json.config.layers;
  for (const name of replacements.keys()) {
    if (!entries.some((e) => (e.config.name ?? e.name) === name)) {
      fail("layer", name, `the name of a layer of ${model.name} (${model.layers.map((l) => l.name).join(", ")})`);
    }
  }
  for (const r of replacements.values()) {
    if (!r.absorb) continue;
    const i = entries.findIndex((e) => (e.config.name ?? e.name) === r.absorb);
    const target = entries.find((e) => replacements.get((e.config.name ?? e.name) as string) === r);
    if (i < 0 || !target) continue;
    const pad = entries[i];
    if (pad.inbound_nodes) target.inbound_nodes = pad.inbound_nodes;
    if ("batch_input_shape" in pad.config) target.config.batch_input_shape = pad.config.batch_input_shape;
    entries.splice(i, 1);
  }
  for (const e of entries) {
    const name = (e.config.name ?? e.name) as string;
    const r = replacements.get(name);
    if (!r) continue;
    const keep: Record<string, unknown> = {};
    // A Sequential's first layer carries the input shape in its config.
    for (const k of ["batch_input_shape", "dtype", "trainable"]) if (k in e.config) keep[k] = e.config[k];
    e.class_name = r.className;
    e.config = { ...r.config, ...keep, name };
  }
  const fresh = (await tf.models.modelFromJSON({ modelTopology: json as unknown as tf.io.ModelJSON["modelTopology"] })) as tf.LayersModel;
  for (const layer of fresh.layers) {
    const r = replacements.get(layer.name);
    if (r) {
      layer.setWeights(r.weights);
      continue;
    }
    const old = model.getLayer(layer.name);
    const w = old.getWeights();
    if (w.length > 0) layer.setWeights(w);
  }
  return fresh;
}
