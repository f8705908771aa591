import { afterEach, describe, expect, it } from "vitest";
import {
  ChainruleError,
  detectAnomaly,
  gradients,
  isAnomalyEnabled,
  nn,
  noGrad,
  setDetectAnomaly,
  type Tensor,
  tensor,
  Value,
} from "../../src/index";

/** The error `fn` throws (failing the test if it throws none or not a ChainruleError). */
function errorOf(fn: () => unknown): ChainruleError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ChainruleError);
    return e as ChainruleError;
  }
  throw new Error("expected a ChainruleError, nothing was thrown");
}

/** The stack lines of an anomaly message (after its first line). */
const frames = (e: Error): string[] => e.message.split("\n").slice(1);

afterEach(() => setDetectAnomaly(false));

describe("the switch", () => {
  it("is off by default; detectAnomaly turns it on for fn only, also when fn throws", () => {
    expect(isAnomalyEnabled()).toBe(false);
    expect(detectAnomaly(() => isAnomalyEnabled())).toBe(true);
    expect(isAnomalyEnabled()).toBe(false);
    expect(() =>
      detectAnomaly(() => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(isAnomalyEnabled()).toBe(false);
    setDetectAnomaly(true);
    expect(isAnomalyEnabled()).toBe(true);
    expect(detectAnomaly(() => 1)).toBe(1);
    expect(isAnomalyEnabled()).toBe(true); // restored to the previous state, on
  });

  it("validates its arguments and refuses async functions", () => {
    expect(() => setDetectAnomaly("yes" as never)).toThrowErrorMatchingInlineSnapshot(
      `[ChainruleError: setDetectAnomaly: on must be true or false, got string "yes"]`,
    );
    expect(() => detectAnomaly(5 as never)).toThrow(ChainruleError);
    expect(() => detectAnomaly(async () => {})).toThrow(/detectAnomaly: fn must be synchronous/);
    expect(isAnomalyEnabled()).toBe(false);
  });
});

describe("forward", () => {
  it("throws at the first op whose result is NaN from finite inputs, naming op, shapes and the caller", () => {
    const x = tensor([2, 0, 3], { requiresGrad: true });
    const e = errorOf(() => detectAnomaly(() => x.sub(1).log().exp()));
    const [first] = e.message.split("\n");
    // log(0 − 1) = NaN; sub and exp are fine (exp's input is not finite)
    expect(first).toBe(
      "log: produced NaN at element 1 of its result [3] from finite inputs [3] (anomaly mode); log was called at",
    );
    expect(frames(e)[0]).toMatch(/anomaly\.test\.ts:\d+:\d+/);
  });

  it("reports ±Infinity too (overflow), also for ops run under noGrad", () => {
    const e = errorOf(() => detectAnomaly(() => noGrad(() => tensor([1e200]).mul(tensor([1e200])))));
    expect(e.message).toMatch(
      /^mul: produced Infinity at element 0 of its result \[1\] from finite inputs \[1\], \[1\]/,
    );
  });

  it("does not judge ops whose inputs already hold NaN or Infinity", () => {
    const y = detectAnomaly(() =>
      tensor([Number.NaN, 1])
        .log()
        .add(tensor([Number.POSITIVE_INFINITY, 0])),
    );
    expect(Number.isNaN(y.data[0])).toBe(true);
  });

  it("is silent when off", () => {
    expect(Number.isNaN(tensor([-1]).log().item())).toBe(true);
  });

  it("shows the user's frame first, not chainrule's (a layer's forward)", () => {
    const layer = new nn.Linear(1, 1);
    layer.weight.data[0] = 1e200;
    const e = errorOf(() => detectAnomaly(() => layer.forward(tensor([[1e200]]))));
    expect(e.message).toMatch(/^linear: produced Infinity/);
    const shown = frames(e);
    expect(shown[0]).toMatch(/anomaly\.test\.ts/);
    for (const f of shown) expect(f).not.toMatch(/[/\\]src[/\\](nn|tensor|autograd)[/\\]/);
  });
});

describe("scalar Value forward", () => {
  it("throws at the first Value op giving NaN/Infinity from finite operands, with the caller", () => {
    const x = new Value(-1);
    const e = errorOf(() => detectAnomaly(() => x.mul(2).log().exp()));
    expect(e.message.split("\n")[0]).toBe(
      "log: produced NaN from finite operands -2 (anomaly mode); log was called at",
    );
    expect(frames(e)[0]).toMatch(/anomaly\.test\.ts/);
    expect(Number.isNaN(x.mul(2).log().data)).toBe(true); // off: silent
  });

  it("does not judge ops whose operands are already NaN or Infinity", () => {
    expect(detectAnomaly(() => new Value(Number.NaN).add(1).data)).toBeNaN();
  });
});

describe("backward", () => {
  it("throws at the op whose gradient is NaN/Infinity from finite inputs and gradient, with its call site", () => {
    const x = tensor([4, 0], { requiresGrad: true });
    const e = errorOf(() =>
      detectAnomaly(() => {
        const y = x.sqrt(); // the line the message must point at
        y.sum().backward();
      }),
    );
    expect(e.message.split("\n")[0]).toBe(
      "sqrt: backward produced Infinity in the gradient of input 0 [2] from finite inputs [2] and a finite incoming gradient (anomaly mode); sqrt was called at",
    );
    expect(frames(e)[0]).toMatch(/anomaly\.test\.ts/);
    expect(x.grad).toBeNull(); // the failed pass wrote nothing
  });

  it("names the op inside a createGraph pass, not the ops of its backward formula", () => {
    const x = tensor([0], { requiresGrad: true });
    const e = errorOf(() => detectAnomaly(() => x.sqrt().sum().backward(undefined, { createGraph: true })));
    expect(e.message).toMatch(/^sqrt: backward produced Infinity/);
  });

  it("also checks gradients(), and says so when the op was recorded before the mode was on", () => {
    const x = tensor([0], { requiresGrad: true });
    const y = x.sqrt().sum();
    const e = errorOf(() => detectAnomaly(() => gradients(y, [x])));
    expect(e.message).toMatch(/^sqrt: backward produced Infinity .*no call site recorded/);
  });

  it("does not judge a gradient computed from a non-finite incoming gradient", () => {
    const x = tensor([1], { requiresGrad: true });
    detectAnomaly(() => x.mul(2).backward(tensor([Number.POSITIVE_INFINITY])));
    expect(x.grad?.item()).toBe(Number.POSITIVE_INFINITY);
  });

  it("checks scalar Value graphs' backward too", () => {
    const a = new Value(0);
    const e = errorOf(() => detectAnomaly(() => a.sqrt().backward()));
    expect(e.message.split("\n")[0]).toBe(
      "sqrt: backward produced Infinity in the gradient of operand 0 from finite operands 0 and a finite incoming gradient 1 (anomaly mode); sqrt was called at",
    );
    expect(frames(e)[0]).toMatch(/anomaly\.test\.ts/);
    // a constant exponent's (unused) derivative ln(−2)·… is not judged
    const b = new Value(-2);
    detectAnomaly(() => b.pow(2).backward());
    expect(b.grad).toBe(-4);
  });

  it("passes ordinary training untouched", () => {
    const model = new nn.MLP(3, [4, 2]);
    const x = tensor([[1, 2, 3]]);
    const plain = model.forward(x).sum();
    plain.backward();
    const expected = model.parameters().map((p) => Array.from((p as Tensor).grad!.data));
    model.zeroGrad();
    detectAnomaly(() => model.forward(x).sum().backward());
    expect(model.parameters().map((p) => Array.from((p as Tensor).grad!.data))).toEqual(expected);
  });
});

describe("raw writes to saved data", () => {
  it("reports a write through the memory behind t.data, which the version counter does not see", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const w = tensor([3, 4], { requiresGrad: true });
    const raw = (t: Tensor) => new Float64Array(t.data.buffer, t.data.byteOffset, t.data.length);
    const e = errorOf(() =>
      detectAnomaly(() => {
        const y = x.mul(w).sum();
        raw(w)[1] = 10;
        y.backward();
      }),
    );
    expect(e.message.split("\n")[0]).toBe(
      "mul: input 1 [2] was changed through .data after mul used it (element 1: 4 → 10), so its gradient would be wrong (anomaly mode); recompute the forward pass after changing data. mul was called at",
    );
    expect(x.grad).toBeNull();
    // without anomaly mode the same write goes unnoticed: x.grad is w's new value
    const y = x.mul(w).sum();
    raw(w)[1] = 20;
    y.backward();
    expect(x.grad?.toArray()).toEqual([3, 20]);
  });

  it("reports writes to a saved result too", () => {
    const x = tensor([0, 1], { requiresGrad: true });
    const e = errorOf(() =>
      detectAnomaly(() => {
        const y = x.exp(); // exp's backward reads its result
        new Float64Array(y.data.buffer)[0] = 5;
        y.sum().backward();
      }),
    );
    expect(e.message).toMatch(
      /^exp: its result \[2\] was changed through \.data after exp used it \(element 0: 1 → 5\)/,
    );
  });
});
