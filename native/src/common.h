// Shared helpers of the tnlab native addon: argument reading and error handling at the N-API
// boundary. Kernels throw std::exception; `guard` turns it into a JavaScript Error.
#pragma once
#include <node_api.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace tn {

struct Args {
  napi_env env;
  std::vector<napi_value> v;
};

Args args(napi_env env, napi_callback_info info, size_t n);
double number(napi_env env, napi_value v, const char* what);

// A typed array's bytes, without copying (also for views on a SharedArrayBuffer, as the
// threaded wasm heap is).
struct Bytes {
  uint8_t* data;
  size_t length;
};
Bytes bytes(napi_env env, napi_value v, const char* what);

// Typed arrays of numbers passed as parameter blocks.
std::vector<double> numbers(napi_env env, napi_value v, const char* what);

// A float32 region of the wasm heap at byte offset `off` holding `count` elements, checked
// against the heap's length so a wrong offset is an error, never a stray write.
float* heapF32(const Bytes& heap, double off, size_t count, const char* what);

// What every kernel on the wasm heap reads first: its arguments (heap, parameter block, then
// n - 2 more), the heap's bytes and the parameter block as numbers.
struct HeapCall {
  Args a;
  Bytes heap;
  std::vector<double> p;
};
HeapCall heapCall(napi_env env, napi_callback_info info, size_t n);

template <class F>
napi_value guard(napi_env env, F f) {
  try {
    return f();
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, (std::string("tnlab native: ") + e.what()).c_str());
  }
  return nullptr;
}

// OpenBLAS's thread count for the next call: the configured count (setThreads) for products
// whose output is large, one thread when it is small. OpenBLAS splits such products (e.g.
// 8×8 = Aᵀ·B with K = 200,000, a TT core's gradient) over threads that then wait on each other;
// on a busy machine that measured 20x slower than one thread (76 ms against 3.8 ms).
void blasThreadsFor(double outputElements, double multiplyAdds);
int configuredThreads();

napi_value undefined(napi_env env);
napi_value makeNumber(napi_env env, double x);
napi_value makeString(napi_env env, const std::string& s);

void registerBlas(napi_env env, napi_value exports);
void registerDnnl(napi_env env, napi_value exports);
void registerLapack(napi_env env, napi_value exports);
void registerTT(napi_env env, napi_value exports);
void registerOptim(napi_env env, napi_value exports);
void registerNorm(napi_env env, napi_value exports);
void setMethod(napi_env env, napi_value obj, const char* name, napi_callback cb);

}  // namespace tn
