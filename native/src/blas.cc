// float32 matrix products on the wasm heap through OpenBLAS's cblas_sgemm, with the fused
// epilogue of TensorFlow.js's _FusedMatMul (bias, activation) applied in place.
#include <cblas.h>

#include <algorithm>
#include <cmath>

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
    Args a = args(env, info, 3);
    Bytes heap = bytes(env, a.v[0], "heap");
    std::vector<double> p = numbers(env, a.v[1], "params");
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

void registerBlas(napi_env env, napi_value exports) { setMethod(env, exports, "matmulF32", MatmulF32); }

}  // namespace tn
