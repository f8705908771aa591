/**
 * The kernel backend switch: both backends give the same products through the public API (to
 * rounding), the switch is checked, and CHAINRULE_BACKEND=js starts a process on the reference.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import {
  ChainruleError,
  getBackend,
  getMaxThreads,
  getNumThreads,
  manualSeed,
  nn,
  optim,
  randn,
  setBackend,
  setNumThreads,
  type Tensor,
} from "../../../src/index";
import { gemm, WASM_MIN_ELEMENTS, WASM_MIN_WORK } from "../../../src/tensor/kernels/backend";
import { THREAD_MIN_WORK, workerItems } from "../../../src/tensor/kernels/wasm";

const run = promisify(execFile);
const tsx = fileURLToPath(new URL("../../../node_modules/tsx/dist/cli.mjs", import.meta.url));
const index = fileURLToPath(new URL("../../../src/index.ts", import.meta.url));

const initial = getBackend();
afterEach(() => setBackend(initial));

describe("the kernel backend", () => {
  it("is wasm by default where WebAssembly SIMD exists (unless CHAINRULE_BACKEND=js)", () => {
    expect(initial).toBe(process.env.CHAINRULE_BACKEND === "js" ? "js" : "wasm");
  });

  it("gives the same matmul and gradients under js and wasm (float64 to 1e-13, float32 to 1e-5)", () => {
    for (const dtype of ["float64", "float32"] as const) {
      manualSeed(11);
      const x = randn([37, 70], { dtype, requiresGrad: true });
      const w = randn([70, 29], { dtype, requiresGrad: true });
      const results = (["js", "wasm"] as const).map((b) => {
        setBackend(b);
        x.grad = null;
        w.grad = null;
        const y = x.matmul(w);
        y.square().sum().backward();
        return [y, x.grad, w.grad].map((t) => Array.from(t?.data ?? []));
      });
      const tol = dtype === "float64" ? 1e-13 : 1e-5;
      results[0]?.forEach((js, i) => {
        const wasm = results[1]?.[i] as number[];
        const scale = Math.max(1, ...js.map(Math.abs));
        const err = Math.max(...js.map((v, j) => Math.abs(v - (wasm[j] as number))));
        expect(err / scale).toBeLessThan(tol);
      });
    }
  });

  it("gives the same bits for ReLU, its gradient, the bias add, SGD and Adam steps under js and wasm", () => {
    // [rows, in, out]: all loops in JavaScript; ReLU and the bias add over ≥ WASM_MIN_ELEMENTS
    // activations; the SGD and Adam updates over a ≥ WASM_MIN_ELEMENTS weight. Every product stays in
    // JavaScript (fewer than WASM_MIN_WORK multiply-adds), so any difference is an elementwise loop's.
    for (const [rows, inF, outF] of [
      [5, 3, 3],
      [400, 3, 3],
      [1, 64, 32],
    ] as const) {
      expect(rows * inF * outF).toBeLessThan(WASM_MIN_WORK);
      expect(Math.max(rows * outF, inF * outF) >= WASM_MIN_ELEMENTS).toBe(rows !== 5);
      for (const dtype of ["float64", "float32"] as const) {
        const results = (["js", "wasm"] as const).map((b) => {
          setBackend(b);
          manualSeed(4);
          const layer = new nn.Linear(inF, outF, { dtype });
          const x = randn([rows, inF], { dtype });
          const opt = new optim.SGD(layer.parameters(), { lr: 0.1, momentum: 0.9 });
          const plain = new optim.SGD(layer.parameters(), { lr: 0.05 });
          const adam = new optim.Adam(layer.parameters(), { lr: 0.01, weightDecay: 0.1 });
          let y = layer.forward(x);
          for (const o of [opt, opt, plain, adam, adam]) {
            o.zeroGrad();
            y = layer.forward(x).relu();
            y.square().sum().backward();
            o.step();
          }
          return [y, layer.weight, layer.bias as Tensor].map((t) => Array.from(t.data));
        });
        expect(results[1]).toEqual(results[0]);
      }
    }
  });

  it("keeps small products in JavaScript, bit for bit the reference", () => {
    setBackend("wasm");
    const a = Float32Array.from({ length: 9 }, (_, i) => i / 3);
    const b = Float32Array.from({ length: 9 }, (_, i) => 1 / (i + 1));
    const c1 = new Float32Array(9);
    gemm(a, 0, b, 0, c1, 0, 3, 3, 3);
    setBackend("js");
    const c2 = new Float32Array(9);
    gemm(a, 0, b, 0, c2, 0, 3, 3, 3);
    expect(27).toBeLessThan(WASM_MIN_WORK);
    expect(Array.from(c1)).toEqual(Array.from(c2));
  });

  it("refuses an unknown backend and changes nothing", () => {
    expect(() => setBackend("gpu" as "js")).toThrow(ChainruleError);
    expect(() => setBackend("gpu" as "js")).toThrow(
      'setBackend: backend must be "js" or "wasm", got string "gpu"',
    );
    expect(getBackend()).toBe(initial);
  });

  it("starts on js when CHAINRULE_BACKEND=js", async () => {
    const program = `const { getBackend } = await import(${JSON.stringify(index)}); console.log(getBackend());`;
    const { stdout } = await run(process.execPath, [tsx, "--input-type=module", "-e", program], {
      env: { ...process.env, CHAINRULE_BACKEND: "js" },
    });
    expect(stdout.trim()).toBe("js");
  });
});

describe("threads", () => {
  afterEach(() => setNumThreads(getMaxThreads()));

  it("use both cores here by default (2 on this machine's CI), 1 on the js backend", () => {
    expect(getMaxThreads()).toBeGreaterThanOrEqual(1);
    if (process.env.CHAINRULE_BACKEND !== "js") expect(getNumThreads()).toBe(getMaxThreads());
    setBackend("js");
    expect(getNumThreads()).toBe(1);
  });

  it("give bit-identical products on 1 and 2 threads: every row is computed the same way", async () => {
    setBackend("wasm");
    expect(200 * 200 * 190).toBeGreaterThanOrEqual(THREAD_MIN_WORK);
    for (const [m, k, n, aT, bT] of [
      // all above THREAD_MIN_WORK (192³), so the second thread takes part
      [200, 200, 190, false, false],
      [257, 120, 300, true, false],
      [161, 300, 160, false, true],
    ] as const) {
      for (const Ctor of [Float32Array, Float64Array] as const) {
        const filled = (length: number, f: (i: number) => number) => {
          const x = new Ctor(length);
          for (let i = 0; i < length; i++) x[i] = f(i);
          return x;
        };
        const a = filled(m * k, Math.sin);
        const b = filled(k * n, (i) => Math.cos(3 * i));
        const one = new Ctor(m * n);
        const two = new Ctor(m * n);
        setNumThreads(1);
        gemm(a, 0, b, 0, one, 0, m, k, n, bT, aT);
        setNumThreads(2);
        // the helper starts asynchronously and may wake late: repeat until it has taken a block
        const before = workerItems();
        const other = filled(m * k, Math.cos);
        const scratch = new Ctor(m * n);
        for (let attempt = 0; attempt < 50; attempt++) {
          // another product first, so no row of the kernels' memory still holds this one's result
          gemm(other, 0, b, 0, scratch, 0, m, k, n, bT, aT);
          two.fill(Number.NaN);
          gemm(a, 0, b, 0, two, 0, m, k, n, bT, aT);
          expect(Array.from(two)).toEqual(Array.from(one));
          if (workerItems() > before) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        if (getMaxThreads() > 1) expect(workerItems()).toBeGreaterThan(before);
      }
    }
  });

  it("refuse a count that is not an integer ≥ 1", () => {
    expect(() => setNumThreads(0)).toThrow(
      new ChainruleError("setNumThreads: expected an integer ≥ 1, got number 0"),
    );
    expect(() => setNumThreads(1.5)).toThrow(ChainruleError);
  });

  it("never keep a process alive, and CHAINRULE_THREADS=1 keeps it on one", async () => {
    const program = [
      `const { getNumThreads, randn } = await import(${JSON.stringify(index)});`,
      "const a = randn([300, 300], { dtype: 'float32' });",
      "a.matmul(a); await new Promise((r) => setTimeout(r, 100)); a.matmul(a);",
      "console.log(getNumThreads());",
    ].join("\n");
    const started = Date.now();
    const two = await run(process.execPath, [tsx, "--input-type=module", "-e", program], { timeout: 20_000 });
    expect(two.stdout.trim()).toBe(process.env.CHAINRULE_BACKEND === "js" ? "1" : String(getMaxThreads()));
    expect(Date.now() - started).toBeLessThan(20_000);
    const one = await run(process.execPath, [tsx, "--input-type=module", "-e", program], {
      env: { ...process.env, CHAINRULE_THREADS: "1" },
      timeout: 20_000,
    });
    expect(one.stdout.trim()).toBe("1");
  }, 60_000);
});
