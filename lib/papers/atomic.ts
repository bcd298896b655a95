// The project's one atomic writer, under the name the papers code uses.
export { writeAtomic as writeFileAtomic } from "../atomic-file";
