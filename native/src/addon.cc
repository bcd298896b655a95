// Entry point of the tnlab native addon: argument helpers, threads and what runs.
#include <cblas.h>

#include <cmath>
#include <cstring>

#include "common.h"

// OpenMP (which Debian's oneDNN uses) is reached through weak symbols, so a oneDNN built on
// another runtime (TBB, threadpool) still links and just reports no OpenMP.
extern "C" {
void omp_set_num_threads(int) __attribute__((weak));
int omp_get_max_threads(void) __attribute__((weak));
}

namespace tn {

Args args(napi_env env, napi_callback_info info, size_t n) {
  Args a{env, std::vector<napi_value>(n)};
  size_t got = n;
  if (napi_get_cb_info(env, info, &got, a.v.data(), nullptr, nullptr) != napi_ok) throw std::runtime_error("could not read the arguments");
  if (got < n) throw std::runtime_error("expected " + std::to_string(n) + " arguments, got " + std::to_string(got));
  return a;
}

double number(napi_env env, napi_value v, const char* what) {
  double x;
  if (napi_get_value_double(env, v, &x) != napi_ok) throw std::runtime_error(std::string(what) + " must be a number");
  return x;
}

Bytes bytes(napi_env env, napi_value v, const char* what) {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  if (!is) throw std::runtime_error(std::string(what) + " must be a typed array");
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, &buffer, &offset) != napi_ok)
    throw std::runtime_error(std::string("could not read the typed array ") + what);
  size_t width = 1;
  switch (type) {
    case napi_int16_array: case napi_uint16_array: width = 2; break;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: width = 4; break;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: width = 8; break;
    default: width = 1;
  }
  if (data == nullptr && length > 0) throw std::runtime_error(std::string("no data pointer for ") + what);
  return Bytes{static_cast<uint8_t*>(data), length * width};
}

std::vector<double> numbers(napi_env env, napi_value v, const char* what) {
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_value buffer;
  size_t offset;
  bool is = false;
  napi_is_typedarray(env, v, &is);
  if (!is || napi_get_typedarray_info(env, v, &type, &length, &data, &buffer, &offset) != napi_ok)
    throw std::runtime_error(std::string(what) + " must be a typed array");
  std::vector<double> out(length);
  if (type == napi_float64_array) std::memcpy(out.data(), data, length * 8);
  else if (type == napi_int32_array) for (size_t i = 0; i < length; i++) out[i] = static_cast<int32_t*>(data)[i];
  else throw std::runtime_error(std::string(what) + " must be a Float64Array or Int32Array");
  return out;
}

HeapCall heapCall(napi_env env, napi_callback_info info, size_t n) {
  Args a = args(env, info, n);
  Bytes heap = bytes(env, a.v[0], "heap");
  std::vector<double> p = numbers(env, a.v[1], "params");
  return {std::move(a), heap, std::move(p)};
}

float* heapF32(const Bytes& heap, double off, size_t count, const char* what) {
  if (!(off >= 0) || std::floor(off) != off || static_cast<size_t>(off) % 4 != 0)
    throw std::runtime_error(std::string(what) + ": bad heap offset " + std::to_string(off));
  size_t o = static_cast<size_t>(off);
  if (o > heap.length || count * 4 > heap.length - o)
    throw std::runtime_error(std::string(what) + ": " + std::to_string(count) + " floats at " + std::to_string(o) +
                             " run past the heap (" + std::to_string(heap.length) + " bytes)");
  return reinterpret_cast<float*>(heap.data + o);
}

napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}
napi_value makeNumber(napi_env env, double x) {
  napi_value r;
  napi_create_double(env, x, &r);
  return r;
}
napi_value makeString(napi_env env, const std::string& s) {
  napi_value r;
  napi_create_string_utf8(env, s.c_str(), s.size(), &r);
  return r;
}
void setMethod(napi_env env, napi_value obj, const char* name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, nullptr, &fn);
  napi_set_named_property(env, obj, name, fn);
}

static int g_threads = 1;
static int g_blasThreads = -1;

int configuredThreads() { return g_threads; }

void blasThreadsFor(double outputElements, double multiplyAdds) {
  const int want = outputElements < 16384 || multiplyAdds < 1e6 ? 1 : g_threads;
  if (want != g_blasThreads) {
    openblas_set_num_threads(want);
    g_blasThreads = want;
  }
}

// setThreads(n): the thread count of OpenBLAS and of oneDNN's OpenMP pool. Both run
// synchronously on the JavaScript thread, so they never run at the same time as each other or
// as a wasm kernel: n = the machine's cores keeps one busy thread per core.
static napi_value SetThreads(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a = args(env, info, 1);
    int n = static_cast<int>(number(env, a.v[0], "threads"));
    if (n < 1) throw std::runtime_error("threads must be at least 1");
    g_threads = n;
    openblas_set_num_threads(n);
    g_blasThreads = n;
    if (omp_set_num_threads) omp_set_num_threads(n);
    return undefined(env);
  });
}

static napi_value Threads(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    napi_value o;
    napi_create_object(env, &o);
    napi_set_named_property(env, o, "openblas", makeNumber(env, g_threads));
    napi_set_named_property(env, o, "openmp", makeNumber(env, omp_get_max_threads ? omp_get_max_threads() : 0));
    napi_set_named_property(env, o, "openblasConfig", makeString(env, openblas_get_config()));
    return o;
  });
}

}  // namespace tn

static napi_value Init(napi_env env, napi_value exports) {
  tn::setMethod(env, exports, "setThreads", tn::SetThreads);
  tn::setMethod(env, exports, "threads", tn::Threads);
  tn::registerBlas(env, exports);
  tn::registerDnnl(env, exports);
  tn::registerLapack(env, exports);
  tn::registerTT(env, exports);
  tn::registerOptim(env, exports);
  tn::registerNorm(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
