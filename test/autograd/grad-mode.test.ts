import { describe, expect, it } from "vitest";
import { ChainruleError, enableGrad, isGradEnabled, noGrad, tensor } from "../../src/index";

describe("noGrad / enableGrad", () => {
  it("restores the mode after fn returns or throws", () => {
    expect(noGrad(() => isGradEnabled())).toBe(false);
    expect(isGradEnabled()).toBe(true);
    expect(() =>
      noGrad(() => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(isGradEnabled()).toBe(true);
    expect(noGrad(() => enableGrad(() => isGradEnabled()))).toBe(true);
  });

  it("refuses a non-function with ChainruleError", () => {
    for (const bad of [5, null, undefined, "f", {}]) {
      expect(() => noGrad(bad as never)).toThrow(ChainruleError);
      expect(() => enableGrad(bad as never)).toThrow(ChainruleError);
    }
    expect(() => noGrad(5 as never)).toThrowErrorMatchingInlineSnapshot(
      `[ChainruleError: noGrad: fn must be a function, got number 5]`,
    );
  });

  it("refuses an async function (its code after await would record), with the mode restored", async () => {
    const w = tensor([1, 2], { requiresGrad: true });
    let after: boolean | undefined;
    expect(() =>
      noGrad(async () => {
        await Promise.resolve();
        after = w.mul(2).requiresGrad;
      }),
    ).toThrow(/noGrad: fn must be synchronous/);
    expect(isGradEnabled()).toBe(true);
    await new Promise((r) => setTimeout(r, 0));
    // what the refused function did after its await was recorded: the reason it is refused
    expect(after).toBe(true);
  });

  it("refuses any thenable", () => {
    // biome-ignore lint/suspicious/noThenProperty: a hand-made thenable is the point of this test
    expect(() => noGrad(() => ({ then: () => {} }))).toThrow(ChainruleError);
    expect(isGradEnabled()).toBe(true);
  });
});
