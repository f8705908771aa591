/**
 * The overloads of grad/valueAndGrad give precise result types: these lines must typecheck
 * (npm test runs tsc over the tests) and the values must be right.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { grad, type Tensor, tensor, valueAndGrad } from "../../src/index";

describe("grad's result types follow argnums", () => {
  it("one tensor argument gives a Tensor, so grad(grad(f)) needs no cast", () => {
    const f = (x: Tensor) => x.pow(3);
    const d2 = grad(grad(f))(tensor(2));
    expectTypeOf(d2).toEqualTypeOf<Tensor>();
    expect(d2.item()).toBe(12);
  });

  it("several tensor arguments give Tensor[]", () => {
    const gs = grad((x: Tensor, y: Tensor) => x.mul(y))(tensor(2), tensor(5));
    expectTypeOf(gs).toEqualTypeOf<Tensor[]>();
    expect(gs.map((g) => g.item())).toEqual([5, 2]);
  });

  it("a number argnums gives a Tensor and an array argnums gives Tensor[]", () => {
    const f = (x: Tensor, y: Tensor) => x.mul(y.square());
    const dy = grad(f, { argnums: 1 })(tensor(2), tensor(5));
    expectTypeOf(dy).toEqualTypeOf<Tensor>();
    expect(dy.item()).toBe(20);
    const [value, [dx]] = valueAndGrad(f, { argnums: [0] })(tensor(2), tensor(5));
    expectTypeOf(value).toEqualTypeOf<Tensor>();
    expect(value.item()).toBe(50);
    expect(dx?.item()).toBe(25);
  });
});
