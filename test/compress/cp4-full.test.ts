// A 4-way CP stored "full" (resnet18-cp-tucker.md §2.2): the 3x3 depthwise filters are the rank-1
// products of the vertical and horizontal factors, and the compressed layer computes the
// convolution with the kernel rebuilt from the four CP factors.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { use } from "../../lib/backend";
import { compressModel } from "../../lib/compress";
import { cpAls } from "../../lib/decomp";
import { CPConv2D } from "../../lib/layers";
import { free, randn, relErr } from "../layers/helpers";
import { worstRank1Defect } from "./helpers";

function oneConv(cin: number, cout: number): tf.LayersModel {
  return tf.sequential({
    layers: [tf.layers.conv2d({ inputShape: [7, 7, cin], filters: cout, kernelSize: 3, padding: "same", useBias: false, kernelInitializer: tf.initializers.glorotNormal({ seed: 11 }), name: "c" })],
  });
}

test("cp4 stored full: rank-1 depthwise filters, cp3-shaped layer, output = conv with the kernel rebuilt from the 4 CP factors", async () => {
  await use("cpu");
  const [cin, cout, R] = [6, 8, 4];
  const m = oneConv(cin, cout);
  const opts = { maxIter: 30, init: "random" as const, seed: 3 };
  const { model, report } = await compressModel(m, { c: { method: "cp4", spatial: "full", ranks: R, ...opts } });
  const layer = model.getLayer("c") as CPConv2D;
  assert.equal(layer.variant, "cp3", "the products are one kh×kw depthwise filter");
  assert.equal(layer.params(), R * (cin + 9 + cout), "kh·kw weights per rank, as the authors' layer");
  assert.equal(report[0].method, "cp4");
  const [inF, depthwise, outF] = layer.getWeights();
  assert.deepEqual(depthwise.shape, [3, 3, R, 1]);
  const defect = worstRank1Defect(tf.reshape(depthwise, [3, 3, R]));
  assert.ok(defect < 1e-6, `every depthwise filter is rank-1 (worst 2x2 minor ${defect})`);

  // The same CP-ALS, run here, rebuilt as a dense kernel K[h, w, i, o] = Σ_r λ_r V[h,r] H[w,r] A_in[i,r] A_out[o,r].
  const kernel = m.getLayer("c").getWeights()[0];
  const cp = cpAls(kernel, R, opts);
  const [V, H, A, B] = cp.factors;
  const k = new Float32Array(9 * cin * cout);
  for (let h = 0; h < 3; h++)
    for (let w = 0; w < 3; w++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) {
          let s = 0;
          for (let r = 0; r < R; r++) s += cp.weights[r] * V.data[h * R + r] * H.data[w * R + r] * A.data[i * R + r] * B.data[o * R + r];
          k[((h * 3 + w) * cin + i) * cout + o] = s;
        }
  const rebuilt = tf.tensor4d(k, [3, 3, cin, cout]);
  const x = randn([2, 7, 7, cin], 5);
  const want = tf.conv2d(x as tf.Tensor4D, rebuilt, 1, "same");
  for (const path of ["factored", "dense"] as const) {
    const twin = new CPConv2D({ ...(layer.getConfig() as object), name: `twin_${path}`, path } as ConstructorParameters<typeof CPConv2D>[0]);
    twin.build([null, 7, 7, cin]);
    twin.setWeights([inF, depthwise, outF]);
    const got = twin.apply(x) as tf.Tensor;
    const err = relErr(got, want);
    assert.ok(err < 1e-5, `${path} path: ${err}`);
    assert.equal(twin.lastPath, path);
    got.dispose();
    free(twin);
  }
  // The reported kernel error is the 4-way fit's: ||W − K|| / ||W||.
  assert.ok(Math.abs(report[0].relError - relErr(rebuilt, kernel)) < 1e-5, `report ${report[0].relError} vs ${relErr(rebuilt, kernel)}`);
  tf.dispose([rebuilt, x, want]);
  model.dispose();
  m.dispose();
});

test("a free 3-way CP (cp3) at the same rank does not give rank-1 filters; spatial is only for cp4", async () => {
  await use("cpu");
  const m = oneConv(6, 8);
  const { model } = await compressModel(m, { c: { method: "cp3", ranks: 4, maxIter: 30, init: "random", seed: 3 } });
  const depthwise = model.getLayer("c").getWeights()[1];
  assert.ok(worstRank1Defect(tf.reshape(depthwise, [3, 3, 4])) > 1e-3, "a free 3x3 filter");
  await assert.rejects(compressModel(m, { c: { method: "cp3", spatial: "full", ranks: 4 } }), /plan\.c\.spatial = "full": expected only with method cp4/);
  await assert.rejects(compressModel(m, { c: { method: "cp4", spatial: "flat" as "full", ranks: 4 } }), /plan\.c\.spatial = "flat": expected "separable" or "full"/);
  model.dispose();
  m.dispose();
});
