/**
 * The import rules of chainrule (`npm run depcheck`, part of `npm test`): imports point one way,
 * down this list of layers, and the only import cycle is Tensor methods ↔ op table. The layers
 * are drawn in docs/architecture.md; keep the two in step.
 *
 * Runtime imports only: `import type` is erased by the compiler, so it can neither form a cycle
 * nor load a layer early (a type may name something from above, e.g. `NestedNumbers`).
 */

/** The layers, lowest first. A module may import its own layer and the layers before it. */
const layers = [
  // errors, argument checks, the random generator, the version, the number formatter
  { name: "base", path: "^src/(errors|validate|random|version|format-number)\\.ts$" },
  // element types and shape rules (broadcasting, sumTo's shapes, strides)
  { name: "dtype-shape", path: "^src/tensor/(dtype|broadcast)\\.ts$" },
  // memory (storage, nested arrays → typed arrays) and the typed-array loops
  { name: "storage-kernels", path: "^src/tensor/(storage\\.ts$|nested\\.ts$|kernels/)" },
  // the backward engine and what it consults: grad mode, module scopes, anomaly mode, hooks
  { name: "engine", path: "^src/autograd/(engine|grad-mode|scope|anomaly|hooks)\\.ts$" },
  // Tensor: storage + graph node + apply (one op call → one node) + the version check; what an
  // op is (OpDef) and how a tensor is printed
  { name: "tensor-core", path: "^src/tensor/(tensor|op-def|format)\\.ts$" },
  // the op table and everything built from ops: factories, custom ops
  { name: "ops", path: "^src/tensor/(ops/|creation\\.ts$|custom-op\\.ts$)" },
  // the scalar Value (its unary ops are the table's scalar forms) and the root math functions,
  // which take a Value or a Tensor
  { name: "scalar", path: "^src/(scalar/|functions\\.ts$)" },
  // gradients as functions (grad, jacobian, hessian), gradcheck, module hooks
  { name: "functional", path: "^src/autograd/(functional|gradcheck|module-hooks)\\.ts$" },
  // formulas: the expression grammar (parser, evaluator), expr and parseExpression
  { name: "expression", path: "^src/expression/" },
  // (interop/: safetensors in and out, bytes only, reads modules' state)
  { name: "nn-optim-data", path: "^src/(nn|optim|data|interop)/" },
  { name: "graph", path: "^src/graph/" },
  // the public surface
  { name: "entry", path: "^src/index\\.ts$" },
  // the only Node-specific code
  { name: "cli-node", path: "^src/(cli|node)/" },
];

/** The one allowed cycle: `Tensor` methods call the ops, the ops build `Tensor`s. */
const ALLOWED_CYCLE = "^src/tensor/(tensor\\.ts$|ops/)";

/** Upward imports: from each layer to every layer after it. */
const upward = layers.flatMap((from, i) =>
  layers.slice(i + 1).map((to) => ({
    name: `${from.name}-imports-${to.name}`,
    comment: `${from.name} sits below ${to.name}: imports point down (docs/architecture.md)`,
    severity: "error",
    from: {
      path: from.path,
      // the named cycle's upward half: Tensor methods call the op table
      ...(from.name === "tensor-core" && to.name === "ops" ? { pathNot: "^src/tensor/tensor\\.ts$" } : {}),
    },
    to: { path: to.path },
  })),
);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycle",
      comment:
        "The only import cycle allowed is Tensor methods ↔ op table (tensor.ts and tensor/ops/**), named in docs/architecture.md",
      severity: "error",
      from: { path: "^src/" },
      to: {
        circular: true,
        viaSomeNot: ALLOWED_CYCLE,
      },
    },
    {
      name: "in-a-layer",
      comment: "Every source file belongs to one layer of .dependency-cruiser.cjs (add new folders there)",
      severity: "error",
      from: { path: "^src/", pathNot: layers.map((l) => l.path) },
      to: {},
    },
    ...upward,
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)node_modules/" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: false,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default"],
    },
  },
};
