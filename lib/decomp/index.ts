// tn.decomp: tensor decompositions, each returning a Factorized result that knows its error.
export * from "./factorized";
export * from "./tt";
export * from "./tt-matrix";
export * from "./tucker";
export * from "./cp";
export * from "./evbmf";
export * from "./ranks";
export * from "./maxvol";
