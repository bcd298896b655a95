// Fused optimizer updates on the wasm heap: one pass over each variable where TensorFlow.js's
// MomentumOptimizer runs four elementwise kernels (six with Nesterov, AdamOptimizer fourteen), each reading
// and writing the whole variable. Measured first: on an 11.6 M-parameter MNIST net the update was
// 25-30 % of a training step on wasm with the native matrix products.
//
// The results must equal TensorFlow.js's bit for bit (a run must not depend on whether the addon
// is built), so each operation is one float32 operation, rounded by itself, in the order the
// TensorFlow.js ops run: no fused multiply-add (the pragmas below keep the compiler from
// contracting a multiply and an add, which it may do by default) and no reassociation.
#include <cmath>

#include "common.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("O3", "fp-contract=off")
#endif

// An AVX2 clone too (picked at load time): eight lanes for the divisions and square roots. With
// contraction off it does the same separately rounded operations, so the same bits.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define TN_SIMD __attribute__((target_clones("arch=haswell", "default")))
#else
#define TN_SIMD
#endif

namespace tn {

namespace {

// Below this many elements a pass is a few microseconds: waking the thread pool costs more.
constexpr long kParallelFrom = 1 << 16;

// Momentum, as MomentumOptimizer.applyGradients: a' = m·a + g; x' = c·a' + x, or with Nesterov
// x' = c·(g + a'·m) + x, where m and c = -lr are float32 scalars.
TN_SIMD void momentumRange(const float* __restrict x, const float* __restrict g, const float* __restrict a, float m, float c, bool nesterov, float* __restrict xo, float* __restrict ao, long from, long to) {
  for (long i = from; i < to; i++) {
    const float ma = m * a[i];
    const float na = ma + g[i];
    float step;
    if (nesterov) {
      const float am = na * m;
      const float ga = g[i] + am;
      step = c * ga;
    } else {
      step = c * na;
    }
    ao[i] = na;
    xo[i] = step + x[i];
  }
}

// The OpenMP loop runs over blocks and calls the cloned function on each: the loop body GCC
// outlines for OpenMP would not be cloned itself.
constexpr long kBlock = 1 << 14;
template <class F>
void blocks(long n, F f) {
  const long count = (n + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if (n >= kParallelFrom)
  for (long b = 0; b < count; b++) f(b * kBlock, b + 1 == count ? n : (b + 1) * kBlock);
}

void momentum(const float* x, const float* g, const float* a, float m, float c, bool nesterov, float* xo, float* ao, long n) {
  blocks(n, [&](long from, long to) { momentumRange(x, g, a, m, c, nesterov, xo, ao, from, to); });
}

struct AdamScalars {
  float beta1, oneMinusBeta1, beta2, oneMinusBeta2, oneMinusAcc1, oneMinusAcc2, epsilon, negLr;
};

// Adam, as AdamOptimizer.applyGradients: m' = m·β1 + g·(1-β1); v' = v·β2 + g²·(1-β2);
// x' = (m'/(1-β1ᵗ)) / (√(v'/(1-β2ᵗ)) + ε) · (-lr) + x.
TN_SIMD void adamRange(const float* __restrict x, const float* __restrict g, const float* __restrict m, const float* __restrict v, const AdamScalars& scalars, float* __restrict xo, float* __restrict mo, float* __restrict vo, long from, long to) {
  const AdamScalars s = scalars;  // a local copy: no reload from memory the outputs might alias
  for (long i = from; i < to; i++) {
    const float gi = g[i];
    const float m1 = m[i] * s.beta1;
    const float m2 = gi * s.oneMinusBeta1;
    const float nm = m1 + m2;
    const float v1 = v[i] * s.beta2;
    const float gg = gi * gi;
    const float v2 = gg * s.oneMinusBeta2;
    const float nv = v1 + v2;
    const float mh = nm / s.oneMinusAcc1;
    const float vh = nv / s.oneMinusAcc2;
    const float root = std::sqrt(vh);  // correctly rounded, as wasm's f32.sqrt
    const float den = root + s.epsilon;
    const float q = mh / den;
    const float step = q * s.negLr;
    mo[i] = nm;
    vo[i] = nv;
    xo[i] = step + x[i];
  }
}

void adam(const float* x, const float* g, const float* m, const float* v, const AdamScalars& s, float* xo, float* mo, float* vo, long n) {
  blocks(n, [&](long from, long to) { adamRange(x, g, m, v, s, xo, mo, vo, from, to); });
}

size_t count(double n) {
  if (!(n >= 1) || std::floor(n) != n) throw std::runtime_error("bad element count " + std::to_string(n));
  return size_t(n);
}

// applyMomentum(heap, [x, g, a, m, c, x', a', n, nesterov]): x, g, a, x', a' are n floats; m
// and c one float each (the optimizer's scalar tensors, read where TensorFlow.js reads them).
napi_value ApplyMomentum(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    auto [a, heap, p] = heapCall(env, info, 2);
    if (p.size() != 9) throw std::runtime_error("applyMomentum: expected 9 parameters, got " + std::to_string(p.size()));
    const size_t n = count(p[7]);
    const float m = *heapF32(heap, p[3], 1, "momentum");
    const float c = *heapF32(heap, p[4], 1, "-learningRate");
    momentum(heapF32(heap, p[0], n, "value"), heapF32(heap, p[1], n, "gradient"), heapF32(heap, p[2], n, "accumulation"), m, c, p[8] != 0,
             heapF32(heap, p[5], n, "new value"), heapF32(heap, p[6], n, "new accumulation"), long(n));
    return undefined(env);
  });
}

// applyAdam(heap, [x, g, m, v, β1ᵗ, β2ᵗ, x', m', v', n, β1, 1-β1, β2, 1-β2, ε, -lr]): β1ᵗ and
// β2ᵗ are the optimizer's float32 scalars on the heap; the rest are numbers, each rounded to
// float32 as TensorFlow.js does when it makes a scalar tensor of it.
napi_value ApplyAdam(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    auto [a, heap, p] = heapCall(env, info, 2);
    if (p.size() != 16) throw std::runtime_error("applyAdam: expected 16 parameters, got " + std::to_string(p.size()));
    const size_t n = count(p[9]);
    const float acc1 = *heapF32(heap, p[4], 1, "accBeta1");
    const float acc2 = *heapF32(heap, p[5], 1, "accBeta2");
    // sub(1, accBeta): one float32 subtraction, as the optimizer does once per step.
    const AdamScalars s{float(p[10]), float(p[11]), float(p[12]), float(p[13]), 1.0f - acc1, 1.0f - acc2, float(p[14]), float(p[15])};
    adam(heapF32(heap, p[0], n, "value"), heapF32(heap, p[1], n, "gradient"), heapF32(heap, p[2], n, "first moment"), heapF32(heap, p[3], n, "second moment"), s,
         heapF32(heap, p[6], n, "new value"), heapF32(heap, p[7], n, "new first moment"), heapF32(heap, p[8], n, "new second moment"), long(n));
    return undefined(env);
  });
}

}  // namespace

void registerOptim(napi_env env, napi_value exports) {
  setMethod(env, exports, "applyMomentum", ApplyMomentum);
  setMethod(env, exports, "applyAdam", ApplyAdam);
}

}  // namespace tn
