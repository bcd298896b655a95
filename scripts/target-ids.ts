// Writes lib/papers/target-ids.ts, the registry's target ids as a const list (and so as a type),
// after a card's data in lib/papers/data/ gained or lost a target:
//   node --import tsx scripts/target-ids.ts
// test/papers/target-ids.test.ts fails while the file and the registry differ.
import { join } from "node:path";
import { writeAtomic } from "../lib/atomic-file";
import { targetIdsSource } from "../lib/papers/registry";

const file = join(__dirname, "..", "lib", "papers", "target-ids.ts");
writeAtomic(file, targetIdsSource());
console.log(`wrote ${file}`);
