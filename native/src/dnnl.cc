// Convolutions (plain and depthwise, forward and both gradients) and pooling on the wasm heap
// through oneDNN. Activations and gradients stay in TensorFlow.js's NHWC layout, described to
// oneDNN by strides, so oneDNN reads and writes the heap in place; only the filter, which is
// small, is reordered into the layout oneDNN's fastest implementation asks for.
#include <oneapi/dnnl/dnnl.hpp>

#include <string>
#include <unordered_map>

#include "common.h"
#include "epilogue.h"

namespace tn {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

static dnnl::engine& eng() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}
static dnnl::stream& strm() {
  static dnnl::stream s(eng());
  return s;
}

// The shape of one convolution, in TensorFlow.js's terms (NHWC input, HWIO filter; for
// depthwise, groups = C and the filter is [KH, KW, C, OC / C]).
struct Conv {
  memory::dim N, H, W, C, KH, KW, OC, OH, OW, sH, sW, dH, dW, pT, pL, pB, pR, G;
  explicit Conv(const std::vector<double>& d) {
    if (d.size() < 18) throw std::runtime_error("convolution needs 18 shape parameters");
    memory::dim* f[] = {&N, &H, &W, &C, &KH, &KW, &OC, &OH, &OW, &sH, &sW, &dH, &dW, &pT, &pL, &pB, &pR, &G};
    for (int i = 0; i < 18; i++) *f[i] = static_cast<memory::dim>(d[i]);
    if (G != 1 && G != C) throw std::runtime_error("groups must be 1 or the channel count");
  }
  size_t xCount() const { return size_t(N * H * W * C); }
  size_t yCount() const { return size_t(N * OH * OW * OC); }
  size_t wCount() const { return size_t(KH * KW * C * (G == 1 ? OC : OC / C)); }
  memory::desc src() const { return memory::desc({N, C, H, W}, dt::f32, {H * W * C, 1, W * C, C}); }
  memory::desc dst() const { return memory::desc({N, OC, OH, OW}, dt::f32, {OH * OW * OC, 1, OW * OC, OC}); }
  memory::desc weights() const {
    if (G == 1) return memory::desc({OC, C, KH, KW}, dt::f32, {1, OC, KW * C * OC, C * OC});
    const memory::dim M = OC / C;
    return memory::desc({C, M, 1, KH, KW}, dt::f32, {M, 1, C * M, KW * C * M, C * M});
  }
  memory::desc weightsAny() const {
    if (G == 1) return memory::desc({OC, C, KH, KW}, dt::f32, tag::any);
    return memory::desc({C, OC / C, 1, KH, KW}, dt::f32, tag::any);
  }
  memory::dims strides() const { return {sH, sW}; }
  memory::dims dilates() const { return {dH - 1, dW - 1}; }  // oneDNN counts the gaps
  memory::dims padL() const { return {pT, pL}; }
  memory::dims padR() const { return {pB, pR}; }
  dnnl::convolution_forward::desc fwdDesc(dnnl::prop_kind kind, bool bias) const {
    if (bias)
      return dnnl::convolution_forward::desc(kind, dnnl::algorithm::convolution_direct, src(), weightsAny(),
                                             memory::desc({OC}, dt::f32, tag::a), dst(), strides(), dilates(), padL(), padR());
    return dnnl::convolution_forward::desc(kind, dnnl::algorithm::convolution_direct, src(), weightsAny(), dst(), strides(),
                                           dilates(), padL(), padR());
  }
};

static std::string lastImpl;  // which oneDNN implementation ran last (tests and info read it)

static void reorder(const memory& from, const memory& to) {
  dnnl::reorder(from, to).execute(strm(), const_cast<memory&>(from), const_cast<memory&>(to));
}

// conv2dForward(heap, shape, [x, w, bias (-1: none), y, activation, alpha])
static napi_value Conv2dForward(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a = args(env, info, 3);
    Bytes heap = bytes(env, a.v[0], "heap");
    Conv c(numbers(env, a.v[1], "shape"));
    std::vector<double> p = numbers(env, a.v[2], "params");
    float* x = heapF32(heap, p[0], c.xCount(), "x");
    float* w = heapF32(heap, p[1], c.wCount(), "filter");
    const bool hasBias = p[2] >= 0;
    float* bias = hasBias ? heapF32(heap, p[2], size_t(c.OC), "bias") : nullptr;
    float* y = heapF32(heap, p[3], c.yCount(), "y");
    const int act = static_cast<int>(p[4]);
    const float alpha = static_cast<float>(p[5]);
    dnnl::post_ops ops;
    switch (act) {
      case ACT_LINEAR: break;
      case ACT_RELU: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f); break;
      case ACT_LEAKYRELU: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, alpha, 0.f); break;
      case ACT_RELU6: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_clip, 0.f, 6.f); break;
      case ACT_SIGMOID: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_logistic, 0.f, 0.f); break;
      case ACT_ELU: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_elu, 1.f, 0.f); break;
      default: throw std::runtime_error("unknown activation code " + std::to_string(act));
    }
    dnnl::primitive_attr attr;
    attr.set_post_ops(ops);
    dnnl::convolution_forward::primitive_desc pd(c.fwdDesc(dnnl::prop_kind::forward_inference, hasBias), attr, eng());
    lastImpl = pd.impl_info_str();
    memory xm(c.src(), eng(), x), ym(c.dst(), eng(), y), wUser(c.weights(), eng(), w);
    memory wm = wUser;
    if (pd.weights_desc() != c.weights()) {
      wm = memory(pd.weights_desc(), eng());
      reorder(wUser, wm);
    }
    std::unordered_map<int, memory> io{{DNNL_ARG_SRC, xm}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, ym}};
    if (hasBias) io.insert({DNNL_ARG_BIAS, memory(memory::desc({c.OC}, dt::f32, tag::a), eng(), bias)});
    dnnl::convolution_forward(pd).execute(strm(), io);
    strm().wait();
    return undefined(env);
  });
}

// conv2dBackwardData(heap, shape, [dy, w, dx])
static napi_value Conv2dBackwardData(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a = args(env, info, 3);
    Bytes heap = bytes(env, a.v[0], "heap");
    Conv c(numbers(env, a.v[1], "shape"));
    std::vector<double> p = numbers(env, a.v[2], "params");
    float* dy = heapF32(heap, p[0], c.yCount(), "dy");
    float* w = heapF32(heap, p[1], c.wCount(), "filter");
    float* dx = heapF32(heap, p[2], c.xCount(), "dx");
    dnnl::convolution_forward::primitive_desc hint(c.fwdDesc(dnnl::prop_kind::forward_training, false), eng());
    dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, c.src(), c.weightsAny(), c.dst(), c.strides(),
                                            c.dilates(), c.padL(), c.padR());
    dnnl::convolution_backward_data::primitive_desc pd(d, eng(), hint);
    lastImpl = pd.impl_info_str();
    memory dym(c.dst(), eng(), dy), dxm(c.src(), eng(), dx), wUser(c.weights(), eng(), w);
    memory wm = wUser;
    if (pd.weights_desc() != c.weights()) {
      wm = memory(pd.weights_desc(), eng());
      reorder(wUser, wm);
    }
    dnnl::convolution_backward_data(pd).execute(strm(), {{DNNL_ARG_DIFF_DST, dym}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DIFF_SRC, dxm}});
    strm().wait();
    return undefined(env);
  });
}

// conv2dBackwardWeights(heap, shape, [x, dy, dw])
static napi_value Conv2dBackwardWeights(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a = args(env, info, 3);
    Bytes heap = bytes(env, a.v[0], "heap");
    Conv c(numbers(env, a.v[1], "shape"));
    std::vector<double> p = numbers(env, a.v[2], "params");
    float* x = heapF32(heap, p[0], c.xCount(), "x");
    float* dy = heapF32(heap, p[1], c.yCount(), "dy");
    float* dw = heapF32(heap, p[2], c.wCount(), "dw");
    dnnl::convolution_forward::primitive_desc hint(c.fwdDesc(dnnl::prop_kind::forward_training, false), eng());
    dnnl::convolution_backward_weights::desc d(dnnl::algorithm::convolution_direct, c.src(), c.weightsAny(), c.dst(), c.strides(),
                                               c.dilates(), c.padL(), c.padR());
    dnnl::convolution_backward_weights::primitive_desc pd(d, eng(), hint);
    lastImpl = pd.impl_info_str();
    memory xm(c.src(), eng(), x), dym(c.dst(), eng(), dy), dwUser(c.weights(), eng(), dw);
    const bool direct = pd.diff_weights_desc() == c.weights();
    memory dwm = direct ? dwUser : memory(pd.diff_weights_desc(), eng());
    dnnl::convolution_backward_weights(pd).execute(strm(), {{DNNL_ARG_SRC, xm}, {DNNL_ARG_DIFF_DST, dym}, {DNNL_ARG_DIFF_WEIGHTS, dwm}});
    if (!direct) reorder(dwm, dwUser);
    strm().wait();
    return undefined(env);
  });
}

// Pooling shape: [N, H, W, C, KH, KW, OH, OW, sH, sW, pT, pL, pB, pR]
struct Pool {
  memory::dim N, H, W, C, KH, KW, OH, OW, sH, sW, pT, pL, pB, pR;
  explicit Pool(const std::vector<double>& d) {
    if (d.size() < 14) throw std::runtime_error("pooling needs 14 shape parameters");
    memory::dim* f[] = {&N, &H, &W, &C, &KH, &KW, &OH, &OW, &sH, &sW, &pT, &pL, &pB, &pR};
    for (int i = 0; i < 14; i++) *f[i] = static_cast<memory::dim>(d[i]);
  }
  memory::desc src() const { return memory::desc({N, C, H, W}, dt::f32, {H * W * C, 1, W * C, C}); }
  memory::desc dst() const { return memory::desc({N, C, OH, OW}, dt::f32, {OH * OW * C, 1, OW * C, C}); }
  dnnl::pooling_forward::desc fwd(dnnl::prop_kind kind, dnnl::algorithm alg) const {
    return dnnl::pooling_forward::desc(kind, alg, src(), dst(), {sH, sW}, {KH, KW}, {pT, pL}, {pB, pR});
  }
};

// poolForward(heap, shape, [x, y, isMax])
static napi_value PoolForward(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a = args(env, info, 3);
    Bytes heap = bytes(env, a.v[0], "heap");
    Pool s(numbers(env, a.v[1], "shape"));
    std::vector<double> p = numbers(env, a.v[2], "params");
    float* x = heapF32(heap, p[0], size_t(s.N * s.H * s.W * s.C), "x");
    float* y = heapF32(heap, p[1], size_t(s.N * s.OH * s.OW * s.C), "y");
    // Average pooling divides by the number of input values inside the window, as TensorFlow.js does.
    auto alg = p[2] != 0 ? dnnl::algorithm::pooling_max : dnnl::algorithm::pooling_avg_exclude_padding;
    dnnl::pooling_forward::primitive_desc pd(s.fwd(dnnl::prop_kind::forward_inference, alg), eng());
    lastImpl = pd.impl_info_str();
    dnnl::pooling_forward(pd).execute(strm(), {{DNNL_ARG_SRC, memory(s.src(), eng(), x)}, {DNNL_ARG_DST, memory(s.dst(), eng(), y)}});
    strm().wait();
    return undefined(env);
  });
}

// poolBackward(heap, shape, [x, dy, dx, isMax]). Max pooling's gradient needs the forward
// pass's workspace (where each maximum was); TensorFlow.js does not keep it, so the forward
// pass is re-run into scratch memory first (it costs a fraction of the backward pass).
// Average pooling's gradient spreads dy / (KH·KW) over every window, padded or not: that is
// what TensorFlow.js's AvgPoolGrad computes (its cpu and wasm kernels alike), so it is kept.
static napi_value PoolBackward(napi_env env, napi_callback_info info) {
  return guard(env, [&] {
    Args a = args(env, info, 3);
    Bytes heap = bytes(env, a.v[0], "heap");
    Pool s(numbers(env, a.v[1], "shape"));
    std::vector<double> p = numbers(env, a.v[2], "params");
    const bool isMax = p[3] != 0;
    const size_t xn = size_t(s.N * s.H * s.W * s.C), yn = size_t(s.N * s.OH * s.OW * s.C);
    float* x = isMax ? heapF32(heap, p[0], xn, "x") : nullptr;
    float* dy = heapF32(heap, p[1], yn, "dy");
    float* dx = heapF32(heap, p[2], xn, "dx");
    // Windows cut by the border average over the cells inside, as the forward pass and TensorFlow do.
    auto alg = isMax ? dnnl::algorithm::pooling_max : dnnl::algorithm::pooling_avg_exclude_padding;
    dnnl::pooling_forward::primitive_desc fpd(s.fwd(dnnl::prop_kind::forward_training, alg), eng());
    dnnl::pooling_backward::desc bd(alg, s.src(), s.dst(),
                                    {s.sH, s.sW}, {s.KH, s.KW}, {s.pT, s.pL}, {s.pB, s.pR});
    dnnl::pooling_backward::primitive_desc bpd(bd, eng(), fpd);
    lastImpl = bpd.impl_info_str();
    std::unordered_map<int, memory> io{{DNNL_ARG_DIFF_DST, memory(s.dst(), eng(), dy)}, {DNNL_ARG_DIFF_SRC, memory(s.src(), eng(), dx)}};
    if (isMax) {
      memory ws(fpd.workspace_desc(), eng());
      memory scratchDst(s.dst(), eng());
      dnnl::pooling_forward(fpd).execute(strm(), {{DNNL_ARG_SRC, memory(s.src(), eng(), x)}, {DNNL_ARG_DST, scratchDst}, {DNNL_ARG_WORKSPACE, ws}});
      io.insert({DNNL_ARG_WORKSPACE, ws});
    }
    dnnl::pooling_backward(bpd).execute(strm(), io);
    strm().wait();
    return undefined(env);
  });
}

static napi_value LastImpl(napi_env env, napi_callback_info) { return makeString(env, lastImpl); }

static napi_value DnnlVersion(napi_env env, napi_callback_info) {
  const dnnl_version_t* v = dnnl_version();
  return makeString(env, std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch));
}

void registerDnnl(napi_env env, napi_value exports) {
  setMethod(env, exports, "conv2dForward", Conv2dForward);
  setMethod(env, exports, "conv2dBackwardData", Conv2dBackwardData);
  setMethod(env, exports, "conv2dBackwardWeights", Conv2dBackwardWeights);
  setMethod(env, exports, "poolForward", PoolForward);
  setMethod(env, exports, "poolBackward", PoolBackward);
  setMethod(env, exports, "dnnlLastImpl", LastImpl);
  setMethod(env, exports, "dnnlVersion", DnnlVersion);
}

}  // namespace tn
