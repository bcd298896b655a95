"""Reference timings for `tnlab bench` (bench/reference.ts runs this with the Python it is given).

Times, on this machine and in this Python, the same work tnlab's bench times, so one bench run
can print tnlab / reference ratios:
  - training steps in TensorFlow/Keras (CPU): the reference CNN (bench/backend.ts, Adam 1e-3,
    batch 64), the MNIST FC-FC-FC and TT-TT-TT nets with BatchNorm (bench/train.ts, momentum
    0.01/0.9, batch 100) and Garipov's 6-conv CIFAR net (batch 32), each step one compiled
    tf.function (Keras's own train_on_batch for the CNN, as tnlab's row uses trainOnBatch);
  - CP-ALS, Tucker HOOI and TT-SVD in plain NumPy (our own code below, LAPACK/BLAS through
    NumPy), and in TensorLy when it can be imported (TN_TENSORLY is put on sys.path by the caller).
Prints one JSON object: {"python", "versions", "rows": [...]}; rows carry the same suite / case /
batch / size keys as tnlab's rows. Inputs are seeded random data: this measures compute only.

usage: python bench/reference.py [--only train|decomp]
"""
import json
import os
import sys
import time

import numpy as np


def median_ms(fn, reps, warmup=1):
    for _ in range(warmup):
        fn()
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        t.append((time.perf_counter() - t0) * 1000)
    t.sort()
    m = len(t) // 2
    return t[m] if len(t) % 2 else (t[m - 1] + t[m]) / 2


# ---------------------------------------------------------------- training steps (TensorFlow/Keras)


def train_rows():
    import tensorflow as tf
    import keras
    from keras import layers

    tf.random.set_seed(0)
    rows = []
    engine = f"tensorflow {tf.__version__} / keras {keras.__version__} (python, cpu)"

    # bench/backend.ts referenceCnn + trainOnBatch with Adam(1e-3), categorical cross-entropy.
    cnn = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])
    cnn.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy")
    rng = np.random.default_rng(1)
    xs = rng.random((64, 28, 28, 1), dtype=np.float32)
    ys = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 64)]
    cnn.train_on_batch(xs, ys)
    ms = median_ms(lambda: cnn.train_on_batch(xs, ys), 10)
    rows.append(dict(suite="backend", case="cnn train step", size="batch 64", medianMs=ms, reps=10, imagesPerSec=64000 / ms))

    def bn(eps=1e-5, momentum=0.9):
        return layers.BatchNormalization(epsilon=eps, momentum=momentum)

    def fc_net(tt):
        # bench/train.ts: buildFcNet(ttfc.mnist.fc_fc_fc | tt_tt_tt): (layer, BN, ReLU) x 3, softmax.
        m = keras.Sequential([keras.Input((784,))])
        specs = TT_SPECS if tt else [4096, 2048, 10]
        for s in specs:
            m.add(TTDense(*s) if tt else layers.Dense(s))
            m.add(bn())
            m.add(layers.ReLU())
        m.add(layers.Softmax())
        return m

    def conv6():
        # lib/models/tt-conv.ts ttConvBaseline("conv"): 6 conv (no bias) + BN(1e-3, 0.99) + ReLU.
        x = inp = keras.Input((32, 32, 3))
        for item in [(64, "same"), (64, "same"), "pool", (128, "same"), (128, "same"), "pool", (128, "valid"), (128, "valid")]:
            if item == "pool":
                x = layers.MaxPooling2D(3, 2, padding="same")(x)
                continue
            x = layers.Conv2D(item[0], 3, padding=item[1], use_bias=False)(x)
            x = layers.ReLU()(bn(1e-3, 0.99)(x))
        x = layers.Flatten()(layers.AveragePooling2D(4, 4, padding="same")(x))
        return keras.Model(inp, layers.Dense(10, use_bias=False)(x))

    def prob_loss(y, out):
        return -tf.reduce_mean(tf.reduce_sum(y * tf.math.log(tf.clip_by_value(out, 1e-7, 1.0)), -1))

    def logit_loss(y, out):
        return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(y, out))

    cases = [
        ("mnist fc-fc-fc 784-4096-2048-10 +BN", lambda: fc_net(False), (784,), prob_loss, 100),
        ("mnist tt-tt-tt (TTDense, ranks 4) +BN", lambda: fc_net(True), (784,), prob_loss, 100),
        ("cifar10 tt-conv 'conv' baseline (6 conv)", conv6, (32, 32, 3), logit_loss, 32),
    ]
    for name, build, shape, loss_fn, batch in cases:
        model = build()
        opt = keras.optimizers.SGD(0.01, momentum=0.9)
        x = tf.random.normal((batch, *shape), seed=2)
        y = tf.one_hot(np.arange(batch) % 10, 10)

        @tf.function
        def step():
            with tf.GradientTape() as tape:
                loss = loss_fn(y, model(x, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            opt.apply_gradients(zip(grads, model.trainable_variables))
            return loss

        @tf.function
        def evaluate():
            return model(x, training=False)

        params = int(sum(np.prod(v.shape) for v in model.trainable_variables))
        for kind, fn in (("train", step), ("eval", evaluate)):
            ms = median_ms(lambda: fn().numpy(), 3, warmup=2)
            rows.append(dict(suite="train", case=f"{name} {kind}", batch=batch, medianMs=ms, reps=3, params=params, imagesPerSec=1000 * batch / ms))
    # The same figure tnlab's train rows carry: tt-tt-tt's images per second over fc-fc-fc's.
    for r in rows:
        r["reference"] = engine
        fc = [f for f in rows if f["case"] == r["case"].replace("mnist tt-tt-tt (TTDense, ranks 4)", "mnist fc-fc-fc 784-4096-2048-10")]
        if r["case"].startswith("mnist tt-tt-tt") and fc:
            r["xFcImagesPerSec"] = r["imagesPerSec"] / fc[0]["imagesPerSec"]
    return rows


# The MNIST TT-TT-TT layers of lib/models/tt-fc.ts (inModes, outModes, rank).
TT_SPECS = [
    ([2, 2, 7, 4, 7], [2, 2, 8, 2, 64], 4),
    ([2, 2, 8, 2, 64], [2, 2, 2, 8, 32], 4),
    ([8, 4, 4, 4, 4], [5, 2, 1, 1, 1], 4),
]


def _tt_dense_class():
    import tensorflow as tf
    import keras

    class TTDense(keras.layers.Layer):
        """TT-matrix dense layer, cores [r_{k-1}, m_k, n_k, r_k], contracted core by core
        (the textbook chain: one matmul and one transpose per core), plus bias."""

        def __init__(self, in_modes, out_modes, rank):
            super().__init__()
            self.m, self.n = list(in_modes), list(out_modes)
            self.r = [1] + [rank] * (len(in_modes) - 1) + [1]

        def build(self, _):
            d, r = len(self.m), self.r
            self.cores = [
                self.add_weight(shape=(r[k], self.m[k], self.n[k], r[k + 1]), initializer=keras.initializers.RandomUniform(-0.5, 0.5))
                for k in range(d)
            ]
            self.bias = self.add_weight(shape=(int(np.prod(self.n)),), initializer="zeros")

        def call(self, x):
            d, m, n, r = len(self.m), self.m, self.n, self.r
            z = tf.transpose(tf.reshape(x, [-1, m[0], int(np.prod(m[1:]))]), [0, 2, 1])
            for k in range(d):
                z = tf.matmul(tf.reshape(z, [-1, r[k] * m[k]]), tf.reshape(self.cores[k], [r[k] * m[k], n[k] * r[k + 1]]))
                if k < d - 1:
                    rest = int(np.prod(m[k + 2:]))
                    z = tf.transpose(tf.reshape(z, [-1, m[k + 1], rest, n[k], r[k + 1]]), [0, 3, 2, 4, 1])
            return tf.reshape(z, [-1, int(np.prod(n))]) + self.bias

    return TTDense


TTDense = None


# ---------------------------------------------------------------- decompositions (NumPy, ours)


def unfold(x, n):
    return np.moveaxis(x, n, 0).reshape(x.shape[n], -1)


def khatri_rao(mats):
    """Row-major Khatri-Rao of mats (first varies slowest), matching unfold's column order."""
    out = mats[0]
    for m in mats[1:]:
        out = (out[:, None, :] * m[None, :, :]).reshape(-1, m.shape[1])
    return out


def cp_als(x, rank, iters, seed=0):
    rng = np.random.default_rng(seed)
    f = [rng.random((s, rank)) for s in x.shape]
    unf = [unfold(x, n) for n in range(x.ndim)]
    err = None
    for _ in range(iters):
        for n in range(x.ndim):
            others = [f[k] for k in range(x.ndim) if k != n]
            v = np.ones((rank, rank))
            for o in others:
                v *= o.T @ o
            mttkrp = unf[n] @ khatri_rao(others)
            f[n] = np.linalg.solve(v.T, mttkrp.T).T
        # Relative error from the last MTTKRP and the Gram matrices (no dense rebuild).
        gram = v * (f[-1].T @ f[-1])
        inner = np.sum(mttkrp * f[-1])
        nx2 = np.sum(x * x)
        err = np.sqrt(max(nx2 - 2 * inner + gram.sum(), 0) / nx2)
    return err


def mode_dot(x, u, n):
    """x ×_n uᵀ for u of shape [I_n, r]: mode n shrinks to r."""
    return np.moveaxis(np.tensordot(x, u, axes=([n], [0])), -1, n)


def tucker_hooi(x, ranks, iters=100, tol=1e-8):
    modes = [n for n in range(x.ndim) if ranks[n] < x.shape[n]]
    f = {n: np.linalg.svd(unfold(x, n), full_matrices=False)[0][:, : ranks[n]] for n in modes}
    nx = np.linalg.norm(x)
    err, it = None, 0
    for it in range(1, iters + 1):
        for n in modes:
            y = x
            for k in modes:
                if k != n:
                    y = mode_dot(y, f[k], k)
            f[n] = np.linalg.svd(unfold(y, n), full_matrices=False)[0][:, : ranks[n]]
        core = mode_dot(y, f[modes[-1]], modes[-1])
        e = np.sqrt(max(nx**2 - np.linalg.norm(core) ** 2, 0)) / nx
        done = err is not None and abs(err - e) < tol
        err = e
        if done:
            break
    return err, it


def tt_svd(x, rank):
    shape, d = x.shape, x.ndim
    cores, r, c = [], 1, x
    for k in range(d - 1):
        c = c.reshape(r * shape[k], -1)
        u, s, vt = np.linalg.svd(c, full_matrices=False)
        rk = min(rank, len(s))
        cores.append(u[:, :rk].reshape(r, shape[k], rk))
        c, r = s[:rk, None] * vt[:rk], rk
    cores.append(c.reshape(r, shape[-1], 1))
    full = cores[0]
    for g in cores[1:]:
        full = np.tensordot(full, g, axes=([-1], [0]))
    return np.linalg.norm(full.reshape(shape) - x) / np.linalg.norm(x)


def decomp_rows():
    rng = np.random.default_rng(0)
    cp_x = rng.random((100, 100, 100))
    tk_x = rng.standard_normal((256, 256, 3, 3))
    tt_x = rng.random((8, 16, 16, 16, 8))
    cases = {
        "cp": "CP-ALS 100x100x100 rank 10, 100 iter",
        "tucker": "Tucker HOOI 256x256x3x3 -> [64, 64, 3, 3]",
        "tt": "TT-SVD 8x16x16x16x8 ranks 8",
    }
    np_ref = f"numpy {np.__version__} (our reference code in bench/reference.py)"
    rows = []

    def add(key, ref, reps, fn, **extra):
        out = {}
        ms = median_ms(lambda: out.update(fn()), reps)
        rows.append(dict(suite="decomp", case=cases[key], reference=ref, medianMs=ms, reps=reps, **extra, **out))

    add("cp", np_ref, 3, lambda: {"relError": cp_als(cp_x, 10, 100)})
    add("tucker", np_ref, 1, lambda: dict(zip(("relError", "iterations"), tucker_hooi(tk_x, [64, 64, 3, 3]))))
    add("tt", np_ref, 5, lambda: {"relError": tt_svd(tt_x, 8)})

    try:
        import tensorly as tl
        from tensorly.decomposition import parafac, tensor_train, tucker
    except ImportError as e:
        rows.append(dict(suite="decomp", case="tensorly", reference="tensorly", medianMs=None, reps=0, note=f"TensorLy not importable ({e}); set TN_TENSORLY to a checkout"))
        return rows
    tl_ref = f"tensorly {tl.__version__} on numpy {np.__version__}"

    def tl_cp():
        cp = parafac(cp_x, 10, n_iter_max=100, init="random", tol=0, random_state=0)
        return {"relError": float(np.linalg.norm(tl.cp_to_tensor(cp) - cp_x) / np.linalg.norm(cp_x)), "note": "tol=0: no error computed per iteration"}

    def tl_tucker():
        t, errs = tucker(tk_x, rank=[64, 64, 3, 3], n_iter_max=100, init="svd", tol=1e-8, return_errors=True)
        return {"relError": float(errs[-1]), "iterations": len(errs)}

    def tl_tt():
        t = tensor_train(tt_x, rank=[1, 8, 8, 8, 8, 1])
        return {"relError": float(np.linalg.norm(tl.tt_to_tensor(t) - tt_x) / np.linalg.norm(tt_x))}

    add("cp", tl_ref, 3, tl_cp)
    add("tucker", tl_ref, 1, tl_tucker)
    add("tt", tl_ref, 5, tl_tt)
    return rows


def main():
    global TTDense
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
    rows = []
    if only in (None, "train"):
        TTDense = _tt_dense_class()
        rows += train_rows()
    if only in (None, "decomp"):
        rows += decomp_rows()
    print(json.dumps({"python": sys.executable, "tensorly": os.environ.get("TN_TENSORLY"), "rows": rows}))


if __name__ == "__main__":
    main()
