// The same linalg tests on the TypeScript path, with the native addon (when built) switched
// off, so both paths stay green in one run.
import { setNativeEnabled } from "../../lib/native";

setNativeEnabled(false);
require("./linalg.test");
