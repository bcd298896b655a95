// The decompositions and rank rules tn.compress uses to choose ranks (tn.decomp, tn.linalg); the
// decompositions that build layers are called by the layers' fromDense / fromConv.
export { evbmfRanks, weakenedRank, svdRankForRatio, tucker2RanksForRatio, cpRankForRatio, ttRankForRatio } from "../decomp";
export { asNDArray, type NDArray } from "../linalg";
