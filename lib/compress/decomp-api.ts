// The decompositions tn.compress uses (tn.decomp, tn.linalg), gathered in one place.
export { cpAls, tucker2, ttMatrix, evbmfRanks, weakenedRank, svdRankForRatio, tucker2RanksForRatio, cpRankForRatio, ttRankForRatio } from "../decomp";
export { svdTruncated, asNDArray, type NDArray } from "../linalg";
