// tn.decomp: tensor decompositions, each returning a Factorized result that knows its error.
// The public names are listed here, as TensorLy's __init__ does; what the modules export beyond
// them (the EVBMF objective and its bounded minimiser, TT rank helpers, MTTKRP kernels, range
// scaling, the display bundle) is internal and imported from the module files by tn's own code.
export { type Factorized, FactorizedTensor } from "./factorized";
export { TTTensor, ttSvd, maxTTRanks, type TTOptions } from "./tt";
export { TTMatrix, ttMatrix } from "./tt-matrix";
export { TuckerTensor, tucker, tucker2, type TuckerOptions } from "./tucker";
export { CPTensor, cpAls, type CpAlsOptions } from "./cp";
export { evbmf, evbmfRanks, evbmfFromSingularValues, evbmfTauBar, evbmfTauBarApprox, type EvbmfResult, type EvbmfOptions, type EvbmfRanks } from "./evbmf";
export {
  weakenedRank,
  svdParams,
  svdRankForRatio,
  tucker2Params,
  tucker2RanksForRatio,
  cpParams,
  cpRankForRatio,
  ttParams,
  ttRankForRatio,
  type RatioOptions,
  type Tucker2RatioOptions,
  type CpRatioOptions,
} from "./ranks";
export { maxvol, type MaxvolOptions, type MaxvolResult } from "./maxvol";
