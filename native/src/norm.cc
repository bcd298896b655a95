// Batch normalisation on the wasm heap for per-channel statistics (x is rows x channels,
// channels last, as every BatchNormalization layer here): the batch moments with their gradient,
// and FusedBatchNorm with its gradient. TensorFlow.js builds each from several whole-tensor ops (a
// subtraction, a square, two means, broadcast products and sums, tiles); these are one or two
// passes, with sums in double.
#include <cmath>

#include "common.h"

namespace tn {
namespace {

// moments(heap, [x, mean, variance, rows, channels]): mean[c] = Σ_r x[r, c] / rows and
// variance[c] = Σ_r (x[r, c] - mean[c])² / rows, as tf.moments (two passes, so the variance is
// not a difference of large numbers).
napi_value Moments(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    auto [a, heap, p] = heapCall(env, info, 2);
    if (p.size() != 5) throw std::runtime_error("moments: expected 5 parameters, got " + std::to_string(p.size()));
    const size_t M = size_t(p[3]), C = size_t(p[4]);
    if (M == 0) throw std::runtime_error("moments: no rows");
    const float* x = heapF32(heap, p[0], M * C, "x");
    float* mean = heapF32(heap, p[1], C, "mean");
    float* var = heapF32(heap, p[2], C, "variance");
    std::vector<double> s(C, 0.0), q(C, 0.0);
    for (size_t m = 0; m < M; m++) {
      const float* r = x + m * C;
      for (size_t c = 0; c < C; c++) s[c] += r[c];
    }
    for (size_t c = 0; c < C; c++) s[c] /= double(M);
    for (size_t m = 0; m < M; m++) {
      const float* r = x + m * C;
      for (size_t c = 0; c < C; c++) {
        const double d = r[c] - s[c];
        q[c] += d * d;
      }
    }
    for (size_t c = 0; c < C; c++) {
      mean[c] = float(s[c]);
      var[c] = float(q[c] / double(M));
    }
    return undefined(env);
  });
}

// momentsGrad(heap, [x, mean, dMean (-1: none), dVariance (-1: none), dx, rows, channels]):
// dx[r, c] = dMean[c] / rows + dVariance[c] · 2 (x[r, c] - mean[c]) / rows.
napi_value MomentsGrad(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    auto [a, heap, p] = heapCall(env, info, 2);
    if (p.size() != 7) throw std::runtime_error("momentsGrad: expected 7 parameters, got " + std::to_string(p.size()));
    const size_t M = size_t(p[5]), C = size_t(p[6]);
    if (M == 0) throw std::runtime_error("momentsGrad: no rows");
    const float* x = heapF32(heap, p[0], M * C, "x");
    const float* mean = heapF32(heap, p[1], C, "mean");
    const float* dMean = p[2] >= 0 ? heapF32(heap, p[2], C, "dMean") : nullptr;
    const float* dVar = p[3] >= 0 ? heapF32(heap, p[3], C, "dVariance") : nullptr;
    float* dx = heapF32(heap, p[4], M * C, "dx");
    std::vector<float> a0(C), a1(C), mu(C);
    for (size_t c = 0; c < C; c++) {
      a0[c] = dMean ? float(double(dMean[c]) / double(M)) : 0.f;
      a1[c] = dVar ? float(2.0 * double(dVar[c]) / double(M)) : 0.f;
      mu[c] = mean[c];
    }
    for (size_t m = 0; m < M; m++) {
      const float* r = x + m * C;
      float* o = dx + m * C;
      for (size_t c = 0; c < C; c++) o[c] = a0[c] + a1[c] * (r[c] - mu[c]);
    }
    return undefined(env);
  });
}

// batchNormForward(heap, [x, mean, variance, offset (-1: none), scale (-1: none), y, rows,
// channels, epsilon]): TensorFlow.js's FusedBatchNorm for per-channel statistics,
// y = (x - mean) · scale / sqrt(variance + epsilon) + offset, with the per-channel factor
// computed once (wasm's kernel recomputes it per element, without SIMD across channels).
napi_value BatchNormForward(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    auto [a, heap, p] = heapCall(env, info, 2);
    if (p.size() != 9) throw std::runtime_error("batchNormForward: expected 9 parameters, got " + std::to_string(p.size()));
    const size_t M = size_t(p[6]), C = size_t(p[7]);
    const float eps = float(p[8]);
    const float* x = heapF32(heap, p[0], M * C, "x");
    const float* mean = heapF32(heap, p[1], C, "mean");
    const float* var = heapF32(heap, p[2], C, "variance");
    const float* offset = p[3] >= 0 ? heapF32(heap, p[3], C, "offset") : nullptr;
    const float* scale = p[4] >= 0 ? heapF32(heap, p[4], C, "scale") : nullptr;
    float* y = heapF32(heap, p[5], M * C, "y");
    std::vector<float> k(C), b(C), mu(C);
    for (size_t c = 0; c < C; c++) {
      k[c] = (scale ? scale[c] : 1.f) / std::sqrt(var[c] + eps);
      b[c] = offset ? offset[c] : 0.f;
      mu[c] = mean[c];
    }
    for (size_t m = 0; m < M; m++) {
      const float* r = x + m * C;
      float* o = y + m * C;
      for (size_t c = 0; c < C; c++) o[c] = (r[c] - mu[c]) * k[c] + b[c];
    }
    return undefined(env);
  });
}

// batchNormGrad(heap, [x, dy, mean, variance, scale (-1: none), dx, dMean, dVariance, dScale,
// dOffset, rows, channels, epsilon]): every gradient of TensorFlow.js's FusedBatchNorm for
// per-channel statistics (x is rows×channels, channels last) in one pass, where its own
// gradient builds them from a dozen whole-tensor ops (tile, products, sums). The same
// formulas as tfjs-core's FusedBatchNorm_grad, sums in double.
napi_value BatchNormGrad(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    auto [a, heap, p] = heapCall(env, info, 2);
    if (p.size() < 13) throw std::runtime_error("batchNormGrad needs 13 parameters");
    const size_t M = size_t(p[10]), C = size_t(p[11]);
    const double eps = p[12];
    const float* x = heapF32(heap, p[0], M * C, "x");
    const float* dy = heapF32(heap, p[1], M * C, "dy");
    const float* mean = heapF32(heap, p[2], C, "mean");
    const float* var = heapF32(heap, p[3], C, "variance");
    const float* scale = p[4] >= 0 ? heapF32(heap, p[4], C, "scale") : nullptr;
    float* dx = heapF32(heap, p[5], M * C, "dx");
    float* dMean = heapF32(heap, p[6], C, "dMean");
    float* dVar = heapF32(heap, p[7], C, "dVariance");
    float* dScale = heapF32(heap, p[8], C, "dScale");
    float* dOffset = heapF32(heap, p[9], C, "dOffset");
    // The same float32 steps as the op-by-op gradient for the per-channel factors.
    std::vector<float> r(C), sr(C);
    std::vector<double> sumDy(C, 0.0), sumDyXm(C, 0.0);
    for (size_t c = 0; c < C; c++) {
      r[c] = 1.f / std::sqrt(var[c] + static_cast<float>(eps));
      sr[c] = (scale ? scale[c] : 1.f) * r[c];
    }
    for (size_t m = 0; m < M; m++) {
      const float* xr = x + m * C;
      const float* dr = dy + m * C;
      float* o = dx + m * C;
      for (size_t c = 0; c < C; c++) {
        o[c] = dr[c] * sr[c];
        sumDy[c] += dr[c];
        sumDyXm[c] += double(dr[c]) * (xr[c] - mean[c]);
      }
    }
    for (size_t c = 0; c < C; c++) {
      const double s = scale ? scale[c] : 1.0;
      dOffset[c] = float(sumDy[c]);
      dScale[c] = float(sumDyXm[c] * r[c]);
      dMean[c] = float(-double(r[c]) * s * sumDy[c]);
      dVar[c] = float(-0.5 * double(r[c]) * r[c] * r[c] * s * sumDyXm[c]);
    }
    return undefined(env);
  });
}

}  // namespace

void registerNorm(napi_env env, napi_value exports) {
  setMethod(env, exports, "moments", Moments);
  setMethod(env, exports, "momentsGrad", MomentsGrad);
  setMethod(env, exports, "batchNormForward", BatchNormForward);
  setMethod(env, exports, "batchNormGrad", BatchNormGrad);
}

}  // namespace tn
