/** Small graphs shared by the graph tests, with hand-checkable numbers. */
import { nn, recordScopes, type Tensor, tensor, type Value, value } from "../../src/index";

/** micrograd's example: L = tanh(a·b + c) with a = 2, b = −3, c = 10 (e = a·b, d = e + c). */
export function tanhGraph(): { a: Value; b: Value; c: Value; e: Value; d: Value; L: Value } {
  const a = value(2, "a");
  const b = value(-3, "b");
  const c = value(10, "c");
  const e = a.mul(b);
  e.label = "e";
  const d = e.add(c);
  d.label = "d";
  const L = d.tanh();
  L.label = "L";
  return { a, b, c, e, d, L };
}

/**
 * y = Σ σ(x·Wᵀ + b) through `Sequential(Linear(3, 2), Sigmoid())` run inside `recordScopes`,
 * with W = [[0.1, −0.2, 0.3], [0.4, 0.5, −0.6]], b = 0, x = [[1, 2, 3]].
 */
export function linearSigmoidGraph(): {
  model: nn.Sequential;
  linear: nn.Linear;
  x: Tensor;
  y: Tensor;
} {
  const linear = new nn.Linear(3, 2);
  linear.weight.data.set([0.1, -0.2, 0.3, 0.4, 0.5, -0.6]);
  const model = new nn.Sequential(linear, new nn.Sigmoid());
  const x = tensor([[1, 2, 3]], { label: "x" });
  const y = recordScopes(() => model.forward(x)).sum();
  y.label = "y";
  return { model, linear, x, y };
}
