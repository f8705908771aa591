/**
 * Groups of nodes for diagrams: the boxes of `clusters` and the single nodes of `collapse`.
 * A group is named by the user and given as a module, a list of nodes, or a scope path; this
 * file works out which nodes of the graph belong to it.
 */
import { ChainruleError, describe } from "../errors";
import { Module } from "../nn/module";
import { Value } from "../scalar/value";
import { Tensor } from "../tensor/tensor";
import { type DataNode, type GraphIndex, isConstant, labelText } from "./walk";

/**
 * What a group is made of:
 * - a `Module`: its parameters and, when scopes were recorded (`recordScopes`), every op created
 *   inside the module's scope (the scope is the one its parameters are used in);
 * - an array of `Tensor`s / `Value`s: exactly those nodes (with their op nodes);
 * - a string: a recorded scope path (`"0"`, `"layers.1/neurons.0"`): every op created inside it
 *   and the unlabelled parameters used only there (for modules without parameters, e.g. `"1"`
 *   for the activation of `Sequential(Linear, Sigmoid)`).
 *
 * Constants used only inside a group belong to it too. A node belongs to the first group that
 * claims it.
 */
export type GroupSpec = Module | readonly (Tensor | Value)[] | string;

/** @internal A resolved group. */
export interface Group {
  readonly name: string;
  readonly spec: GroupSpec;
  /** Positions of the data nodes in the group (op nodes go with their results), ascending. */
  readonly members: readonly number[];
}

/**
 * @internal Resolves `specs` in order. `owner[i]` is the index (into the result) of the group
 * that claimed node i, or −1; it is updated in place, so groups resolved earlier (or by an
 * earlier call) keep their nodes.
 */
export function resolveGroups(
  graph: GraphIndex,
  specs: readonly (readonly [string, GroupSpec])[],
  owner: Int32Array,
  fn: string,
  option: string,
): Group[] {
  const groups: Group[] = [];
  for (const [name, spec] of specs) {
    const k = groups.length;
    const inGroup = new Set<number>();
    const claim = (i: number) => {
      if (owner[i] === -1) {
        owner[i] = k;
        inGroup.add(i);
      }
    };
    let scope: string | undefined;
    let params: ReadonlySet<number> = new Set();
    if (spec instanceof Module) {
      params = positionsOf(graph, spec.parameters());
      scope = commonScope(graph, params);
    } else if (Array.isArray(spec)) {
      spec.forEach((x, j) => {
        if (!(x instanceof Tensor || x instanceof Value)) {
          throw new ChainruleError(
            `${fn}: ${option}[${JSON.stringify(name)}][${j}] must be a Tensor or a Value, got ${describe(x)}`,
          );
        }
      });
      for (const i of positionsOf(graph, spec as readonly DataNode[])) claim(i);
    } else if (typeof spec === "string") {
      scope = spec;
    } else {
      throw new ChainruleError(
        `${fn}: ${option}[${JSON.stringify(name)}] must be a Module, an array of Tensors/Values or a scope path, got ${describe(spec)}`,
      );
    }
    if (scope !== undefined && scope !== "") {
      for (let i = 0; i < graph.nodes.length; i++) {
        const s = graph.scopes[i];
        if (s !== undefined && (s === scope || s.startsWith(`${scope}/`))) claim(i);
      }
    }
    for (const i of params) claim(i);
    // Leaves used only inside the group: constants always; for a scope path, unlabelled parameters.
    for (let i = 0; i < graph.nodes.length; i++) {
      const node = graph.nodes[i] as DataNode;
      if (owner[i] !== -1 || node.parents.length > 0) continue;
      const uses = graph.consumers[i] as readonly number[];
      if (uses.length === 0 || !uses.every((c) => inGroup.has(c))) continue;
      const unlabelled = labelText(node) === "";
      if (isConstant(node) || (typeof spec === "string" && node.requiresGrad && unlabelled)) claim(i);
    }
    groups.push({ name, spec, members: [...inGroup].sort((a, b) => a - b) });
  }
  return groups;
}

/**
 * @internal The groups of `collapse: true`: one per top-level recorded scope (the first segment
 * of the scope paths: `"0"`, `"layers.1"`), in the order they appear.
 */
export function topLevelScopes(graph: GraphIndex): [string, string][] {
  const seen = new Set<string>();
  for (const s of graph.scopes) if (s !== undefined) seen.add(s.split("/")[0] as string);
  return [...seen].map((s) => [s, s]);
}

function positionsOf(graph: GraphIndex, nodes: readonly DataNode[]): Set<number> {
  const out = new Set<number>();
  for (const x of nodes) {
    const i = graph.position.get(x);
    if (i !== undefined) out.add(i);
  }
  return out;
}

/** The longest scope path (whole segments) shared by every op that uses one of `params`. */
function commonScope(graph: GraphIndex, params: ReadonlySet<number>): string | undefined {
  let common: string[] | undefined;
  for (const p of params) {
    for (const c of graph.consumers[p] as readonly number[]) {
      const s = graph.scopes[c];
      if (s === undefined) return undefined;
      const parts = s.split("/");
      if (common === undefined) common = parts;
      else {
        let n = 0;
        while (n < common.length && n < parts.length && common[n] === parts[n]) n++;
        common = common.slice(0, n);
      }
    }
  }
  return common?.join("/");
}
