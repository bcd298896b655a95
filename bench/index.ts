// `npm run bench`: every suite, JSON to results/bench.json.
import { main } from "../lib/cli/main";
main(["bench", "all", "--json", "results/bench.json", ...process.argv.slice(2)]).then((c) => process.exit(c));
