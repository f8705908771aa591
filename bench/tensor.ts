/**
 * The tensor engine's benchmarks (`npx tsx bench/tensor.ts`): matmul through the public API and
 * the raw `gemm` kernel (GFLOP/s = 2n³ / time), elementwise throughput on 10⁶ elements (same
 * shape, broadcast, scalar operand; elements/s), sum reductions and softmax over [1000, 100].
 *
 * Inputs do not require grad, so these time the forward computation (plus the node
 * bookkeeping every op call does); `softmax fwd + bwd` times a recorded forward and its backward.
 * Last, W6: one training step of the CNN demo (see `cnnStep` in workloads.ts).
 * Pass size filters as arguments: `npx tsx bench/tensor.ts matmul` runs only matching cases
 * (`npx tsx bench/tensor.ts W6` only the CNN step).
 */
import { type DType, rand, type Tensor } from "../src/index";
import { gemm } from "../src/tensor/kernels/backend";
import { gemmJs } from "../src/tensor/kernels/matmul";
import { type Case, isMain, runSuite } from "./harness";
import { cnnStep, W6 } from "./workloads";

export const MATMUL_SIZES = [128, 256, 512, 1024] as const;
const N = 1_000_000;

function randomArray(dtype: DType, size: number): Float32Array | Float64Array {
  const out = dtype === "float32" ? new Float32Array(size) : new Float64Array(size);
  for (let i = 0; i < size; i++) out[i] = Math.random();
  return out;
}

/** Slow cases (seconds per call) need fewer samples. */
const slow = (n: number) => (n >= 512 ? { minSamples: 3, maxTime: 6 } : {});

function matmulCases(dtype: DType): Case[] {
  const short = dtype === "float32" ? "f32" : "f64";
  return MATMUL_SIZES.flatMap((n): Case[] => {
    const work = { amount: 2 * n ** 3, unit: "FLOP" as const };
    return [
      {
        name: `matmul ${short} ${n}×${n} (tensor.matmul)`,
        setup: () => {
          const a = rand([n, n], { dtype });
          const b = rand([n, n], { dtype });
          return () => a.matmul(b);
        },
        work,
        options: slow(n),
      },
      // the kernels on plain typed arrays: the SIMD one in every layout the forward and backward
      // passes use (A·B, A·Bᵀ for x·Wᵀ and ḡ·Bᵀ, Aᵀ·B for Aᵀ·ḡ), and the TypeScript reference
      ...(
        [
          ["wasm gemm", "wasm", false, false],
          ["wasm gemm, A·Bᵀ", "wasm", false, true],
          ["wasm gemm, Aᵀ·B", "wasm", true, false],
          ["js gemm", "js", false, false],
        ] as const
      ).map(
        ([label, backend, aT, bT]): Case => ({
          name: `matmul ${short} ${n}×${n} (${label})`,
          setup: () => {
            const a = randomArray(dtype, n * n);
            const b = randomArray(dtype, n * n);
            const c = randomArray(dtype, n * n);
            return backend === "js"
              ? () => gemmJs(a, 0, b, 0, c, 0, n, n, n)
              : () => gemm(a, 0, b, 0, c, 0, n, n, n, bT, aT);
          },
          work,
          options: slow(n),
        }),
      ),
    ];
  });
}

/** An elementwise case over [1000, 1000] = 10⁶ elements; `make` builds the timed call. */
function elementwise(name: string, dtype: DType, make: (x: Tensor) => () => Tensor): Case {
  return {
    name: `${name} ${dtype === "float32" ? "f32" : "f64"}`,
    setup: () => make(rand([1000, 1000], { dtype })),
    work: { amount: N, unit: "elements" },
  };
}

function elementwiseCases(dtype: DType): Case[] {
  const other = (shape: number[]) => rand(shape, { dtype });
  return [
    elementwise("add [1000,1000] + [1000,1000]", dtype, (x) => {
      const y = other([1000, 1000]);
      return () => x.add(y);
    }),
    elementwise("add [1000,1000] + [1000] (row broadcast)", dtype, (x) => {
      const y = other([1000]);
      return () => x.add(y);
    }),
    elementwise("add [1000,1000] + [1000,1] (column broadcast)", dtype, (x) => {
      const y = other([1000, 1]);
      return () => x.add(y);
    }),
    elementwise("add [1000,1000] + number", dtype, (x) => () => x.add(0.5)),
    elementwise("mul [1000,1000] · [1000,1000]", dtype, (x) => {
      const y = other([1000, 1000]);
      return () => x.mul(y);
    }),
    elementwise("mul [1000,1000] · [1000] (row broadcast)", dtype, (x) => {
      const y = other([1000]);
      return () => x.mul(y);
    }),
    elementwise("exp [1000,1000]", dtype, (x) => () => x.exp()),
    elementwise("sigmoid [1000,1000]", dtype, (x) => () => x.sigmoid()),
  ];
}

function reductionCases(dtype: DType): Case[] {
  return [
    elementwise("sum all [1000,1000]", dtype, (x) => () => x.sum()),
    elementwise("sum axis 0 [1000,1000]", dtype, (x) => () => x.sum(0)),
    elementwise("sum axis 1 [1000,1000]", dtype, (x) => () => x.sum(1)),
  ];
}

function softmaxCases(dtype: DType): Case[] {
  const short = dtype === "float32" ? "f32" : "f64";
  const work = { amount: 100_000, unit: "elements" as const };
  return [
    {
      name: `softmax [1000,100] axis -1 ${short}`,
      setup: () => {
        const x = rand([1000, 100], { dtype });
        return () => x.softmax(-1);
      },
      work,
    },
    {
      name: `softmax [1000,100] fwd + bwd ${short}`,
      setup: () => {
        const x = rand([1000, 100], { dtype, requiresGrad: true });
        const w = rand([1000, 100], { dtype });
        return () => {
          x.grad = null;
          x.softmax(-1).mul(w).sum().backward();
        };
      },
      work,
    },
  ];
}

/** W6: the CNN demo's whole training step (a few hundred ms: a few samples are enough). */
export const W6_NAME = `W6: CNN step (MNIST CNN, batch ${W6.batch}, float32)`;

function cnnCases(): Case[] {
  return [{ name: W6_NAME, setup: () => cnnStep().step, options: { minSamples: 5, maxTime: 10 } }];
}

export const tensorCases: Case[] = [
  ...matmulCases("float32"),
  ...matmulCases("float64"),
  ...elementwiseCases("float64"),
  ...elementwiseCases("float32"),
  ...reductionCases("float64"),
  ...reductionCases("float32"),
  ...softmaxCases("float64"),
  ...softmaxCases("float32"),
  ...cnnCases(),
];

/** Runs the tensor suite; `filters` (substrings of case names) select cases. */
export async function runTensor(filters: readonly string[] = []): Promise<void> {
  const cases = filters.length
    ? tensorCases.filter((c) => filters.some((f) => c.name.includes(f)))
    : tensorCases;
  if (cases.length === 0) throw new Error(`no tensor case matches ${filters.join(", ")}`);
  await runSuite("tensor", cases);
}

if (isMain(import.meta.url)) await runTensor(process.argv.slice(2));
