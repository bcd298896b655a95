// tn.linalg: dense float64 linear algebra and tensor unfoldings (plus float32 variants on tensors).
export * from "./ndarray";
export { matmul, transpose, identity, gramRows, gramCols, matmulNT, matmulTN } from "./matmul";
export { qr, type QR } from "./qr";
export { eigSym, type EigSym } from "./eig";
export { svd, svdTruncated, svdRandomized, type SVD, type RandomizedOptions } from "./svd";
export { solve } from "./solve";
export {
  unfold,
  fold,
  modeProduct,
  multiModeProduct,
  khatriRao,
  unfoldTensor,
  foldTensor,
  modeProductTensor,
  matmulTensor,
  permute,
} from "./tensor-ops";
export { leftSubspace, type LeftSubspace } from "./subspace";
