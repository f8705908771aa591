/** Node-only helpers (file I/O, dataset loaders): `import { … } from "chainrule/node"`. */
export {};
