/**
 * The playground page (site/index.html, built by `npm run site` into out/site/): type an
 * expression or pick a lecture example, see its graph (`renderSvg`), its values and gradients,
 * step through the backward pass (the viewer's step-through, src/graph/viewer/stepper.ts), and
 * check a hand derivation against autodiff (`checkDerivative`). It runs the library's root entry
 * in the browser and loads nothing beyond its own folder.
 */
import { formatNumber } from "../src/format-number";
import { createStepper, type Stepper } from "../src/graph/viewer/stepper";
import {
  backwardSteps,
  checkDerivative,
  type NestedNumbers,
  renderSvg,
  Tensor,
  tensor,
  Value,
  value,
} from "../src/index";
import { type Operand, parseExpression } from "./expression";
import { expressionModel, leavesOf, lectureExamples, type Model } from "./models";

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

const examples = lectureExamples();
const picker = $<HTMLSelectElement>("example");
const form = $<HTMLFormElement>("expression-form");
const source = $<HTMLInputElement>("expression");
const bindings = $<HTMLInputElement>("bindings");
const errorBox = $("error");
const description = $("description");
const graph = $("graph");
const valuesTable = $("values");
const stepperHolder = $("stepper");
const checkForm = $<HTMLFormElement>("check-form");
const checkVar = $<HTMLSelectElement>("check-var");
const checkFormula = $<HTMLInputElement>("check-formula");
const checkResult = $("check-result");
const checkTop = $("check-top");

let model: Model | null = null;
let stepper: Stepper | null = null;

for (const ex of examples) {
  const option = document.createElement("option");
  option.value = ex.key;
  option.textContent = ex.title;
  picker.appendChild(option);
}

function fmt(x: number): string {
  return formatNumber(x, 4);
}

function nestedText(v: NestedNumbers): string {
  return Array.isArray(v) ? `[${v.map(nestedText).join(", ")}]` : fmt(v);
}

function quantityText(x: Value | Tensor | null | undefined): string {
  if (x === null || x === undefined) return "—";
  if (x instanceof Value) return fmt(x.data);
  const t = x as Tensor;
  const values = t.toArray() as NestedNumbers;
  if (t.size > 12) {
    const flat: number[] = [];
    const walk = (v: NestedNumbers): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else flat.push(v);
    };
    walk(values);
    return `tensor [${t.shape.join(", ")}], ‖·‖ = ${fmt(Math.hypot(...flat))}`;
  }
  return nestedText(values);
}

function gradOf(leaf: Value | Tensor): Value | Tensor | null {
  if (leaf instanceof Value) return leaf.requiresGrad ? value(leaf.grad) : null;
  return leaf.grad;
}

function cell(tag: string, text: string, attrs: Record<string, string> = {}): HTMLElement {
  const e = document.createElement(tag);
  e.textContent = text;
  for (const k of Object.keys(attrs)) e.setAttribute(k, attrs[k] as string);
  return e;
}

function showError(message: string): void {
  errorBox.textContent = message;
  errorBox.hidden = message === "";
}

/** Builds, differentiates, draws and explains `m`, replacing what was shown. */
async function show(m: Model): Promise<void> {
  document.body.setAttribute("data-state", "busy");
  stepper?.stop();
  stepper = null;
  model = m;
  const leaves = leavesOf(m);
  const root = m.build(leaves);
  root.backward();
  // a scalar graph reads left to right; a tensor graph's wide nodes stack better top-down
  const svg = await renderSvg(root, { numbering: true, rankdir: root instanceof Value ? "LR" : "TB" });
  graph.innerHTML = svg;

  // values and gradients: the result, then every input
  valuesTable.replaceChildren();
  const head = document.createElement("tr");
  for (const h of ["", "value", "gradient"]) head.appendChild(cell("th", h, { scope: "col" }));
  valuesTable.appendChild(head);
  const rootName = root.label ?? "f";
  const rootRow = document.createElement("tr");
  rootRow.setAttribute("data-name", rootName);
  rootRow.append(
    cell("th", rootName, { scope: "row" }),
    cell("td", quantityText(root)),
    cell("td", "1 (the root)"),
  );
  valuesTable.appendChild(rootRow);
  for (const input of m.inputs) {
    const leaf = leaves[input.name] as Value | Tensor;
    const row = document.createElement("tr");
    row.setAttribute("data-name", input.name);
    row.append(
      cell("th", input.name, { scope: "row" }),
      cell("td", quantityText(leaf), { "data-field": "value" }),
      cell("td", quantityText(gradOf(leaf)), { "data-field": "grad" }),
    );
    valuesTable.appendChild(row);
  }

  // the backward pass, step by step
  const steps = backwardSteps(root);
  const first = steps[0];
  const objective = first
    ? { text: first.node.name, latex: first.node.latex }
    : { text: rootName, latex: rootName };
  stepper = createStepper({
    steps,
    objective,
    precision: 4,
    svg: graph.querySelector("svg"),
  });
  stepperHolder.replaceChildren(stepper.element);

  // the derivation check: one formula per differentiated input
  checkVar.replaceChildren();
  for (const input of m.inputs.filter((i) => i.grad)) {
    const option = document.createElement("option");
    option.value = input.name;
    option.textContent = input.name;
    checkVar.appendChild(option);
  }
  checkTop.textContent = `∂${rootName}/∂`;
  checkResult.textContent = "";
  checkResult.removeAttribute("data-result");
  description.textContent = m.description;
  document.body.setAttribute("data-model", m.key);
  document.body.setAttribute("data-state", "ready");
}

async function showSafely(make: () => Model): Promise<void> {
  try {
    showError("");
    await show(make());
  } catch (e) {
    showError(e instanceof Error ? e.message : String(e));
    document.body.setAttribute("data-state", "error");
  }
}

/** The numbers and tensors of `m`'s inputs, with fresh leaves for the ones `f` is not taken over. */
function fixedBindings(m: Model, except: string, asLeaves: boolean): Record<string, Operand> {
  const out: Record<string, Operand> = {};
  const leaves = leavesOf(m);
  for (const input of m.inputs) {
    if (input.name === except) continue;
    if (asLeaves) out[input.name] = leaves[input.name] as Operand;
    else out[input.name] = typeof input.value === "number" ? input.value : tensor(input.value);
  }
  return out;
}

/** Checks the hand formula for ∂root/∂name at the model's inputs against autodiff and finite differences. */
function check(): void {
  const m = model;
  if (!m) return;
  const name = checkVar.value;
  const input = m.inputs.find((i) => i.name === name);
  checkResult.removeAttribute("data-result");
  try {
    if (!input) throw new Error("pick a variable");
    const hand = parseExpression(checkFormula.value);
    const known = new Set(m.inputs.map((i) => i.name));
    const unknown = hand.variables.filter((v) => !known.has(v));
    if (unknown.length > 0)
      throw new Error(`unknown name ${unknown.join(", ")}: the formula may use ${[...known].join(", ")}`);
    const scalar = typeof input.value === "number";
    const handValue = (x: Operand): Value | Tensor | number =>
      hand.evaluate({ ...fixedBindings(m, name, false), [name]: x });
    const result = scalar
      ? checkDerivative(
          (x) => m.build({ ...fixedBindings(m, name, true), [name]: x }) as Value,
          (x) => {
            const h = handValue(x);
            return h instanceof Value ? h.data : (h as number);
          },
          [input.value as number],
          { names: [name] },
        )
      : checkDerivative(
          (x) => m.build({ ...fixedBindings(m, name, false), [name]: x }) as Tensor,
          (x) => {
            const h = handValue(x);
            return h instanceof Tensor ? h : (h as number);
          },
          [input.value as NestedNumbers],
          { names: [name] },
        );
    const worst = result.worst;
    const where = worst ? worst.label : name;
    checkResult.setAttribute("data-result", result.ok ? "match" : "mismatch");
    checkResult.textContent = result.ok
      ? `✓ matches: your ∂/∂${name} agrees with autodiff${worst ? ` (at ${where}: yours ${fmt(worst.hand)}, autodiff ${fmt(worst.autodiff)})` : ""}.`
      : `✗ does not match: at ${where} yours is ${fmt(worst?.hand ?? Number.NaN)}, autodiff says ${fmt(worst?.autodiff ?? Number.NaN)} (finite differences ${fmt(worst?.numeric ?? Number.NaN)}).`;
  } catch (e) {
    checkResult.setAttribute("data-result", "error");
    checkResult.textContent = e instanceof Error ? e.message : String(e);
  }
}

function expressionFromForm(): Model {
  return expressionModel(source.value.trim(), bindings.value);
}

form.addEventListener("submit", (e) => {
  e.preventDefault();
  picker.value = "expression";
  void showSafely(expressionFromForm);
});
picker.addEventListener("change", () => {
  const ex = examples.find((x) => x.key === picker.value);
  form.classList.toggle("inactive", ex !== undefined);
  void showSafely(() => ex ?? expressionFromForm());
});
checkForm.addEventListener("submit", (e) => {
  e.preventDefault();
  check();
});
document.addEventListener("keydown", (e) => {
  const t = e.target as HTMLElement | null;
  if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) return;
  stepper?.handleKey(e);
});

void showSafely(expressionFromForm).then(() => {
  document.documentElement.setAttribute("data-ready", "true");
});
