// Analytic parameter and multiply-accumulate counts for every layer type, per layer and per model.
export { countLayer, countModel, type Convention, type LayerCount, type ModelCount } from "./count";
