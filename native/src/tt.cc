// A whole TT-matrix layer product y = x·W (W held as TT cores) and its gradients in one call, on
// the wasm heap. Through TensorFlow.js ops the chain costs a matmul, a 5-D transpose and several
// reshapes per core and about three times as many kernels backward, each touching an
// intermediate of the whole batch; here there is no transpose at all and nothing crosses the
// kernel boundary but x, the cores, y and (when the caller keeps them for the backward pass, which
// then skips recomputing them) the intermediates z_2..z_d.
//
// Layout: before core k the intermediate is z_k = [P_k, r_{k-1} m_k, Q_k] with P_k = B·∏_{l<k} n_l
// and Q_k = ∏_{l>k} m_l (row-major multi-indices, first mode slowest). With the core as the
// matrix G_k = [r_{k-1} m_k, n_k r_k], each slice is z_{k+1}[p] = G_kᵀ · z_k[p] ([n_k r_k, Q_k]),
// which is already z_{k+1}'s layout [P_{k+1}, r_k m_{k+1}, Q_{k+1}]. z_1 = x [B, M] and
// z_{d+1} = y [B, N].
#include <cblas.h>

#include <cstring>

#include "common.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#pragma GCC optimize("O3")
#define TN_SIMD __attribute__((target_clones("arch=haswell", "default")))
#else
#define TN_SIMD
#endif

namespace tn {

namespace {

struct Chain {
  int B = 0, d = 0;
  std::vector<int> m, n, r;
  std::vector<size_t> P, Q, A, C;  // per core: slices, slice columns, rows of G_k, columns of G_k
  size_t M = 1, N = 1;

  // params: [B, d, m_1..m_d, n_1..n_d, r_0..r_d] starting at p[at]; returns the index after them.
  size_t read(const std::vector<double>& p, size_t at) {
    if (p.size() < at + 2) throw std::runtime_error("TT chain: missing batch and core count");
    B = int(p[at]);
    d = int(p[at + 1]);
    if (B < 1 || d < 1 || p.size() < at + 2 + 3 * size_t(d) + 1) throw std::runtime_error("TT chain: bad parameter block");
    at += 2;
    for (int k = 0; k < d; k++) m.push_back(int(p[at + k]));
    for (int k = 0; k < d; k++) n.push_back(int(p[at + d + k]));
    for (int k = 0; k <= d; k++) r.push_back(int(p[at + 2 * d + k]));
    if (r[0] != 1 || r[d] != 1) throw std::runtime_error("TT chain: the outer ranks must be 1");
    for (int k = 0; k < d; k++) M *= m[k], N *= n[k];
    size_t pk = B;
    for (int k = 0; k < d; k++) {
      size_t q = 1;
      for (int l = k + 1; l < d; l++) q *= m[l];
      P.push_back(pk);
      Q.push_back(q);
      A.push_back(size_t(r[k]) * m[k]);
      C.push_back(size_t(n[k]) * r[k + 1]);
      pk *= n[k];
    }
    return at + 3 * size_t(d) + 1;
  }
  size_t size(int k) const { return P[k] * A[k] * Q[k]; }  // elements of z_k
  size_t coreSize(int k) const { return A[k] * C[k]; }
};

// y[0..n) += g · x[0..n): the inner loop of every slice product (contiguous, vectorized).
static inline __attribute__((always_inline)) void axpy(float* y, const float* x, float g, int n) {
  for (int i = 0; i < n; i++) y[i] += g * x[i];
}

// Σ x[i]·y[i] with eight partial sums, so the compiler vectorizes it without -ffast-math.
static inline __attribute__((always_inline)) float dot(const float* x, const float* y, int n) {
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; j++) s[j] += x[i + j] * y[i + j];
  float t = 0;
  for (; i < n; i++) t += x[i] * y[i];
  return t + ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

// out[i, :] = Σ_j w(i, j) · in[j, :] for i < rows, over columns of width Q, with w(i, j) =
// w[i·wi + j·wj]: both slice products have this form. Columns go in blocks of 64 held in
// registers across the whole sum, so each output block is written once.
static inline __attribute__((always_inline)) void combineRows(const float* w, int wi, int wj, const float* in, float* out, int rows, int J, int Q) {
  constexpr int W = 64;
  int q0 = 0;
  for (; q0 + W <= Q; q0 += W) {
    for (int i = 0; i < rows; i++) {
      float acc[W] = {};
      for (int j = 0; j < J; j++) {
        const float g = w[i * wi + j * wj];
        const float* src = in + size_t(j) * Q + q0;
        for (int t = 0; t < W; t++) acc[t] += g * src[t];
      }
      float* dst = out + size_t(i) * Q + q0;
      for (int t = 0; t < W; t++) dst[t] = acc[t];
    }
  }
  if (q0 == Q) return;
  const int rest = Q - q0;
  for (int i = 0; i < rows; i++) {
    float* dst = out + size_t(i) * Q + q0;
    std::memset(dst, 0, sizeof(float) * rest);
    for (int j = 0; j < J; j++) axpy(dst, in + size_t(j) * Q + q0, w[i * wi + j * wj], rest);
  }
}

// dg[a, j] += Σ_q z[a, q] · d[j, q]: 2 x 4 rows at a time with eight-wide partial sums in
// registers (six loads per eight multiply-adds instead of two per one), the edges by dot().
static inline __attribute__((always_inline)) void gramRows(const float* z, const float* d, float* dg, int A, int C, int Q) {
  const int A2 = A - A % 2, C4 = C - C % 4, Q8 = Q - Q % 8;
  for (int a = 0; a < A2; a += 2) {
    for (int j = 0; j < C4; j += 4) {
      float acc[2][4][8] = {};
      for (int q = 0; q < Q8; q += 8)
        for (int u = 0; u < 2; u++)
          for (int v = 0; v < 4; v++)
            for (int t = 0; t < 8; t++) acc[u][v][t] += z[size_t(a + u) * Q + q + t] * d[size_t(j + v) * Q + q + t];
      for (int u = 0; u < 2; u++)
        for (int v = 0; v < 4; v++) {
          float s = 0;
          for (int q = Q8; q < Q; q++) s += z[size_t(a + u) * Q + q] * d[size_t(j + v) * Q + q];
          const float* r = acc[u][v];
          dg[size_t(a + u) * C + j + v] += s + ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        }
    }
    for (int j = C4; j < C; j++)
      for (int u = 0; u < 2; u++) dg[size_t(a + u) * C + j] += dot(z + size_t(a + u) * Q, d + size_t(j) * Q, Q);
  }
  for (int a = A2; a < A; a++)
    for (int j = 0; j < C; j++) dg[size_t(a) * C + j] += dot(z + size_t(a) * Q, d + size_t(j) * Q, Q);
}

// One slice forward: out[C, Q] = Gᵀ · z[A, Q] (G is [A, C]). Compiled for AVX2+FMA too (picked
// at load time where the CPU has it); the rest of the addon keeps the distribution's baseline.
TN_SIMD void sliceForward(const float* g, const float* z, float* out, int A, int C, int Q) {
  combineRows(g, 1, C, z, out, C, A, Q);
}

// One slice backward: dg[A, C] += z · doutᵀ and (when wanted) dz[A, Q] = G · dout.
TN_SIMD void sliceBackward(const float* g, const float* z, const float* dout, float* dg, float* dz, int A, int C, int Q) {
  gramRows(z, dout, dg, A, C, Q);
  if (dz) combineRows(g, C, 1, dout, dz, A, C, Q);
}

// z_{k+1}[p] = G_kᵀ · z_k[p] for every slice p, the slices spread over the OpenMP pool (the one
// oneDNN uses; OpenBLAS is not called inside it). Slices are small (r m_k × Q_k), so plain loops
// beat a BLAS call per slice. With Q_k = 1 (the last core) each slice is one row and the whole
// step is one product [P, A] · [A, C], which OpenBLAS runs.
void forwardStep(const Chain& c, int k, const float* g, const float* z, float* out) {
  const int A = int(c.A[k]), C = int(c.C[k]), Q = int(c.Q[k]);
  const long P = long(c.P[k]);
  if (Q == 1) {
    blasThreadsFor(double(P) * C, double(P) * C * A);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(P), C, A, 1.f, z, A, g, C, 0.f, out, C);
    return;
  }
#pragma omp parallel for schedule(static)
  for (long p = 0; p < P; p++) sliceForward(g, z + size_t(p) * A * Q, out + size_t(p) * C * Q, A, C, Q);
}

// dG_k = Σ_p z_k[p] · dz_{k+1}[p]ᵀ and dz_k[p] = G_k · dz_{k+1}[p] (dz null: not wanted).
void backwardStep(const Chain& c, int k, const float* g, const float* z, const float* dout, float* dg, float* dz) {
  const int A = int(c.A[k]), C = int(c.C[k]), Q = int(c.Q[k]);
  const long P = long(c.P[k]);
  if (Q == 1) {
    blasThreadsFor(double(A) * C, double(P) * C * A);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, A, C, int(P), 1.f, z, A, dout, C, 0.f, dg, C);
    blasThreadsFor(double(P) * A, double(P) * C * A);
    if (dz) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(P), A, C, 1.f, dout, C, g, C, 0.f, dz, A);
    return;
  }
  const size_t gs = size_t(A) * C;
  std::memset(dg, 0, sizeof(float) * gs);
#pragma omp parallel
  {
    std::vector<float> part(gs, 0.f);  // this thread's share of dG, added up at the end
#pragma omp for schedule(static)
    for (long p = 0; p < P; p++) {
      sliceBackward(g, z + size_t(p) * A * Q, dout + size_t(p) * C * Q, part.data(), dz ? dz + size_t(p) * A * Q : nullptr, A, C, Q);
    }
#pragma omp critical
    for (size_t i = 0; i < gs; i++) dg[i] += part[i];
  }
}

// Scratch buffers kept between calls (the addon is called from the JavaScript thread only): fresh
// multi-megabyte allocations each step measured a third of the backward pass in page faults.
float* scratch(size_t slot, size_t count) {
  static std::vector<std::vector<float>> buffers;
  if (buffers.size() <= slot) buffers.resize(slot + 1);
  if (buffers[slot].size() < count) buffers[slot].resize(count);
  return buffers[slot].data();
}

std::vector<float*> cores(const Bytes& heap, const std::vector<double>& p, size_t at, const Chain& c, const char* what) {
  std::vector<float*> out;
  for (int k = 0; k < c.d; k++) out.push_back(heapF32(heap, p[at + k], c.coreSize(k), what));
  return out;
}

// A call's parameter block: `fixed` heap offsets, `perCore` offsets per core, then the chain's
// [B, d, m.., n.., r..]. Its length fixes d; the stored d must agree.
Chain readChain(const std::vector<double>& p, size_t fixed, size_t perCore, const char* what) {
  const size_t tail = fixed + 3;  // the offsets, B, d and r_0
  if (p.size() < tail + perCore + 3 || (p.size() - tail) % (perCore + 3) != 0)
    throw std::runtime_error(std::string(what) + ": bad parameter block length " + std::to_string(p.size()));
  const size_t d = (p.size() - tail) / (perCore + 3);
  Chain c;
  c.read(p, fixed + perCore * d);
  if (size_t(c.d) != d) throw std::runtime_error(std::string(what) + ": the core count does not match the parameter block");
  return c;
}

// The intermediates z_2..z_d (inputs of cores 2..d) packed one after another: what the forward
// pass can hand to the backward pass so that it does not recompute them.
size_t keptSize(const Chain& c) {
  size_t total = 0;
  for (int k = 1; k < c.d; k++) total += c.size(k);
  return total;
}

// ttChainForward(heap, [x, y, kept, core_1..core_d, B, d, m.., n.., r..]); kept < 0: the
// intermediates go to scratch, else to kept (keptSize floats) for ttChainBackward.
napi_value TTChainForward(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    auto [a, heap, p] = heapCall(env, info, 2);
    const Chain c = readChain(p, 3, 1, "ttChainForward");
    const float* x = heapF32(heap, p[0], size_t(c.B) * c.M, "x");
    float* y = heapF32(heap, p[1], size_t(c.B) * c.N, "y");
    float* kept = p[2] < 0 || c.d < 2 ? nullptr : heapF32(heap, p[2], keptSize(c), "kept");
    std::vector<float*> g = cores(heap, p, 3, c, "core");
    const float* z = x;
    for (int k = 0; k < c.d; k++) {
      float* out = k == c.d - 1 ? y : kept ? kept : scratch(k & 1, c.size(k + 1));
      forwardStep(c, k, g[k], z, out);
      z = out;
      if (kept && k < c.d - 1) kept += c.size(k + 1);
    }
    return undefined(env);
  });
}

// ttChainBackward(heap, [x, dy, dx, kept, core_1..core_d, dcore_1..dcore_d, B, d, m.., n.., r..])
// kept: the forward pass's intermediates (ttChainForward's kept), or < 0 to recompute them here;
// both give the same bits (the same forwardStep on the same inputs).
napi_value TTChainBackward(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    auto [a, heap, p] = heapCall(env, info, 2);
    const Chain c = readChain(p, 4, 2, "ttChainBackward");
    const float* x = heapF32(heap, p[0], size_t(c.B) * c.M, "x");
    const float* dy = heapF32(heap, p[1], size_t(c.B) * c.N, "dy");
    float* dx = p[2] < 0 ? nullptr : heapF32(heap, p[2], size_t(c.B) * c.M, "dx");
    float* kept = p[3] < 0 || c.d < 2 ? nullptr : heapF32(heap, p[3], keptSize(c), "kept");
    std::vector<float*> g = cores(heap, p, 4, c, "core");
    std::vector<float*> dg = cores(heap, p, 4 + size_t(c.d), c, "dcore");
    std::vector<const float*> z(c.d, nullptr);  // z[k] = input of core k (z[0] is x, not stored)
    for (int k = 0; k + 1 < c.d; k++) {
      if (kept) {
        z[k + 1] = kept;
        kept += c.size(k + 1);
        continue;
      }
      float* out = scratch(2 + k, c.size(k + 1));
      forwardStep(c, k, g[k], k == 0 ? x : z[k], out);
      z[k + 1] = out;
    }
    // dz_k alternates between scratch slots 0 and 1 (the forward pass's, free here).
    const float* dout = dy;
    for (int k = c.d - 1; k >= 0; k--) {
      float* dz = k > 0 ? scratch(k & 1, c.size(k)) : dx;
      backwardStep(c, k, g[k], k == 0 ? x : z[k], dout, dg[k], dz);
      dout = dz;
    }
    return undefined(env);
  });
}

}  // namespace

void registerTT(napi_env env, napi_value exports) {
  setMethod(env, exports, "ttChainForward", TTChainForward);
  setMethod(env, exports, "ttChainBackward", TTChainBackward);
}

}  // namespace tn
