// Convolution gradients for the wasm backend, built from its XNNPACK convolutions so that
// training a CNN runs at the speed of the forward pass rather than of a scalar loop.
//
// Notation: x [b, H, W, ci], filter [KH, KW, ci, co] (depthwise: [KH, KW, ci, m]),
// dy [b, OH, OW, co]; s = stride, d = dilation, (top, left) = the forward pass's padding.
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { call, free, padOrCrop, reshape, transpose, upsampleZeros, type Info } from "./calls";
import { cpuFallback } from "./cpu-fallback";

type Pad = "valid" | "same" | number | tf.backend_util.ExplicitPadding;
type Rounding = "floor" | "round" | "ceil" | undefined;
type Pair = [number, number];

function pair(v: number | number[] | undefined): Pair {
  if (v == null) return [1, 1];
  return typeof v === "number" ? [v, v] : [v[0], v[1]];
}

function channelsFirst(dataFormat: unknown): boolean {
  return dataFormat === "NCHW" || dataFormat === "channelsFirst";
}

/**
 * dW[kh,kw,ci,co] = Σ_{b,oh,ow} xpad[b, oh*s+kh, ow*s+kw, ci] · dy[b,oh,ow,co]. That is one
 * convolution whose "batch" is ci, whose input channels are b, whose filter is dy laid out
 * [OH, OW, b, co], dilated by the forward stride: its output is exactly [ci, KH, KW, co].
 */
export function conv2DBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): Info {
  const b = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as {
    strides: number | Pair; pad: Pad; dataFormat: string; dimRoundingMode: Rounding; filterShape: [number, number, number, number];
  };
  if (channelsFirst(dataFormat)) return slow.Conv2DBackpropFilter(args as never) as Info;
  const info = tf.backend_util.computeConv2DInfo(x.shape as never, filterShape, strides, 1, pad, dimRoundingMode, false, "channelsLast");
  const { strideHeight: sH, strideWidth: sW, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = info;
  const [, H, W] = x.shape;
  const { top, left } = info.padInfo;
  // Exactly the rows and columns the forward pass read, so the result needs no cropping.
  const needH = (OH - 1) * sH + KH;
  const needW = (OW - 1) * sW + KW;
  const xp = padOrCrop(b, x, [[0, 0], [top, needH - H - top], [left, needW - W - left], [0, 0]]);
  const xt = transpose(b, xp, [3, 1, 2, 0]);
  free(b, xp);
  const dyt = transpose(b, dy, [1, 2, 0, 3]);
  const r = call(b, "Conv2D", { x: xt, filter: dyt }, { strides: [1, 1], pad: "valid", dataFormat: "NHWC", dilations: [sH, sW] });
  free(b, xt, dyt);
  const out = transpose(b, r, [1, 2, 0, 3]);
  free(b, r);
  return out;
}

/**
 * dx = stride-1 convolution of dy (zeros inserted between its rows/columns for stride s, then
 * padded by KH-1-top / KW-1-left) with the filter flipped in space and its channels swapped.
 */
export function conv2DBackpropInput(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): Info {
  const b = args.backend as BackendWasm;
  const { dy, filter } = args.inputs as { dy: Info; filter: Info };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as {
    strides: number | Pair; pad: Pad; dataFormat: string; dimRoundingMode: Rounding; inputShape: [number, number, number, number];
  };
  if (channelsFirst(dataFormat)) return slow.Conv2DBackpropInput(args as never) as Info;
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as never, strides, 1, pad, dimRoundingMode, false, "channelsLast");
  const { strideHeight: sH, strideWidth: sW, filterHeight: KH, filterWidth: KW } = info;
  const [, H, W] = inputShape;
  const up = upsampleZeros(b, dy, sH, sW);
  const L = KH - 1 - info.padInfo.top;
  const T = KW - 1 - info.padInfo.left;
  const p = padOrCrop(b, up, [[0, 0], [L, H + KH - 1 - L - up.shape[1]], [T, W + KW - 1 - T - up.shape[2]], [0, 0]]);
  free(b, up);
  const rev = call(b, "Reverse", { x: filter }, { dims: [0, 1] });
  const f = transpose(b, rev, [0, 1, 3, 2]);
  free(b, rev);
  const out = call(b, "Conv2D", { x: p, filter: f }, { strides: [1, 1], pad: "valid", dataFormat: "NHWC", dilations: [1, 1] });
  free(b, p, f);
  return out;
}

/**
 * dW[kh,kw,c,q] = Σ_{b,oh,ow} xpad[b, oh*s+kh*d, ow*s+kw*d, c] · dy[b,oh,ow,c*m+q]: for each of
 * the KH·KW taps, a strided slice of x times dy, summed over b·OH·OW by a matrix product with a
 * row of ones (XNNPACK), which avoids the transpose a reduction over outer axes would cost.
 */
export function depthwiseBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): Info {
  const b = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const { strides, dilations, pad, dimRoundingMode, filterShape } = args.attrs as unknown as {
    strides: number | Pair; dilations: number | Pair; pad: Pad; dimRoundingMode: Rounding; filterShape: [number, number, number, number];
  };
  const info = tf.backend_util.computeConv2DInfo(x.shape as never, filterShape, strides, dilations ?? 1, pad, dimRoundingMode, true, "channelsLast");
  const { strideHeight: sH, strideWidth: sW, dilationHeight: dH, dilationWidth: dW, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = info;
  const [n, H, W, ci] = x.shape;
  const m = filterShape[3];
  const N = n * OH * OW;
  const { top, left } = info.padInfo;
  const needH = (OH - 1) * sH + (KH - 1) * dH + 1;
  const needW = (OW - 1) * sW + (KW - 1) * dW + 1;
  const xp = padOrCrop(b, x, [[0, 0], [top, needH - H - top], [left, needW - W - left], [0, 0]]);
  const dyr = reshape(b, dy, [N, ci, m]);
  const ones = b.makeOutput([1, N], "float32", undefined, new Float32Array(N).fill(1));
  const taps: Info[] = [];
  for (let i = 0; i < KH; i++) {
    for (let j = 0; j < KW; j++) {
      const xs = call(b, "StridedSlice", { x: xp }, {
        begin: [0, i * dH, j * dW, 0], end: [n, i * dH + (OH - 1) * sH + 1, j * dW + (OW - 1) * sW + 1, ci],
        strides: [1, sH, sW, 1], beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0,
      });
      const xr = reshape(b, xs, [N, ci, 1]);
      const prod = call(b, "Multiply", { a: xr, b: dyr });
      free(b, xs, xr);
      const pr = reshape(b, prod, [N, ci * m]);
      free(b, prod);
      taps.push(call(b, "BatchMatMul", { a: ones, b: pr }, { transposeA: false, transposeB: false }));
      free(b, pr);
    }
  }
  free(b, xp, dyr, ones);
  const cat = taps.length === 1 ? reshape(b, taps[0], taps[0].shape) : call(b, "Concat", taps as never, { axis: 0 });
  free(b, ...taps);
  const out = reshape(b, cat, [KH, KW, ci, m]);
  free(b, cat);
  return out;
}

/**
 * dx[b,h,w,c] = Σ_{kh,kw,q} dy[b,oh,ow,c*m+q] · W[kh,kw,c,q] with h = oh*s - top + kh*d: a
 * depthwise convolution (multiplier 1) of the zero-upsampled, padded dy with the spatially
 * flipped filter, then a sum over the m outputs that belong to each input channel.
 */
export function depthwiseBackpropInput(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): Info {
  const b = args.backend as BackendWasm;
  const { dy, filter } = args.inputs as { dy: Info; filter: Info };
  const { strides, dilations, pad, dimRoundingMode, inputShape } = args.attrs as unknown as {
    strides: number | Pair; dilations: number | Pair; pad: Pad; dimRoundingMode: Rounding; inputShape: [number, number, number, number];
  };
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as never, strides, dilations ?? 1, pad, dimRoundingMode, true, "channelsLast");
  const { strideHeight: sH, strideWidth: sW, dilationHeight: dH, dilationWidth: dW, filterHeight: KH, filterWidth: KW } = info;
  const [n, H, W, ci] = inputShape;
  const m = filter.shape[3];
  const up = upsampleZeros(b, dy, sH, sW);
  const L = (KH - 1) * dH - info.padInfo.top;
  const T = (KW - 1) * dW - info.padInfo.left;
  const p = padOrCrop(b, up, [[0, 0], [L, H + (KH - 1) * dH - L - up.shape[1]], [T, W + (KW - 1) * dW - T - up.shape[2]], [0, 0]]);
  free(b, up);
  const rev = call(b, "Reverse", { x: filter }, { dims: [0, 1] });
  const f = reshape(b, rev, [KH, KW, ci * m, 1]);
  free(b, rev);
  const y = call(b, "DepthwiseConv2dNative", { x: p, filter: f }, { strides: [1, 1], pad: "valid", dilations: [dH, dW] });
  free(b, p, f);
  if (m === 1) return y;
  const yr = reshape(b, y, [n, H, W, ci, m]);
  free(b, y);
  const out = call(b, "Sum", { x: yr }, { axis: [4], keepDims: false });
  free(b, yr);
  return out;
}

// Layouts the composites above do not handle (channels-first) run on the cpu kernels.
const slow = {
  Conv2DBackpropFilter: cpuFallback("Conv2DBackpropFilter"),
  Conv2DBackpropInput: cpuFallback("Conv2DBackpropInput"),
};
