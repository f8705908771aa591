/**
 * `DataLoader`: mini-batches over tensors sharing a first dimension — sizes, the last batch,
 * dropLast, length, and shuffling (seeded, new order every epoch, each example once per epoch).
 */
import { describe, expect, it } from "vitest";
import {
  ChainruleError,
  DataLoader,
  data,
  manualSeed,
  Rng,
  type Tensor,
  tensor,
  zeros,
} from "../../src/index";

/** n examples: x row i is [i, 10i], y is i, so every batch can be traced back to its indices. */
function indexed(n: number): [Tensor, Tensor] {
  const x = tensor(Array.from({ length: n }, (_, i) => [i, 10 * i]));
  const y = tensor(Array.from({ length: n }, (_, i) => i));
  return [x, y];
}

const epoch = (loader: DataLoader): number[][] =>
  Array.from(loader, ([, y]) => Array.from((y as Tensor).data));

describe("DataLoader", () => {
  it("is exported at the root and in the data namespace", () => {
    expect(data.DataLoader).toBe(DataLoader);
  });

  it("yields batches of batchSize in order, one tensor per input, rows picked together", () => {
    const [x, y] = indexed(10);
    const loader = new DataLoader([x, y], { batchSize: 4 });
    const batches = Array.from(loader);
    expect(batches.map((b) => b.map((t) => t.shape))).toEqual([
      [[4, 2], [4]],
      [[4, 2], [4]],
      [[2, 2], [2]],
    ]);
    expect(epoch(loader)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    for (const [xb, yb] of batches) {
      expect((xb as Tensor).toArray()).toEqual(Array.from((yb as Tensor).data, (i) => [i, 10 * i]));
    }
  });

  it("has length ⌈n / batchSize⌉, or ⌊n / batchSize⌋ with dropLast, and size n", () => {
    const [x, y] = indexed(10);
    expect(new DataLoader([x, y], { batchSize: 4 }).length).toBe(3);
    expect(new DataLoader([x, y], { batchSize: 4, dropLast: true }).length).toBe(2);
    expect(new DataLoader([x, y], { batchSize: 5, dropLast: true }).length).toBe(2);
    expect(new DataLoader([x, y], { batchSize: 20 }).length).toBe(1);
    expect(new DataLoader([x, y], { batchSize: 20, dropLast: true }).length).toBe(0);
    expect(new DataLoader([x, y]).size).toBe(10);
    expect(new DataLoader([x, y]).batchSize).toBe(32);
  });

  it("dropLast drops the smaller last batch only", () => {
    const [x, y] = indexed(10);
    expect(epoch(new DataLoader([x, y], { batchSize: 4, dropLast: true }))).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    expect(epoch(new DataLoader([x, y], { batchSize: 5, dropLast: true }))).toHaveLength(2);
    expect(Array.from(new DataLoader([x, y], { batchSize: 20, dropLast: true }))).toEqual([]);
  });

  it("yields the number of batches its length says, in every configuration", () => {
    const [x, y] = indexed(7);
    for (const batchSize of [1, 2, 3, 7, 8]) {
      for (const dropLast of [false, true]) {
        const loader = new DataLoader([x, y], { batchSize, dropLast, shuffle: true, generator: new Rng(1) });
        expect(Array.from(loader)).toHaveLength(loader.length);
      }
    }
  });

  it("batches are plain tensors outside the graph", () => {
    const x = tensor([[1], [2]], { requiresGrad: true });
    const [batch] = Array.from(new DataLoader([x]));
    const xb = batch?.[0];
    expect((xb as Tensor).requiresGrad).toBe(false);
    expect((xb as Tensor).parents).toEqual([]);
  });

  describe("shuffle", () => {
    it("visits every example exactly once per epoch, in a new order each epoch", () => {
      const [x, y] = indexed(50);
      const loader = new DataLoader([x, y], { batchSize: 8, shuffle: true, generator: new Rng(7) });
      const orders = [0, 1, 2].map(() => epoch(loader).flat());
      for (const order of orders) {
        expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      }
      expect(orders[1]).not.toEqual(orders[0]);
      expect(orders[2]).not.toEqual(orders[1]);
      expect(orders[0]).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    });

    it("is reproducible with a generator: the same seed gives the same epochs", () => {
      const [x, y] = indexed(30);
      const run = () => {
        const loader = new DataLoader([x, y], { batchSize: 7, shuffle: true, generator: new Rng(3) });
        return [epoch(loader), epoch(loader)];
      };
      expect(run()).toEqual(run());
      const other = new DataLoader([x, y], { batchSize: 7, shuffle: true, generator: new Rng(4) });
      expect(epoch(other)).not.toEqual(run()[0]);
    });

    it("follows the generator's permutation", () => {
      const [x, y] = indexed(12);
      const loader = new DataLoader([x, y], { batchSize: 5, shuffle: true, generator: new Rng(9) });
      expect(epoch(loader).flat()).toEqual(new Rng(9).permutation(12));
    });

    it("uses the global generator (manualSeed) when none is given", () => {
      const [x, y] = indexed(20);
      const loader = new DataLoader([x, y], { batchSize: 6, shuffle: true });
      manualSeed(5);
      const a = epoch(loader);
      manualSeed(5);
      const b = epoch(loader);
      expect(b).toEqual(a);
    });

    it("keeps rows of all tensors together", () => {
      const [x, y] = indexed(25);
      const loader = new DataLoader([x, y, y.mul(2)], { batchSize: 4, shuffle: true, generator: new Rng(2) });
      for (const [xb, yb, zb] of loader) {
        const ids = Array.from((yb as Tensor).data);
        expect((xb as Tensor).toArray()).toEqual(ids.map((i) => [i, 10 * i]));
        expect(Array.from((zb as Tensor).data)).toEqual(ids.map((i) => 2 * i));
      }
    });
  });

  it("rejects tensors that disagree on the number of examples, 0-d tensors and bad batch sizes", () => {
    const [x, y] = indexed(5);
    expect(() => new DataLoader([x, tensor([1, 2])])).toThrow(ChainruleError);
    expect(() => new DataLoader([x, tensor([1, 2])])).toThrow(
      "DataLoader: tensors disagree on the number of examples: [5,2], [2]",
    );
    expect(() => new DataLoader([tensor(1)])).toThrow(ChainruleError);
    expect(() => new DataLoader([])).toThrow(ChainruleError);
    expect(() => new DataLoader(x as never)).toThrow(ChainruleError);
    for (const batchSize of [0, -1, 2.5, Number.NaN]) {
      expect(() => new DataLoader([x, y], { batchSize })).toThrow(/DataLoader: batchSize/);
    }
  });
});

describe("DataLoader options", () => {
  const x = () => zeros([4, 2]);
  it.each([
    ["shuffle 'yes'", { shuffle: "yes" }, 'DataLoader: shuffle must be true or false, got string "yes"'],
    ["dropLast 1", { dropLast: 1 }, "DataLoader: dropLast must be true or false, got number 1"],
    ["generator {}", { generator: {} }, "DataLoader: generator must be an Rng, got Object"],
    ["batchSize 0", { batchSize: 0 }, "DataLoader: batchSize must be an integer ≥ 1, got number 0"],
  ])("%s", (_name, options, message) => {
    const make = () => new DataLoader([x()], options as never);
    expect(make).toThrow(ChainruleError);
    expect(make).toThrow(message);
  });

  it("options must be an object", () => {
    expect(() => new DataLoader([x()], null as never)).toThrow(
      "DataLoader: options must be an object, got null",
    );
  });
});
