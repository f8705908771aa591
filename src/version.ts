import { version as packageVersion } from "../package.json";

/** This copy of chainrule's version, from its package.json (e.g. `"0.1.0"`). */
export const version: string = packageVersion;
