// float32 matrix products on the wasm heap through OpenBLAS's cblas_sgemm, with the fused
// epilogue of TensorFlow.js's _FusedMatMul (bias, activation) applied in place; Tile and the
// Sum/Mean over leading axes.
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common.h"
#include "epilogue.h"

namespace tn {

void applyActivation(float* y, size_t count, int act, float alpha) {
  switch (act) {
    case ACT_LINEAR: break;
    case ACT_RELU: for (size_t i = 0; i < count; i++) y[i] = y[i] > 0 ? y[i] : 0; break;
    case ACT_RELU6: for (size_t i = 0; i < count; i++) y[i] = std::min(std::max(y[i], 0.f), 6.f); break;
    case ACT_LEAKYRELU: for (size_t i = 0; i < count; i++) y[i] = y[i] < 0 ? alpha * y[i] : y[i]; break;
    case ACT_SIGMOID: for (size_t i = 0; i < count; i++) y[i] = 1.f / (1.f + std::exp(-y[i])); break;
    case ACT_ELU: for (size_t i = 0; i < count; i++) y[i] = y[i] >= 0 ? y[i] : std::expm1(y[i]); break;
    default: throw std::runtime_error("unknown activation code " + std::to_string(act));
  }
}

// matmulF32(heap, [a, b, out, m, n, k, transA, transB, bias, biasKind, act, alpha], pairs)
// out[i] = op(A[pairs[2i]]) · op(B[pairs[2i+1]]) for i < pairs.length / 2 (batch broadcasting
// is resolved by the caller into these index pairs). biasKind 0: none, 1: one value per
// column (length n), 2: a full tensor of the output's size.
static napi_value MatmulF32(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    auto [a, heap, p] = heapCall(env, info, 3);
    std::vector<double> pairs = numbers(env, a.v[2], "pairs");
    if (p.size() < 12) throw std::runtime_error("matmulF32 needs 12 parameters");
    const int m = static_cast<int>(p[3]), n = static_cast<int>(p[4]), k = static_cast<int>(p[5]);
    const bool ta = p[6] != 0, tb = p[7] != 0;
    const int biasKind = static_cast<int>(p[9]), act = static_cast<int>(p[10]);
    const float alpha = static_cast<float>(p[11]);
    const size_t batch = pairs.size() / 2;
    double maxA = 0, maxB = 0;
    for (size_t i = 0; i < batch; i++) {
      maxA = std::max(maxA, pairs[2 * i]);
      maxB = std::max(maxB, pairs[2 * i + 1]);
    }
    const size_t mk = size_t(m) * k, kn = size_t(k) * n, mn = size_t(m) * n;
    float* A = heapF32(heap, p[0], (size_t(maxA) + 1) * mk, "a");
    float* B = heapF32(heap, p[1], (size_t(maxB) + 1) * kn, "b");
    float* C = heapF32(heap, p[2], batch * mn, "out");
    const int lda = ta ? m : k, ldb = tb ? k : n;
    blasThreadsFor(double(m) * n, double(m) * n * k);
    // One larger product when every batch entry shares B and A's entries are consecutive
    // (a dense layer applied to a batch of sequences): OpenBLAS threads it better.
    bool fold = !ta && batch > 1;
    for (size_t i = 0; fold && i < batch; i++) fold = pairs[2 * i] == double(i) && pairs[2 * i + 1] == pairs[1];
    if (fold) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(batch) * m, n, k, 1.f, A, lda,
                  B + size_t(pairs[1]) * kn, ldb, 0.f, C, n);
    } else {
      for (size_t i = 0; i < batch; i++) {
        cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1.f,
                    A + size_t(pairs[2 * i]) * mk, lda, B + size_t(pairs[2 * i + 1]) * kn, ldb, 0.f, C + i * mn, n);
      }
    }
    const size_t total = batch * mn;
    if (biasKind == 1) {
      const float* bias = heapF32(heap, p[8], n, "bias");
      for (size_t r = 0; r < total / std::max(n, 1); r++)
        for (int j = 0; j < n; j++) C[r * n + j] += bias[j];
    } else if (biasKind == 2) {
      const float* bias = heapF32(heap, p[8], total, "bias");
      for (size_t i = 0; i < total; i++) C[i] += bias[i];
    }
    applyActivation(C, total, act, alpha);
    return undefined(env);
  });
}

// tile(heap, [x, out, bytesPerElement], xShape, reps): TensorFlow.js's Tile for any dtype of
// fixed width, by memcpy. First every row of x goes to its place in the output, then, from the
// innermost dimension out, each finished block is copied reps[d] - 1 times after itself.
static napi_value Tile(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    auto [a, heap, p] = heapCall(env, info, 4);
    std::vector<double> xs = numbers(env, a.v[2], "xShape");
    std::vector<double> reps = numbers(env, a.v[3], "reps");
    const size_t R = xs.size(), eb = static_cast<size_t>(p[2]);
    if (R == 0 || reps.size() != R || (eb != 1 && eb != 4)) throw std::runtime_error("tile: bad shape, reps or element size");
    std::vector<size_t> xd(R), od(R), ostride(R);
    size_t xn = 1, on = 1;
    for (size_t d = 0; d < R; d++) {
      xd[d] = size_t(xs[d]);
      od[d] = xd[d] * size_t(reps[d]);
      xn *= xd[d];
      on *= od[d];
    }
    for (size_t d = R; d-- > 0;) ostride[d] = d + 1 == R ? 1 : ostride[d + 1] * od[d + 1];
    if (xn == 0 || on == 0) return undefined(env);
    auto check = [&](double off, size_t count, const char* what) {
      if (off < 0 || size_t(off) > heap.length || count * eb > heap.length - size_t(off)) throw std::runtime_error(std::string("tile: ") + what + " runs past the heap");
      return heap.data + size_t(off);
    };
    const uint8_t* x = check(p[0], xn, "x");
    uint8_t* out = check(p[1], on, "out");
    // Iterates the multi-indices of dims [0, upto) within x's extents, calling f(outOffset).
    auto each = [&](size_t upto, auto&& f) {
      std::vector<size_t> idx(upto, 0);
      while (true) {
        size_t off = 0;
        for (size_t k = 0; k < upto; k++) off += idx[k] * ostride[k];
        f(off);
        size_t k = upto;
        while (k > 0) {
          if (++idx[k - 1] < xd[k - 1]) break;
          idx[--k] = 0;
        }
        if (k == 0) return;
      }
    };
    size_t row = 0;
    const size_t rowBytes = xd[R - 1] * eb;
    each(R - 1, [&](size_t off) { std::memcpy(out + off * eb, x + (row++) * rowBytes, rowBytes); });
    for (size_t d = R; d-- > 0;) {
      if (reps[d] <= 1) continue;
      const size_t seg = xd[d] * ostride[d] * eb;
      each(d, [&](size_t off) {
        uint8_t* base = out + off * eb;
        for (size_t r = 1; r < size_t(reps[d]); r++) std::memcpy(base + r * seg, base, seg);
      });
    }
    return undefined(env);
  });
}

// sumLeading(heap, [x, out, rows, cols, scale?]): out[c] = scale · Σ_r x[r, c], the Sum (scale 1)
// or Mean (scale 1/rows) over leading axes: a bias gradient, dy summed over batch and space, and
// a BatchNorm's batch moments. wasm's reductions first transpose those axes to the end. Column
// sums accumulate in double, row after row, so the loop vectorises.
static napi_value SumLeading(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    auto [a, heap, p] = heapCall(env, info, 2);
    const size_t M = size_t(p[2]), C = size_t(p[3]);
    const float* x = heapF32(heap, p[0], M * C, "x");
    float* out = heapF32(heap, p[1], C, "out");
    std::vector<double> acc(C, 0.0);
    for (size_t m = 0; m < M; m++) {
      const float* row = x + m * C;
      for (size_t c = 0; c < C; c++) acc[c] += row[c];
    }
    const double scale = p.size() > 4 ? p[4] : 1.0;
    for (size_t c = 0; c < C; c++) out[c] = float(acc[c] * scale);
    return undefined(env);
  });
}

void registerBlas(napi_env env, napi_value exports) {
  setMethod(env, exports, "sumLeading", SumLeading);
  setMethod(env, exports, "matmulF32", MatmulF32);
  setMethod(env, exports, "tile", Tile);
}

}  // namespace tn
