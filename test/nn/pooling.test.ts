/**
 * SPEC §9 pooling: `nn.maxPool2d` (one node; the gradient to each window's maximum, through the
 * adjoint pair poolScatter ↔ poolSelect), `nn.avgPool2d` and `nn.adaptiveAvgPool2d` (one node
 * each, with the adjoint avgPoolSpread) and their modules. Values and gradients against PyTorch:
 * test/autograd/torch-reference.test.ts (nn_pools); op-table gradcheck/gradgradcheck for
 * maxPool2d, poolSelect, poolScatter, avgPool2d, adaptiveAvgPool2d and avgPoolSpread. Here: hand
 * values, shapes, NaN, double backward and errors.
 */
import { describe, expect, it } from "vitest";
import {
  ChainruleError,
  gradcheck,
  gradgradcheck,
  gradients,
  nn,
  type Tensor,
  tensor,
  zeros,
} from "../../src/index";

const x44 = () =>
  tensor(
    [
      [
        [
          [1, 2, 5, 0],
          [3, 4, 1, 1],
          [0, 0, 9, 8],
          [2, 1, 7, 6],
        ],
      ],
    ],
    { requiresGrad: true },
  );

describe("maxPool2d", () => {
  it("takes each window's maximum and sends the gradient there", () => {
    const x = x44();
    const y = nn.maxPool2d(x, 2);
    expect(y.op).toBe("maxPool2d");
    expect(y.toArray()).toEqual([
      [
        [
          [4, 5],
          [2, 9],
        ],
      ],
    ]);
    y.sum().backward();
    expect(x.grad?.toArray()).toEqual([
      [
        [
          [0, 0, 1, 0],
          [0, 1, 0, 0],
          [0, 0, 1, 0],
          [1, 0, 0, 0],
        ],
      ],
    ]);
  });

  it("pads with −∞, steps by stride, and lets NaN win as PyTorch", () => {
    const x = tensor([
      [
        [
          [1, Number.NaN],
          [3, 2],
        ],
      ],
    ]);
    expect(nn.maxPool2d(x, 2).toArray()).toEqual([[[[Number.NaN]]]]);
    const y = nn.maxPool2d(
      tensor([
        [
          [
            [-5, -6],
            [-7, -8],
          ],
        ],
      ]),
      2,
      { stride: 1, padding: 1 },
    );
    expect(y.toArray()).toEqual([
      [
        [
          [-5, -5, -6],
          [-5, -5, -6],
          [-7, -7, -8],
        ],
      ],
    ]);
  });

  it("has second derivatives: ∂/∂x of ⟨maxPool(x)², c⟩ is gradchecked", () => {
    const c = tensor([
      [
        [
          [0.5, -1],
          [2, 0.25],
        ],
      ],
    ]);
    const f = (x: Tensor) => nn.maxPool2d(x, 2).pow(2).mul(c).sum();
    const x = tensor(
      [
        [
          [
            [1, 2, 5, 0],
            [3, 4, 1, 1.5],
            [0, 0.5, 9, 8],
            [2, 1, 7, 6],
          ],
        ],
      ],
      { requiresGrad: true },
    );
    expect(gradcheck(f, [x]).ok).toBe(true);
    expect(gradgradcheck(f, [x]).ok).toBe(true);
  });
});

describe("avgPool2d and adaptiveAvgPool2d", () => {
  it("average each window (zero padding counted) and spread the gradient evenly", () => {
    const x = x44();
    expect(nn.avgPool2d(x, 2).toArray()).toEqual([
      [
        [
          [2.5, 1.75],
          [0.75, 7.5],
        ],
      ],
    ]);
    nn.avgPool2d(x, 2).sum().backward();
    expect(x.grad?.toArray()).toEqual([
      [
        [
          [0.25, 0.25, 0.25, 0.25],
          [0.25, 0.25, 0.25, 0.25],
          [0.25, 0.25, 0.25, 0.25],
          [0.25, 0.25, 0.25, 0.25],
        ],
      ],
    ]);
    // padding 1: the corner window holds one real element of four
    expect(
      (nn.avgPool2d(tensor([[[[4]]]]), 2, { stride: 1, padding: 1 }).toArray() as number[][][][])[0]?.[0],
    ).toEqual([
      [1, 1],
      [1, 1],
    ]);
  });

  it("adaptive pooling covers the input with overlapping windows when the size does not divide", () => {
    const x = tensor([[[[1, 2, 3, 4, 5]]]]);
    // windows [0, 3) and [2, 5) along the width
    expect(nn.adaptiveAvgPool2d(x, [1, 2]).toArray()).toEqual([[[[2, 4]]]]);
    expect(nn.adaptiveAvgPool2d(zeros([2, 3, 7, 7]), 1).shape).toEqual([2, 3, 1, 1]);
    const f = (t: Tensor) => nn.adaptiveAvgPool2d(t, [2, 3]).pow(2).sum();
    const t = tensor(
      [
        [
          [
            [1, 2, 3, 4],
            [5, 6, 7, 8],
            [9, 10, 11, 12],
          ],
        ],
      ],
      { requiresGrad: true },
    );
    expect(gradgradcheck(f, [t]).ok).toBe(true);
  });
});

describe("pooling modules", () => {
  it("have no parameters and keep unbatched input unbatched", () => {
    for (const m of [new nn.MaxPool2d(2), new nn.AvgPool2d(2), new nn.AdaptiveAvgPool2d([2, 2])]) {
      expect(m.parameters()).toEqual([]);
      expect(m.forward(zeros([3, 4, 4])).shape).toEqual([3, 2, 2]);
      expect(m.forward(zeros([5, 3, 4, 4])).shape).toEqual([5, 3, 2, 2]);
    }
    expect(new nn.MaxPool2d(2, { stride: 1 }).forward(zeros([1, 1, 3, 3])).shape).toEqual([1, 1, 2, 2]);
  });

  it("refuse bad sizes and inputs with ChainruleError naming the op", () => {
    expect(() => new nn.MaxPool2d(0)).toThrow(ChainruleError);
    expect(() => nn.maxPool2d(zeros([1, 1, 4, 4]), 2, { padding: 2 })).toThrow(
      "maxPool2d: padding [2,2] must be at most half the kernel [2,2]",
    );
    expect(() => nn.maxPool2d(zeros([4, 4]), 2)).toThrow(
      "maxPool2d: expected input [N, C, H, W] or [C, H, W], got [4,4]",
    );
    expect(() => nn.avgPool2d(zeros([1, 1, 2, 2]), 3)).toThrow(
      "avgPool2d: the window [3,3] does not fit the input [1,1,2,2] (padding [0,0])",
    );
    expect(() => nn.adaptiveAvgPool2d(zeros([1, 1, 2, 2]), [0, 1])).toThrow(
      /adaptiveAvgPool2d: outputSize must be/,
    );
  });
});

describe("average pools are one node each", () => {
  it("avgPool2d and adaptiveAvgPool2d record one node on the input; their gradients one avgPoolSpread", () => {
    const x = x44();
    for (const [y, op] of [
      [nn.avgPool2d(x, 2, { padding: 1 }), "avgPool2d"],
      [nn.adaptiveAvgPool2d(x, [3, 2]), "adaptiveAvgPool2d"],
    ] as const) {
      expect(y.op).toBe(op);
      expect(y.parents).toEqual([x]);
      const [g] = gradients(y.sum(), [x], { createGraph: true });
      expect(g?.op).toBe("avgPoolSpread");
    }
  });
});
