// float64 linear algebra for lib/linalg through CBLAS and LAPACKE (OpenBLAS underneath), on
// the caller's Float64Arrays, row-major as lib/linalg keeps them. Inputs marked "overwritten"
// are scratch copies the caller gives away.
#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <vector>

#include "common.h"

namespace tn {

static double* f64(napi_env env, napi_value v, size_t count, const char* what) {
  Bytes b = bytes(env, v, what);
  if (b.length < count * 8) throw std::runtime_error(std::string(what) + " holds fewer than " + std::to_string(count) + " float64 values");
  return reinterpret_cast<double*>(b.data);
}
static int dim(napi_env env, napi_value v, const char* what) {
  double x = number(env, v, what);
  if (!(x >= 0) || x > 2147483647.0) throw std::runtime_error(std::string(what) + " must be a non-negative int32");
  return static_cast<int>(x);
}
static void check(lapack_int info, const char* routine) {
  if (info < 0) throw std::runtime_error(std::string(routine) + ": argument " + std::to_string(-info) + " is invalid");
}

// dgemm(A, B, C, m, n, k, transA, transB): C (m×n) = op(A)·op(B).
static napi_value Dgemm(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a = args(env, info, 8);
    int m = dim(env, a.v[3], "m"), n = dim(env, a.v[4], "n"), k = dim(env, a.v[5], "k");
    bool ta = number(env, a.v[6], "transA") != 0, tb = number(env, a.v[7], "transB") != 0;
    double* A = f64(env, a.v[0], size_t(m) * k, "A");
    double* B = f64(env, a.v[1], size_t(k) * n, "B");
    double* C = f64(env, a.v[2], size_t(m) * n, "C");
    blasThreadsFor(double(m) * n, double(m) * n * k);
    if (m && n) cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1.0, A,
                            ta ? m : k, B, tb ? k : n, 0.0, C, n);
    return undefined(env);
  });
}

// dsyevd(A (n×n, overwritten: column j becomes eigenvector j), w (n), n, vectors): ascending.
static napi_value Dsyevd(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a = args(env, info, 4);
    int n = dim(env, a.v[2], "n");
    double* A = f64(env, a.v[0], size_t(n) * n, "A");
    double* w = f64(env, a.v[1], n, "w");
    bool vectors = number(env, a.v[3], "vectors") != 0;
    blasThreadsFor(1e300, 1e300);
    lapack_int r = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, vectors ? 'V' : 'N', 'U', n, A, std::max(1, n), w);
    check(r, "dsyevd");
    if (r > 0) throw std::runtime_error("dsyevd did not converge");
    return undefined(env);
  });
}

// dgesdd(A (m×n, overwritten), m, n, s (k), U (m×k), VT (k×n)), k = min(m, n): descending.
static napi_value Dgesdd(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a = args(env, info, 6);
    int m = dim(env, a.v[1], "m"), n = dim(env, a.v[2], "n"), k = std::min(m, n);
    double* A = f64(env, a.v[0], size_t(m) * n, "A");
    double* s = f64(env, a.v[3], k, "s");
    double* U = f64(env, a.v[4], size_t(m) * k, "U");
    double* VT = f64(env, a.v[5], size_t(k) * n, "VT");
    blasThreadsFor(1e300, 1e300);
    lapack_int r = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', m, n, A, std::max(1, n), s, U, std::max(1, k), VT, std::max(1, n));
    check(r, "dgesdd");
    if (r > 0) throw std::runtime_error("dgesdd did not converge");
    return undefined(env);
  });
}

// qr(A (m×n, overwritten), m, n, Q (m×k), R (k×n)), k = min(m, n).
static napi_value Qr(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a = args(env, info, 5);
    int m = dim(env, a.v[1], "m"), n = dim(env, a.v[2], "n"), k = std::min(m, n);
    double* A = f64(env, a.v[0], size_t(m) * n, "A");
    double* Q = f64(env, a.v[3], size_t(m) * k, "Q");
    double* R = f64(env, a.v[4], size_t(k) * n, "R");
    if (k == 0) return undefined(env);
    std::vector<double> tau(k);
    blasThreadsFor(1e300, 1e300);
    check(LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, m, n, A, n, tau.data()), "dgeqrf");
    for (int i = 0; i < k; i++)
      for (int j = 0; j < n; j++) R[size_t(i) * n + j] = j >= i ? A[size_t(i) * n + j] : 0.0;
    for (int i = 0; i < m; i++)
      for (int j = 0; j < k; j++) Q[size_t(i) * k + j] = A[size_t(i) * n + j];
    check(LAPACKE_dorgqr(LAPACK_ROW_MAJOR, m, k, k, Q, k, tau.data()), "dorgqr");
    return undefined(env);
  });
}

// dgesv(A (n×n, overwritten), B (n×p, overwritten with X), n, p). Returns 0, or the 1-based
// index of the zero pivot (singular matrix).
static napi_value Dgesv(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a = args(env, info, 4);
    int n = dim(env, a.v[2], "n"), p = dim(env, a.v[3], "p");
    double* A = f64(env, a.v[0], size_t(n) * n, "A");
    double* B = f64(env, a.v[1], size_t(n) * p, "B");
    std::vector<lapack_int> ipiv(std::max(1, n));
    blasThreadsFor(1e300, 1e300);
    lapack_int r = LAPACKE_dgesv(LAPACK_ROW_MAJOR, n, p, A, std::max(1, n), ipiv.data(), B, std::max(1, p));
    check(r, "dgesv");
    return makeNumber(env, r);
  });
}

// mttkrpRanks(T, ka, kb, M, R, A, I, B): the small half of CP-ALS's dimension tree, on a
// rank-major partial tensor T (R × A × I × B): M (I × R, row-major, overwritten) with
// M[i, r] = Σ_a ka[a, r] · Σ_b T[r, a, i, b] · kb[b, r], ka (A × R) and kb (B × R) the Khatri-Rao
// rows of the modes before and after. Per rank one or two dgemv: T[r] · kb[:, r], then ·ka[:, r].
static napi_value MttkrpRanks(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a = args(env, info, 8);
    int R = dim(env, a.v[4], "R"), A = dim(env, a.v[5], "A"), I = dim(env, a.v[6], "I"), B = dim(env, a.v[7], "B");
    const size_t slab = size_t(A) * I * B;
    const double* T = f64(env, a.v[0], size_t(R) * slab, "T");
    const double* ka = f64(env, a.v[1], size_t(A) * R, "ka");
    const double* kb = f64(env, a.v[2], size_t(B) * R, "kb");
    double* M = f64(env, a.v[3], size_t(I) * R, "M");
    if (R == 0 || I == 0) return undefined(env);
    if (A == 0 || B == 0) {
      std::fill(M, M + size_t(I) * R, 0.0);
      return undefined(env);
    }
    blasThreadsFor(double(I) * R, double(slab) * R);
    std::vector<double> tmp(B > 1 && A > 1 ? size_t(A) * I : 0);
    for (int r = 0; r < R; r++) {
      const double* Tr = T + size_t(r) * slab;
      if (B == 1) {
        // Σ_a (ka[a, r] kb[0, r]) T[r, a, :]: T[r] as A × I, transposed, times column r of ka.
        cblas_dgemv(CblasRowMajor, CblasTrans, A, I, kb[r], Tr, I, ka + r, R, 0.0, M + r, R);
      } else if (A == 1) {
        cblas_dgemv(CblasRowMajor, CblasNoTrans, I, B, ka[r], Tr, B, kb + r, R, 0.0, M + r, R);
      } else {
        cblas_dgemv(CblasRowMajor, CblasNoTrans, A * I, B, 1.0, Tr, B, kb + r, R, 0.0, tmp.data(), 1);
        cblas_dgemv(CblasRowMajor, CblasTrans, A, I, 1.0, tmp.data(), I, ka + r, R, 0.0, M + r, R);
      }
    }
    return undefined(env);
  });
}

void registerLapack(napi_env env, napi_value exports) {
  setMethod(env, exports, "mttkrpRanks", MttkrpRanks);
  setMethod(env, exports, "dgemm", Dgemm);
  setMethod(env, exports, "dsyevd", Dsyevd);
  setMethod(env, exports, "dgesdd", Dgesdd);
  setMethod(env, exports, "qr", Qr);
  setMethod(env, exports, "dgesv", Dgesv);
}

}  // namespace tn
