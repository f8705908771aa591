/**
 * SPEC §9 recurrent layers: `nn.RNN`, `nn.LSTM`, `nn.GRU`. Values and gradients against PyTorch
 * (test/fixtures/recurrent-reference.json, written by test/fixtures/generate_recurrent.py: every
 * case loads PyTorch's state_dict with PyTorch's keys), parameter names and shapes, gradcheck and
 * gradgradcheck of each cell, dropout between layers, float32, and error messages.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ChainruleError,
  gradcheck,
  gradgradcheck,
  manualSeed,
  type NestedNumbers,
  nn,
  type Tensor,
  tensor,
  zeros,
} from "../../src/index";
import { expectAllClose } from "../helpers/close";

type Options = nn.RNNOptions;

interface Case {
  name: string;
  kind: "RNN" | "LSTM" | "GRU";
  options: Options;
  state: nn.StateDict;
  x: NestedNumbers;
  R: NestedNumbers;
  S: NestedNumbers;
  T?: NestedNumbers;
  h0?: NestedNumbers;
  c0?: NestedNumbers;
  output: NestedNumbers;
  hN: NestedNumbers;
  cN?: NestedNumbers;
  paramGrads: Record<string, NestedNumbers>;
  xGrad: NestedNumbers;
  h0Grad?: NestedNumbers;
  c0Grad?: NestedNumbers;
}

const fixture = JSON.parse(
  readFileSync(new URL("../fixtures/recurrent-reference.json", import.meta.url), "utf8"),
) as { sizes: { inputSize: number; hiddenSize: number }; cases: Case[] };

const TOL = 1e-10;

function build(kind: Case["kind"], inputSize: number, hiddenSize: number, options: Options = {}) {
  if (kind === "RNN") return new nn.RNN(inputSize, hiddenSize, options);
  const { nonlinearity: _, ...rest } = options;
  return kind === "LSTM" ? new nn.LSTM(inputSize, hiddenSize, rest) : new nn.GRU(inputSize, hiddenSize, rest);
}

/** Runs any of the three layers with the initial states given (h0 alone, or h0 and c0). */
function run(
  layer: nn.RNN | nn.LSTM | nn.GRU,
  x: Tensor,
  h0?: Tensor,
  c0?: Tensor,
): { output: Tensor; hN: Tensor; cN?: Tensor } {
  if (layer instanceof nn.LSTM) {
    const [output, [hN, cN]] = layer.forward(x, h0 && c0 ? [h0, c0] : undefined);
    return { output, hN, cN };
  }
  const [output, hN] = layer.forward(x, h0);
  return { output, hN };
}

describe("RNN, LSTM and GRU against PyTorch", () => {
  const { inputSize, hiddenSize } = fixture.sizes;
  it("covers every cell type, with and without states, bias, batchFirst, 2 layers and both directions", () => {
    expect(fixture.cases.length).toBe(17);
    for (const kind of ["RNN", "LSTM", "GRU"])
      expect(fixture.cases.filter((c) => c.kind === kind).length).toBeGreaterThanOrEqual(5);
  });

  for (const c of fixture.cases) {
    it(`${c.name}: loads PyTorch's state_dict and matches output, final states and every gradient`, () => {
      const layer = build(c.kind, inputSize, hiddenSize, c.options);
      // the same names, in the same order, with the same shapes as PyTorch's named_parameters()
      expect(layer.namedParameters().map(([n, p]) => [n, (p as Tensor).shape])).toEqual(
        Object.entries(c.state).map(([n, e]) => [n, e.shape]),
      );
      layer.loadStateDict(c.state);
      const x = tensor(c.x, { requiresGrad: true });
      const h0 = c.h0 ? tensor(c.h0, { requiresGrad: true }) : undefined;
      const c0 = c.c0 ? tensor(c.c0, { requiresGrad: true }) : undefined;
      const { output, hN, cN } = run(layer, x, h0, c0);
      expectAllClose(output, c.output, TOL);
      expect(output.shape).toEqual(tensor(c.output).shape);
      expectAllClose(hN, c.hN, TOL);
      expect(hN.shape).toEqual(tensor(c.hN).shape);
      let loss = output
        .mul(tensor(c.R))
        .sum()
        .add(hN.mul(tensor(c.S)).sum());
      if (c.kind === "LSTM") {
        expectAllClose(cN as Tensor, c.cN, TOL);
        loss = loss.add((cN as Tensor).mul(tensor(c.T as NestedNumbers)).sum());
      }
      loss.backward();
      for (const [name, p] of layer.namedParameters())
        expectAllClose((p as Tensor).grad, c.paramGrads[name], TOL);
      expectAllClose(x.grad, c.xGrad, TOL);
      if (h0) expectAllClose(h0.grad, c.h0Grad, TOL);
      if (c0) expectAllClose(c0.grad, c.c0Grad, TOL);
    });
  }
});

describe("parameters", () => {
  it("are named and shaped as PyTorch's: gates·H rows, in PyTorch's order, _reverse for the backward direction", () => {
    const shapes = (m: nn.Module) => m.namedParameters().map(([n, p]) => [n, (p as Tensor).shape]);
    expect(shapes(new nn.GRU(3, 5, { numLayers: 2, bias: false }))).toEqual([
      ["weight_ih_l0", [15, 3]],
      ["weight_hh_l0", [15, 5]],
      ["weight_ih_l1", [15, 5]],
      ["weight_hh_l1", [15, 5]],
    ]);
    expect(shapes(new nn.LSTM(2, 3, { bidirectional: true, numLayers: 2 })).slice(4, 10)).toEqual([
      ["weight_ih_l0_reverse", [12, 2]],
      ["weight_hh_l0_reverse", [12, 3]],
      ["bias_ih_l0_reverse", [12]],
      ["bias_hh_l0_reverse", [12]],
      ["weight_ih_l1", [12, 6]],
      ["weight_hh_l1", [12, 3]],
    ]);
    expect(shapes(new nn.RNN(4, 2))).toEqual([
      ["weight_ih_l0", [2, 4]],
      ["weight_hh_l0", [2, 2]],
      ["bias_ih_l0", [2]],
      ["bias_hh_l0", [2]],
    ]);
  });

  it("are drawn from U(−1/√H, 1/√H) with the seeded generator", () => {
    manualSeed(3);
    const a = new nn.LSTM(5, 16, { numLayers: 2 });
    manualSeed(3);
    const b = new nn.LSTM(5, 16, { numLayers: 2 });
    expect(a.stateDict()).toEqual(b.stateDict());
    const all = a.parameters().flatMap((p) => Array.from((p as Tensor).data as Float64Array));
    expect(Math.max(...all.map(Math.abs))).toBeLessThanOrEqual(0.25);
    expect(Math.max(...all)).toBeGreaterThan(0.24);
    expect(Math.min(...all)).toBeLessThan(-0.24);
  });

  it("keep the layer's settings readable", () => {
    const rnn = new nn.RNN(3, 4, { nonlinearity: "relu", numLayers: 3, batchFirst: true, dropout: 0.2 });
    expect([rnn.inputSize, rnn.hiddenSize, rnn.numLayers, rnn.nonlinearity]).toEqual([3, 4, 3, "relu"]);
    expect([rnn.bias, rnn.batchFirst, rnn.dropout, rnn.bidirectional]).toEqual([true, true, 0.2, false]);
  });
});

describe("gradcheck", () => {
  const x = () => tensor([[[0.3, -0.7]], [[1.1, 0.2]], [[-0.4, 0.9]]], { requiresGrad: true }); // [3, 1, 2]
  const h = () => tensor([[[0.1, -0.5]]], { requiresGrad: true }); // [1, 1, 2]
  const weights = (layer: nn.Module) => layer.parameters() as Tensor[];

  for (const kind of ["RNN", "LSTM", "GRU"] as const) {
    it(`${kind}: gradients and gradients of gradients match finite differences for the input, the state and the weights`, () => {
      manualSeed(1);
      const layer = build(kind, 2, 2);
      const ws = weights(layer);
      const names = layer.namedParameters().map(([n]) => n);
      const f = (xx: Tensor, hh: Tensor, ...ps: Tensor[]) => {
        // the checked copies of the weights go in through the layer's own properties
        const own = layer as unknown as Record<string, Tensor>;
        const saved = names.map((n) => own[n] as Tensor);
        names.forEach((n, i) => {
          own[n] = ps[i] as Tensor;
        });
        try {
          const { output, hN, cN } = run(layer, xx, hh, kind === "LSTM" ? hh.mul(0.5) : undefined);
          let y = output.sum().add(hN.square().sum());
          if (cN) y = y.add(cN.mul(0.3).sum());
          return y;
        } finally {
          names.forEach((n, i) => {
            own[n] = saved[i] as Tensor;
          });
        }
      };
      expect(gradcheck(f, [x(), h(), ...ws]).ok).toBe(true);
      expect(gradgradcheck(f, [x(), h(), ...ws]).ok).toBe(true);
    });
  }

  it("RNN with relu, 2 layers, batchFirst: gradcheck", () => {
    manualSeed(2);
    const rnn = new nn.RNN(2, 3, {
      nonlinearity: "relu",
      numLayers: 2,
      batchFirst: true,
      bidirectional: true,
    });
    const f = (xx: Tensor) => {
      const [out, hN] = rnn.forward(xx);
      return out.sum().add(hN.sum());
    };
    expect(
      gradcheck(f, [
        tensor([
          [
            [0.3, -0.7],
            [1.1, 0.2],
            [-0.4, 0.9],
          ],
        ]),
      ]).ok,
    ).toBe(true);
  });
});

describe("forward", () => {
  it("runs unbatched [L, in] input and gives [L, H] and [numLayers, H]", () => {
    const gru = new nn.GRU(3, 4, { numLayers: 2 });
    const x = tensor([
      [1, 2, 3],
      [0, -1, 0.5],
    ]);
    const [out, hN] = gru.forward(x);
    expect(out.shape).toEqual([2, 4]);
    expect(hN.shape).toEqual([2, 4]);
    const [outB, hB] = gru.forward(x.reshape([2, 1, 3]));
    expectAllClose(out, outB.reshape([2, 4]), 1e-15);
    expectAllClose(hN, hB.reshape([2, 4]), 1e-15);
  });

  it("batchFirst transposes only the input and output, not the states", () => {
    manualSeed(0);
    const a = new nn.LSTM(2, 3, { numLayers: 2 });
    const b = new nn.LSTM(2, 3, { numLayers: 2, batchFirst: true });
    b.loadStateDict(a.stateDict());
    const x = tensor([
      [
        [1, 2],
        [3, 4],
      ],
      [
        [0.5, -1],
        [2, 0],
      ],
      [
        [-1, 1],
        [0, 0],
      ],
    ]); // [L = 3, N = 2, 2]
    const [oa, [ha, ca]] = a.forward(x);
    const [ob, [hb, cb]] = b.forward(x.transpose(0, 1));
    expectAllClose(oa, ob.transpose(0, 1), 1e-15);
    expectAllClose(ha, hb, 1e-15);
    expectAllClose(ca, cb, 1e-15);
    expect(hb.shape).toEqual([2, 2, 3]);
  });

  it("the output's last step is the last layer's hN (forward direction)", () => {
    const rnn = new nn.RNN(2, 3, { numLayers: 2 });
    const [out, hN] = rnn.forward(zeros([4, 2, 2]).add(0.5));
    expectAllClose(out.slice(0, 3, 4).reshape([2, 3]), hN.slice(0, 1, 2).reshape([2, 3]), 0);
  });

  it("applies dropout between layers in training only, never after the last layer", () => {
    manualSeed(0);
    const withDrop = new nn.GRU(2, 8, { numLayers: 2, dropout: 0.5 });
    const plain = new nn.GRU(2, 8, { numLayers: 2 });
    plain.loadStateDict(withDrop.stateDict());
    const x = zeros([3, 2, 2]).add(0.7);
    const [trainOut] = withDrop.forward(x);
    const [ref] = plain.forward(x);
    expect(trainOut.toArray()).not.toEqual(ref.toArray());
    const [evalOut] = withDrop.eval().forward(x);
    expectAllClose(evalOut, ref, 0);
    // one layer: nothing to drop between, so training changes nothing
    const single = new nn.RNN(2, 3, { dropout: 0.5 });
    const [o1] = single.forward(x);
    const [o2] = single.eval().forward(x);
    expectAllClose(o1, o2, 0);
  });

  it("runs an empty batch", () => {
    const [out, [hN, cN]] = new nn.LSTM(3, 4, { numLayers: 2, batchFirst: true }).forward(zeros([0, 5, 3]));
    expect([out.shape, hN.shape, cN.shape]).toEqual([
      [0, 5, 4],
      [2, 0, 4],
      [2, 0, 4],
    ]);
  });

  it("keeps float32", () => {
    const lstm = new nn.LSTM(2, 3, { dtype: "float32" });
    const [out, [hN, cN]] = lstm.forward(zeros([2, 1, 2], { dtype: "float32" }));
    expect([out.dtype, hN.dtype, cN.dtype]).toEqual(["float32", "float32", "float32"]);
    out.sum().backward();
    expect(lstm.weight_ih_l0.grad?.dtype).toBe("float32");
  });

  it("reads the weights by name at each call, so reloading a state changes the next forward", () => {
    const rnn = new nn.RNN(1, 1, { bias: false });
    rnn.loadStateDict({
      weight_ih_l0: { shape: [1, 1], dtype: "float64", data: [1] },
      weight_hh_l0: { shape: [1, 1], dtype: "float64", data: [0] },
    });
    const [out] = rnn.forward(tensor([[0.5], [1]]));
    expectAllClose(out, [[Math.tanh(0.5)], [Math.tanh(1)]], 1e-15);
  });
});

describe("errors", () => {
  it("refuses bad sizes and options, naming the layer", () => {
    expect(() => new nn.RNN(0, 3)).toThrow("RNN: inputSize must be a positive integer, got number 0");
    expect(() => new nn.LSTM(2, 1.5)).toThrow("LSTM: hiddenSize must be a positive integer, got number 1.5");
    expect(() => new nn.GRU(2, 3, { numLayers: 0 })).toThrow(
      "GRU: numLayers must be a positive integer, got number 0",
    );
    expect(() => new nn.GRU(2, 3, { dropout: 1 })).toThrow(
      "GRU: dropout must be a number in [0, 1), got number 1",
    );
    expect(() => new nn.RNN(2, 3, { nonlinearity: "sigmoid" as "tanh" })).toThrow(ChainruleError);
    expect(() => new nn.RNN(2, 3, { nonlinearity: "sigmoid" as "tanh" })).toThrow(/RNN: nonlinearity/);
    expect(() => new nn.LSTM(2, 3, { batchFirst: 1 as unknown as boolean })).toThrow(/LSTM: batchFirst/);
    expect(() => new nn.LSTM(2, 3, { dtype: "int32" as "float64" })).toThrow(
      'LSTM: dtype must be "float64" or "float32", got string "int32"',
    );
    expect(() => new nn.GRU(2, 3, null as unknown as Options)).toThrow(ChainruleError);
  });

  it("refuses an input of the wrong size or rank", () => {
    const lstm = new nn.LSTM(3, 4);
    expect(() => lstm.forward(zeros([5, 2, 4]))).toThrow(
      "LSTM: input must be [L, N, 3] (or [L, 3] unbatched), got [5,2,4]",
    );
    expect(() => new nn.GRU(3, 4, { batchFirst: true }).forward(zeros([5]))).toThrow(
      "GRU: input must be [N, L, 3] (or [L, 3] unbatched), got [5]",
    );
    expect(() => new nn.RNN(3, 4).forward([1, 2, 3] as unknown as Tensor)).toThrow(/RNN: input must be/);
    expect(() => new nn.LSTM(3, 4, { batchFirst: true }).forward(zeros([2, 0, 3]))).toThrow(
      "LSTM: the sequence must have at least one step, got [2,0,3]",
    );
    expect(() => new nn.GRU(3, 4).forward(zeros([0, 3]))).toThrow(
      "GRU: the sequence must have at least one step, got [0,3]",
    );
  });

  it("refuses initial states of the wrong shape", () => {
    const x = zeros([5, 2, 3]);
    expect(() => new nn.RNN(3, 4, { numLayers: 2 }).forward(x, zeros([1, 2, 4]))).toThrow(
      "RNN: h0 must be [2,2,4], got [1,2,4]",
    );
    expect(() => new nn.GRU(3, 4, { bidirectional: true }).forward(x, zeros([1, 2, 4]))).toThrow(
      "GRU: h0 must be [2,2,4], got [1,2,4]",
    );
    expect(() => new nn.GRU(3, 4).forward(zeros([5, 3]), zeros([1, 2, 4]))).toThrow(
      "GRU: h0 must be [1,4], got [1,2,4]",
    );
    const lstm = new nn.LSTM(3, 4);
    expect(() => lstm.forward(x, [zeros([1, 2, 4]), zeros([1, 4])])).toThrow(
      "LSTM: c0 must be [1,2,4], got [1,4]",
    );
    expect(() => lstm.forward(x, zeros([1, 2, 4]) as unknown as [Tensor, Tensor])).toThrow(
      /LSTM: the initial state must be \[h0, c0\]/,
    );
  });
});
