/**
 * ONNX export: traces one forward pass and writes the recorded graph as a standard ONNX
 * `ModelProto` (IR version 8, opset 17), weights as initializers. Browser-safe: the encoder is
 * protobufjs (light build) with the ONNX messages described below; no Node imports.
 */
import protobuf from "protobufjs/light.js";
import { enableGrad } from "../autograd/grad-mode";
import { ChainruleError, describe } from "../errors";
import { Module } from "../nn/module";
import { Tensor } from "../tensor/tensor";
import { version } from "../version";

/** Options of {@link exportOnnx}. */
export interface OnnxExportOptions {
  /** ONNX opset (default 17, the only one supported for now). */
  opsetVersion?: number;
  /** Names of the graph inputs (default `input`, or `input0, input1, …`). */
  inputNames?: readonly string[];
  /** Names of the graph outputs (default `output`, or `output0, output1, …`). */
  outputNames?: readonly string[];
  /** Symbolic axes per input/output name, e.g. `{ input: { 0: "batch" } }`. */
  dynamicAxes?: Readonly<Record<string, Readonly<Record<number, string>>>>;
}

/** What {@link exportOnnx} traces: a module (its `forward`) or a function of tensors. */
export type OnnxTraceable = Module | ((...inputs: Tensor[]) => Tensor | readonly Tensor[]);

// --- the ONNX messages (field numbers of onnx.proto) -------------------------------------
const ONNX_SCHEMA = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: { type: "string", id: 1 },
            f: { type: "float", id: 2 },
            i: { type: "int64", id: 3 },
            s: { type: "bytes", id: 4 },
            t: { type: "TensorProto", id: 5 },
            floats: { rule: "repeated", type: "float", id: 7 },
            ints: { rule: "repeated", type: "int64", id: 8 },
            type: { type: "int32", id: 20 },
          },
        },
        ValueInfoProto: {
          fields: { name: { type: "string", id: 1 }, type: { type: "TypeProto", id: 2 } },
        },
        NodeProto: {
          fields: {
            input: { rule: "repeated", type: "string", id: 1 },
            output: { rule: "repeated", type: "string", id: 2 },
            name: { type: "string", id: 3 },
            opType: { type: "string", id: 4 },
            attribute: { rule: "repeated", type: "AttributeProto", id: 5 },
            domain: { type: "string", id: 7 },
          },
        },
        ModelProto: {
          fields: {
            irVersion: { type: "int64", id: 1 },
            producerName: { type: "string", id: 2 },
            producerVersion: { type: "string", id: 3 },
            graph: { type: "GraphProto", id: 7 },
            opsetImport: { rule: "repeated", type: "OperatorSetIdProto", id: 8 },
          },
        },
        GraphProto: {
          fields: {
            node: { rule: "repeated", type: "NodeProto", id: 1 },
            name: { type: "string", id: 2 },
            initializer: { rule: "repeated", type: "TensorProto", id: 5 },
            input: { rule: "repeated", type: "ValueInfoProto", id: 11 },
            output: { rule: "repeated", type: "ValueInfoProto", id: 12 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: "repeated", type: "int64", id: 1 },
            dataType: { type: "int32", id: 2 },
            name: { type: "string", id: 8 },
            rawData: { type: "bytes", id: 9 },
          },
        },
        TensorShapeProto: {
          fields: { dim: { rule: "repeated", type: "Dimension", id: 1 } },
          nested: {
            Dimension: {
              fields: { dimValue: { type: "int64", id: 1 }, dimParam: { type: "string", id: 2 } },
            },
          },
        },
        TypeProto: {
          fields: { tensorType: { type: "Tensor", id: 1 } },
          nested: {
            Tensor: {
              fields: {
                elemType: { type: "int32", id: 1 },
                shape: { type: "TensorShapeProto", id: 2 },
              },
            },
          },
        },
        OperatorSetIdProto: {
          fields: { domain: { type: "string", id: 1 }, version: { type: "int64", id: 2 } },
        },
      },
    },
  },
};

let modelType: protobuf.Type | undefined;
function modelProto(): protobuf.Type {
  modelType ??= protobuf.Root.fromJSON(ONNX_SCHEMA).lookupType("onnx.ModelProto");
  return modelType;
}

const ELEM_TYPE = { float32: 1, int32: 6, bool: 9, float64: 11 } as const;
const INT64 = 7;

interface Attr {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  ints?: number[];
}
interface NodeSpec {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  attribute: Attr[];
}
interface Init {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

const intAttr = (name: string, i: number): Attr => ({ name, type: 2, i });
const intsAttr = (name: string, ints: readonly number[]): Attr => ({ name, type: 7, ints: [...ints] });

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength) as ArrayBuffer);
}

// --- one exporter per chainrule op ------------------------------------------------------

/** What an exporter sees of one recorded op, and how it writes ONNX nodes. */
interface ExportContext {
  /** The op's output tensor (its shape, dtype, op). */
  readonly t: Tensor;
  /** The op's first input. */
  readonly x: Tensor;
  /** The ONNX value names of the op's inputs (its parents), in order. */
  readonly ins: readonly string[];
  /** The ONNX value name the op's result must have. */
  readonly out: string;
  /** The op's recorded attributes. */
  readonly attrs: Readonly<Record<string, unknown>>;
  /** Writes one node; returns its output name (`output`, or a fresh name). */
  node(opType: string, input: readonly string[], attribute?: Attr[], output?: string): string;
  /** A scalar initializer of `dtype` (default the op's); returns its name. */
  scalar(value: number, dtype?: Tensor["dtype"]): string;
  /** An int64 vector initializer; returns its name. */
  int64(values: readonly number[]): string;
  /** Throws a ChainruleError naming the op. */
  fail(why: string): never;
}
type Exporter = (c: ExportContext) => void;

/** The op of the same meaning with no attributes, on all the inputs. */
const same =
  (opType: string): Exporter =>
  (c) =>
    c.node(opType, c.ins, [], c.out);
/** `opType` on the first input, then `then` on its result. */
const chain =
  (first: string, then: string): Exporter =>
  (c) =>
    c.node(then, [c.node(first, [c.ins[0] as string])], [], c.out);
/** Shape-only ops: a Reshape to the recorded shape (a leading batch size stays dynamic). */
const reshape: Exporter = (c) => {
  const shape = [...c.t.shape];
  // 0 copies the input's size: keeps a dynamic batch axis dynamic
  if (shape.length > 0 && c.x.shape.length > 0 && shape[0] === c.x.shape[0]) shape[0] = 0;
  c.node("Reshape", [c.ins[0] as string, c.int64(shape)], [], c.out);
};
/** Reductions over `attrs.axes` (opset 17: ReduceSum takes axes as an input, the rest as an attribute). */
const reduce =
  (opType: string): Exporter =>
  (c) => {
    const axes = (c.attrs.axes as number[] | undefined) ?? c.x.shape.map((_, i) => i);
    const keep = intAttr("keepdims", c.attrs.keepDims ? 1 : 0);
    if (opType === "ReduceSum") c.node(opType, [c.ins[0] as string, c.int64(axes)], [keep], c.out);
    else c.node(opType, [c.ins[0] as string], [intsAttr("axes", axes), keep], c.out);
  };
/** `min ≤ x ≤ max` with the bounds as tensors of x's dtype (exact in float64, unlike attributes). */
const clip =
  (lo: string, hi: string): Exporter =>
  (c) => {
    const min = c.attrs[lo] as number | null | undefined;
    const max = c.attrs[hi] as number | null | undefined;
    c.node(
      "Clip",
      [c.ins[0] as string, min == null ? "" : c.scalar(min), max == null ? "" : c.scalar(max)],
      [],
      c.out,
    );
  };
/** A pooling or convolution's spatial attributes. */
function windowAttrs(attrs: Readonly<Record<string, unknown>>, oneD: boolean): Attr[] {
  const pick = (v: number[]) => (oneD ? v.slice(1) : v);
  const pad = attrs.padding as number[];
  return [
    intsAttr("kernel_shape", pick(attrs.kernel as number[])),
    intsAttr("strides", pick(attrs.stride as number[])),
    intsAttr("dilations", pick(attrs.dilation as number[])),
    intsAttr("pads", oneD ? [pad[2] as number, pad[3] as number] : convPads(pad)),
  ];
}
const conv: Exporter = (c) =>
  c.node(
    "Conv",
    c.ins,
    [...windowAttrs(c.attrs, c.attrs.oneD === true), intAttr("group", c.attrs.groups as number)],
    c.out,
  );
/**
 * log(1 + eˣ): ONNX's Softplus in float32; in float64 (which ONNX Runtime's CPU Softplus lacks)
 * the stable max(x, 0) + log(1 + e^(−|x|)).
 */
function softplus(c: ExportContext, x: string, output?: string): string {
  if (c.t.dtype !== "float64") return c.node("Softplus", [x], [], output);
  const tail = c.node("Log", [
    c.node("Add", [c.scalar(1), c.node("Exp", [c.node("Neg", [c.node("Abs", [x])])])]),
  ]);
  return c.node("Add", [c.node("Max", [x, c.scalar(0)]), tail], [], output);
}
/** ArgMax/ArgMin over `attrs.axis`, cast from ONNX's int64 indices to chainrule's int32. */
const argIndex =
  (opType: string): Exporter =>
  (c) => {
    const attrs = [intAttr("axis", c.attrs.axis as number), intAttr("keepdims", c.attrs.keepDims ? 1 : 0)];
    c.node("Cast", [c.node(opType, c.ins, attrs)], [intAttr("to", ELEM_TYPE.int32)], c.out);
  };
/**
 * Huber (δ) and smooth L1 (β, = Huber/β) on d = pred − target: d²/2 where |d| < δ, else
 * δ(|d| − δ/2); smooth L1 with β = 0 is |d|.
 */
function thresholded(c: ExportContext, smooth: boolean): string {
  const th = c.attrs.threshold as number;
  const d = c.node("Sub", c.ins);
  const a = c.node("Abs", [d]);
  if (smooth && th === 0) return a;
  const scale = smooth ? 0.5 / th : 0.5;
  const inside = c.node("Mul", [c.node("Mul", [d, d]), c.scalar(scale)]);
  const outside = smooth
    ? c.node("Sub", [a, c.scalar(0.5 * th)])
    : c.node("Mul", [c.scalar(th), c.node("Sub", [a, c.scalar(0.5 * th)])]);
  return c.node("Where", [c.node("Less", [a, c.scalar(th)]), inside, outside]);
}
/** Losses: the elementwise loss, then its reduction (`none`, `sum` or `mean`). */
const lossOf =
  (elementwise: (c: ExportContext) => string): Exporter =>
  (c) => {
    const per = elementwise(c);
    const r = c.attrs.reduction as string;
    if (r === "none") c.node("Identity", [per], [], c.out);
    else c.node(r === "sum" ? "ReduceSum" : "ReduceMean", [per], [intAttr("keepdims", 0)], c.out);
  };

/**
 * How each op is written in ONNX (opset 17). Ops not listed have no ONNX form here and make
 * {@link exportOnnx} throw, naming them. Attributes that are real numbers are passed as tensors
 * of the op's dtype where ONNX allows it (attributes are float32, which would cost float64 models
 * their last digits).
 */
const EXPORTERS: Readonly<Record<string, Exporter>> = {
  // elementwise, one input
  neg: same("Neg"),
  exp: same("Exp"),
  log: same("Log"),
  sqrt: same("Sqrt"),
  abs: same("Abs"),
  relu: same("Relu"),
  sigmoid: same("Sigmoid"),
  tanh: same("Tanh"),
  sin: same("Sin"),
  cos: same("Cos"),
  tan: same("Tan"),
  asin: same("Asin"),
  acos: same("Acos"),
  atan: same("Atan"),
  sinh: same("Sinh"),
  cosh: same("Cosh"),
  erf: same("Erf"),
  sign: same("Sign"),
  floor: same("Floor"),
  ceil: same("Ceil"),
  round: same("Round"), // both round half to even
  reciprocal: same("Reciprocal"),
  softplus: (c) => void softplus(c, c.ins[0] as string, c.out),
  rsqrt: chain("Sqrt", "Reciprocal"),
  square: (c) => c.node("Mul", [c.ins[0] as string, c.ins[0] as string], [], c.out),
  trunc: (c) => {
    // trunc(x) = sign(x) · floor(|x|)
    const [x] = c.ins as [string];
    c.node("Mul", [c.node("Sign", [x]), c.node("Floor", [c.node("Abs", [x])])], [], c.out);
  },
  expm1: (c) => c.node("Sub", [c.node("Exp", [c.ins[0] as string]), c.scalar(1)], [], c.out),
  log1p: (c) => c.node("Log", [c.node("Add", [c.ins[0] as string, c.scalar(1)])], [], c.out),
  silu: (c) => {
    const [x] = c.ins as [string];
    // float64: x / (1 + e⁻ˣ), since ONNX Runtime fuses x · sigmoid(x) into a float32-only kernel
    if (c.t.dtype === "float64") {
      const d = c.node("Add", [c.scalar(1), c.node("Exp", [c.node("Neg", [x])])]);
      c.node("Div", [x, d], [], c.out);
    } else c.node("Mul", [x, c.node("Sigmoid", [x])], [], c.out);
  },
  mish: (c) => {
    const [x] = c.ins as [string];
    c.node("Mul", [x, c.node("Tanh", [softplus(c, x)])], [], c.out);
  },
  gelu: (c) => {
    // x · (1 + erf(x/√2)) / 2
    const [x] = c.ins as [string];
    const e = c.node("Erf", [c.node("Div", [x, c.scalar(Math.SQRT2)])]);
    const h = c.node("Mul", [x, c.node("Add", [e, c.scalar(1)])]);
    c.node("Mul", [h, c.scalar(0.5)], [], c.out);
  },
  leakyRelu: (c) => {
    // max(x, 0) + slope · min(x, 0), the slope as a tensor of x's dtype
    const [x] = c.ins as [string];
    const zero = c.scalar(0);
    const neg = c.node("Mul", [c.node("Min", [x, zero]), c.scalar(c.attrs.slope as number)]);
    c.node("Add", [c.node("Max", [x, zero]), neg], [], c.out);
  },
  elu: (c) => {
    // x > 0 ? x : α(eˣ − 1)
    const [x] = c.ins as [string];
    const alpha = c.scalar(c.attrs.alpha as number);
    const negative = c.node("Mul", [
      alpha,
      c.node("Sub", [c.node("Exp", [c.node("Min", [x, c.scalar(0)])]), c.scalar(1)]),
    ]);
    c.node("Where", [c.node("Greater", [x, c.scalar(0)]), x, negative], [], c.out);
  },
  selu: (c) => {
    // λ · (x > 0 ? x : α(eˣ − 1)), PyTorch's α and λ to full precision
    const [x] = c.ins as [string];
    const alpha = c.scalar(1.6732632423543772);
    const negative = c.node("Mul", [
      alpha,
      c.node("Sub", [c.node("Exp", [c.node("Min", [x, c.scalar(0)])]), c.scalar(1)]),
    ]);
    const inner = c.node("Where", [c.node("Greater", [x, c.scalar(0)]), x, negative]);
    c.node("Mul", [inner, c.scalar(1.0507009873554805)], [], c.out);
  },
  clamp: clip("min", "max"),
  hardtanh: clip("minVal", "maxVal"),
  clone: same("Identity"),
  astype: (c) => c.node("Cast", c.ins, [intAttr("to", ELEM_TYPE[c.t.dtype])], c.out),
  // elementwise, two or three inputs
  add: same("Add"),
  sub: same("Sub"),
  mul: same("Mul"),
  div: same("Div"),
  pow: same("Pow"),
  maximum: same("Max"),
  minimum: same("Min"),
  where: same("Where"),
  floorDivide: (c) => c.node("Floor", [c.node("Div", c.ins)], [], c.out),
  remainder: (c) => {
    // Python's sign rule: a − b·⌊a/b⌋
    const [a, b] = c.ins as [string, string];
    const q = c.node("Floor", [c.node("Div", [a, b])]);
    c.node("Sub", [a, c.node("Mul", [b, q])], [], c.out);
  },
  prelu: (c) => {
    // PyTorch's weight is per channel (axis 1); ONNX's slope broadcasts from the right
    const [x, w] = c.ins as [string, string];
    const n = c.t.parents[1]?.size ?? 1;
    const slopeShape = n === 1 || c.x.shape.length < 2 ? [n] : [n, ...c.x.shape.slice(2).map(() => 1)];
    c.node("PRelu", [x, c.node("Reshape", [w, c.int64(slopeShape)])], [], c.out);
  },
  maskedFill: (c) => c.fail("has no ONNX form (yet): its mask is recorded as positions, not as an input"),
  eq: same("Equal"),
  ne: (c) => c.node("Not", [c.node("Equal", c.ins)], [], c.out),
  gt: same("Greater"),
  lt: same("Less"),
  ge: same("GreaterOrEqual"),
  le: same("LessOrEqual"),
  logicalAnd: same("And"),
  logicalOr: same("Or"),
  logicalXor: same("Xor"),
  logicalNot: same("Not"),
  // reductions
  sum: reduce("ReduceSum"),
  mean: reduce("ReduceMean"),
  max: reduce("ReduceMax"),
  min: reduce("ReduceMin"),
  prod: reduce("ReduceProd"),
  logSumExp: reduce("ReduceLogSumExp"),
  norm: (c) => {
    const p = c.attrs.p as number;
    if (p === 1) return reduce("ReduceL1")(c);
    if (p === 2) return reduce("ReduceL2")(c);
    if (p === Number.POSITIVE_INFINITY) {
      const abs = c.node("Abs", [c.ins[0] as string]);
      return reduce("ReduceMax")({ ...c, ins: [abs] });
    }
    c.fail(`with p = ${p} has no ONNX form (yet): p = 1, 2 and Infinity do`);
  },
  cumsum: (c) => {
    if (c.x.shape.length === 0) return void c.node("Identity", c.ins, [], c.out);
    c.node("CumSum", [c.ins[0] as string, c.int64([c.attrs.axis as number])], [], c.out);
  },
  softmax: (c) => c.node("Softmax", c.ins, [intAttr("axis", c.attrs.axis as number)], c.out),
  logSoftmax: (c) => c.node("LogSoftmax", c.ins, [intAttr("axis", c.attrs.axis as number)], c.out),
  argmax: argIndex("ArgMax"),
  argmin: argIndex("ArgMin"),
  // linear algebra
  matmul: same("MatMul"),
  mm: (c) =>
    c.node(
      "Gemm",
      c.ins,
      [intAttr("transA", c.attrs.aT ? 1 : 0), intAttr("transB", c.attrs.bT ? 1 : 0)],
      c.out,
    ),
  linear: (c) => {
    const [x, w, b] = c.ins as [string, string, string | undefined];
    if (c.x.shape.length === 2) {
      c.node("Gemm", b === undefined ? [x, w] : [x, w, b], [intAttr("transB", 1)], c.out);
      return;
    }
    const mm = c.node(
      "MatMul",
      [x, c.node("Transpose", [w], [intsAttr("perm", [1, 0])])],
      [],
      b === undefined ? c.out : undefined,
    );
    if (b !== undefined) c.node("Add", [mm, b], [], c.out);
  },
  // shapes
  reshape,
  view: reshape,
  flatten: reshape,
  squeeze: reshape,
  unsqueeze: reshape,
  expand: (c) => c.node("Expand", [c.ins[0] as string, c.int64(c.t.shape)], [], c.out),
  transpose: (c) => c.node("Transpose", c.ins, [intsAttr("perm", c.attrs.perm as number[])], c.out),
  permute: (c) => c.node("Transpose", c.ins, [intsAttr("perm", c.attrs.perm as number[])], c.out),
  concat: (c) => c.node("Concat", c.ins, [intAttr("axis", c.attrs.axis as number)], c.out),
  stack: (c) => {
    const axis = c.attrs.axis as number;
    const parts = c.ins.map((n) => c.node("Unsqueeze", [n, c.int64([axis])]));
    c.node("Concat", parts, [intAttr("axis", axis)], c.out);
  },
  slice: (c) => {
    const start = c.attrs.start as number;
    const length = c.attrs.length as number;
    const axis = c.attrs.axis as number;
    c.node(
      "Slice",
      [c.ins[0] as string, c.int64([start]), c.int64([start + length]), c.int64([axis])],
      [],
      c.out,
    );
  },
  flip: (c) => {
    const axes = c.attrs.axes as number[];
    const ends = axes.map((a) => -((c.x.shape[a] as number) + 1));
    c.node(
      "Slice",
      [
        c.ins[0] as string,
        c.int64(axes.map(() => -1)),
        c.int64(ends),
        c.int64(axes),
        c.int64(axes.map(() => -1)),
      ],
      [],
      c.out,
    );
  },
  roll: (c) => {
    const axis = c.attrs.axis as number;
    const n = c.x.shape[axis] as number;
    const s = (((c.attrs.shift as number) % n) + n) % n;
    if (s === 0) return void c.node("Identity", c.ins, [], c.out);
    const [x] = c.ins as [string];
    const tail = c.node("Slice", [x, c.int64([n - s]), c.int64([n]), c.int64([axis])]);
    const head = c.node("Slice", [x, c.int64([0]), c.int64([n - s]), c.int64([axis])]);
    c.node("Concat", [tail, head], [intAttr("axis", axis)], c.out);
  },
  triu: (c) =>
    c.node("Trilu", [c.ins[0] as string, c.int64([c.attrs.k as number])], [intAttr("upper", 1)], c.out),
  tril: (c) =>
    c.node("Trilu", [c.ins[0] as string, c.int64([c.attrs.k as number])], [intAttr("upper", 0)], c.out),
  pad: (c) => {
    const mode = c.attrs.mode as string;
    const pads = [...(c.attrs.before as number[]), ...(c.attrs.after as number[])];
    const onnxMode = mode === "replicate" ? "edge" : mode;
    const inputs = [c.ins[0] as string, c.int64(pads)];
    if (mode === "constant") inputs.push(c.scalar(c.attrs.value as number));
    c.node("Pad", inputs, [{ name: "mode", type: 3, s: new TextEncoder().encode(onnxMode) }], c.out);
  },
  indexSelect: (c) => {
    const idx = Array.from(c.attrs.indices as ArrayLike<number>);
    c.node("Gather", [c.ins[0] as string, c.int64(idx)], [intAttr("axis", c.attrs.axis as number)], c.out);
  },
  gather: (c) => {
    const { values, shape } = c.attrs.index as { values: ArrayLike<number>; shape: number[] };
    const name = c.node("Reshape", [c.int64(Array.from(values)), c.int64(shape)]);
    c.node("GatherElements", [c.ins[0] as string, name], [intAttr("axis", c.attrs.axis as number)], c.out);
  },
  // nn
  dropout: (c) => c.fail("in training mode has no ONNX form: call module.eval() before exporting"),
  conv1d: conv,
  conv2d: conv,
  convTranspose2d: (c) => {
    const pad = c.attrs.padding as number[];
    const k = c.attrs.kernel as number[];
    const st = c.attrs.stride as number[];
    const dl = c.attrs.dilation as number[];
    const outPad = [0, 1].map((a) => {
      const natural =
        ((c.x.shape[2 + a] as number) - 1) * (st[a] as number) -
        (pad[2 * a] as number) -
        (pad[2 * a + 1] as number) +
        (dl[a] as number) * ((k[a] as number) - 1) +
        1;
      return (c.t.shape[2 + a] as number) - natural;
    });
    c.node(
      "ConvTranspose",
      c.ins,
      [
        ...windowAttrs(c.attrs, false),
        intsAttr("output_padding", outPad),
        intAttr("group", c.attrs.groups as number),
      ],
      c.out,
    );
  },
  maxPool2d: (c) => {
    const pad = c.attrs.padding as number[];
    c.node(
      "MaxPool",
      c.ins,
      [
        intsAttr("kernel_shape", c.attrs.kernel as number[]),
        intsAttr("strides", c.attrs.stride as number[]),
        intsAttr("dilations", c.attrs.dilation as number[]),
        intsAttr("pads", [pad[0] as number, pad[1] as number, pad[0] as number, pad[1] as number]),
      ],
      c.out,
    );
  },
  avgPool2d: (c) => {
    const wr = poolWindow(c.attrs.rows as ArrayLike<number>);
    const wc = poolWindow(c.attrs.cols as ArrayLike<number>);
    if (wr === null || wc === null) return c.fail("with padding has no ONNX form (yet)");
    c.node(
      "AveragePool",
      c.ins,
      [
        intsAttr("kernel_shape", [wr.k, wc.k]),
        intsAttr("strides", [wr.s, wc.s]),
        intAttr("count_include_pad", 1),
      ],
      c.out,
    );
  },
  adaptiveAvgPool2d: (c) => {
    const os = c.attrs.outShape as number[];
    if (os[2] !== 1 || os[3] !== 1) c.fail(`has an ONNX form only for a 1×1 output, got ${os[2]}×${os[3]}`);
    c.node("GlobalAveragePool", c.ins, [], c.out);
  },
  // losses, for models whose forward returns one
  bce: lossOf((c) => {
    // −(y·log p + (1 − y)·log(1 − p)), each log clamped at −100 as PyTorch does
    const [p, y] = c.ins as [string, string];
    const logOf = (v: string) => c.node("Max", [c.node("Log", [v]), c.scalar(-100)]);
    const oneMinus = (v: string) => c.node("Sub", [c.scalar(1), v]);
    const sum = c.node("Add", [
      c.node("Mul", [y, logOf(p)]),
      c.node("Mul", [oneMinus(y), logOf(oneMinus(p))]),
    ]);
    return c.node("Neg", [sum]);
  }),
  huber: lossOf((c) => thresholded(c, false)),
  smoothL1: lossOf((c) => thresholded(c, true)),
  hinge: lossOf((c) => {
    // max(0, 1 − y·s)
    const [s, y] = c.ins as [string, string];
    return c.node("Relu", [c.node("Sub", [c.scalar(1), c.node("Mul", [y, s])])]);
  }),
  klDiv: lossOf((c) => {
    const [x, t] = c.ins as [string, string];
    // logTarget: eᵗ(t − x); else t(ln t − x), and 0 where t = 0
    if (c.attrs.logTarget) return c.node("Mul", [c.node("Exp", [t]), c.node("Sub", [t, x])]);
    const term = c.node("Mul", [t, c.node("Sub", [c.node("Log", [t]), x])]);
    return c.node("Where", [c.node("Greater", [t, c.scalar(0)]), term, c.scalar(0)]);
  }),
  mse: lossOf((c) => {
    const d = c.node("Sub", c.ins);
    return c.node("Mul", [d, d]);
  }),
  l1: lossOf((c) => c.node("Abs", [c.node("Sub", c.ins)])),
  bceWithLogits: lossOf((c) => {
    // max(z, 0) − z·y + log(1 + e^(−|z|)), the stable form
    const [z, y] = c.ins as [string, string];
    const soft = c.node("Log", [
      c.node("Add", [c.scalar(1), c.node("Exp", [c.node("Neg", [c.node("Abs", [z])])])]),
    ]);
    return c.node("Add", [c.node("Sub", [c.node("Max", [z, c.scalar(0)]), c.node("Mul", [z, y])]), soft]);
  }),
};

/**
 * Exports a module or a function as an ONNX model (`ModelProto` bytes, IR version 8, opset 17).
 *
 * It runs one forward pass y = f(x₁, …, xₙ) on `exampleInputs` with grad recording on, walks
 * the recorded graph from the outputs back to the inputs (parents first), and writes each op as
 * one or a few ONNX nodes (`linear` → Gemm, or Transpose + MatMul + Add beyond 2-D; `rsqrt` →
 * Sqrt + Reciprocal; `gelu` → x·(1 + erf(x/√2))/2; see `EXPORTERS`). The module's parameters and
 * buffers become initializers under their `stateDict` names; any other tensor the pass used
 * becomes an initializer too.
 *
 * Like every tracer, it records one path through the code: Python-style `if`s on values,
 * index and mask arguments (`gather`, `indexSelect`, a causal mask) are written as the constants
 * they were during the trace. Only float inputs can be traced (an int32 or bool input throws);
 * an op with no ONNX form throws, naming it; `dropout` in training mode throws (call `eval()`).
 *
 * @param moduleOrFn a Module (its `forward`) or a function of tensors returning a tensor or an array
 * @param exampleInputs the inputs of the traced call (their shapes are the graph's, except `dynamicAxes`)
 * @param options `inputNames`, `outputNames`, `dynamicAxes` (e.g. `{ input: { 0: "batch" } }`), `opsetVersion` (17)
 * @returns the ONNX model's bytes, for ONNX Runtime (`InferenceSession.create(bytes)`) or a `.onnx` file
 * @example
 * const bytes = exportOnnx(new nn.Linear(3, 2), [zeros([1, 3])]);
 * bytes.length > 100; // true
 */
export function exportOnnx(
  moduleOrFn: OnnxTraceable,
  exampleInputs: Tensor | readonly Tensor[],
  options: OnnxExportOptions = {},
): Uint8Array {
  const fnName = "exportOnnx";
  const isModule = moduleOrFn instanceof Module;
  if (!isModule && typeof moduleOrFn !== "function") {
    throw new ChainruleError(`${fnName}: expected a Module or a function, got ${describe(moduleOrFn)}`);
  }
  const given = exampleInputs instanceof Tensor ? [exampleInputs] : exampleInputs;
  if (!Array.isArray(given) || given.length === 0 || !given.every((t) => t instanceof Tensor)) {
    throw new ChainruleError(
      `${fnName}: exampleInputs must be a Tensor or a non-empty array of Tensors, got ${describe(exampleInputs)}`,
    );
  }
  if (options === null || typeof options !== "object") {
    throw new ChainruleError(`${fnName}: options must be an object, got ${describe(options)}`);
  }
  for (const k of Object.keys(options)) {
    if (!["opsetVersion", "inputNames", "outputNames", "dynamicAxes"].includes(k)) {
      throw new ChainruleError(`${fnName}: unknown option "${k}"`);
    }
  }
  const opset = options.opsetVersion ?? 17;
  if (opset !== 17) {
    throw new ChainruleError(
      `${fnName}: opsetVersion must be 17 (the only one supported), got ${describe(opset)}`,
    );
  }
  const inputNames = names(options.inputNames, given.length, "input", "inputNames");
  // The trace follows what the autograd graph records, and only floating tensors are recorded:
  // an int32 or bool input (token ids, labels, a mask) would be baked in as a constant.
  for (const [i, t] of given.entries()) {
    if (t.dtype !== "float32" && t.dtype !== "float64") {
      throw new ChainruleError(
        `${fnName}: input ${i} (${inputNames[i]}) is ${t.dtype} [${t.shape.join(", ")}]; only float32 and float64 inputs can be traced (an integer or bool input would be recorded as a constant)`,
      );
    }
  }
  // fresh leaves that require grad, so that every op on them is recorded
  const inputs = given.map((t) => {
    const c = t.detach();
    c.requiresGrad = true;
    return c;
  });
  const result = enableGrad(() =>
    isModule
      ? (moduleOrFn as unknown as { forward(...xs: Tensor[]): unknown }).forward(...inputs)
      : (moduleOrFn as (...xs: Tensor[]) => unknown)(...inputs),
  );
  const outs = result instanceof Tensor ? [result] : result;
  if (!Array.isArray(outs) || outs.length === 0 || !outs.every((t) => t instanceof Tensor)) {
    throw new ChainruleError(
      `${fnName}: the forward pass must return a Tensor or an array of Tensors, got ${describe(result)}`,
    );
  }
  const outputs = outs as Tensor[];
  const outputNames = names(options.outputNames, outputs.length, "output", "outputNames");
  const dynamic = options.dynamicAxes ?? {};
  for (const k of Object.keys(dynamic)) {
    if (!inputNames.includes(k) && !outputNames.includes(k)) {
      throw new ChainruleError(`${fnName}: dynamicAxes names "${k}", which is not an input or output name`);
    }
  }

  const paramNames = new Map<Tensor, string>();
  if (isModule) {
    for (const [n, p] of (moduleOrFn as Module).namedParameters()) paramNames.set(p as Tensor, n);
    for (const [n, t] of Object.entries((moduleOrFn as Module).stateDict())) {
      if (t instanceof Tensor && !paramNames.has(t)) paramNames.set(t, n);
    }
  }

  const order = topoOrder(outputs);
  const nodes: NodeSpec[] = [];
  const inits: Init[] = [];
  const valueName = new Map<Tensor, string>();
  const used = new Set<string>([...inputNames, ...outputNames]);
  let counter = 0;
  const fresh = (base: string): string => {
    let n = `${base}_${counter++}`;
    while (used.has(n)) n = `${base}_${counter++}`;
    used.add(n);
    return n;
  };
  const addInit = (name: string, dims: readonly number[], dataType: number, data: ArrayBufferView) =>
    inits.push({ name, dims: [...dims], dataType, rawData: bytesOf(data) });
  const int64Const = (vals: readonly number[], base: string): string => {
    const name = fresh(base);
    addInit(name, [vals.length], INT64, BigInt64Array.from(vals.map((v) => BigInt(v))));
    return name;
  };

  for (const [i, t] of inputs.entries()) valueName.set(t, inputNames[i] as string);
  const outputIndex = new Map<Tensor, number>();
  for (const [i, t] of outputs.entries()) {
    if (!outputIndex.has(t)) outputIndex.set(t, i);
  }

  for (const t of order) {
    if (valueName.has(t)) continue;
    const op = t._op;
    if (op === null || t.parents.length === 0) {
      const name = paramNames.get(t) ?? fresh("const");
      used.add(name);
      addInit(
        name,
        t.shape,
        ELEM_TYPE[t.dtype],
        t.dtype === "bool" ? Uint8Array.from(t.data as ArrayLike<number>) : t.data,
      );
      valueName.set(t, name);
      continue;
    }
    const oi = outputIndex.get(t);
    const out = oi !== undefined ? (outputNames[oi] as string) : fresh(op.name);
    valueName.set(t, out);
    const exporter = EXPORTERS[op.name];
    if (exporter === undefined) throw new ChainruleError(`${fnName}: op "${op.name}" has no ONNX form (yet)`);
    const node = (
      opType: string,
      input: readonly string[],
      attribute: Attr[] = [],
      output?: string,
    ): string => {
      const o = output ?? fresh(opType.toLowerCase());
      nodes.push({ opType, input: [...input], output: [o], attribute, name: `${opType}_${nodes.length}` });
      return o;
    };
    exporter({
      t,
      x: t.parents[0] as Tensor,
      ins: t.parents.map((p) => valueName.get(p) as string),
      out,
      attrs: (t._attrs ?? {}) as Record<string, unknown>,
      node,
      scalar: (v, dtype = t.dtype) => {
        const n = fresh("const");
        addInit(
          n,
          [],
          ELEM_TYPE[dtype],
          dtype === "float32"
            ? Float32Array.of(v)
            : dtype === "int32"
              ? Int32Array.of(v)
              : dtype === "bool"
                ? Uint8Array.of(v)
                : Float64Array.of(v),
        );
        return n;
      },
      int64: (vals) => int64Const(vals, "ints"),
      fail: (why) => {
        throw new ChainruleError(`${fnName}: op "${op.name}" ${why}`);
      },
    });
  }

  // an output that is an input or a constant needs a node that produces it under its own name
  outputs.forEach((t, i) => {
    const want = outputNames[i] as string;
    const have = valueName.get(t) as string;
    if (have !== want)
      nodes.push({
        opType: "Identity",
        input: [have],
        output: [want],
        attribute: [],
        name: `Identity_${nodes.length}`,
      });
  });

  const valueInfo = (name: string, t: Tensor) => ({
    name,
    type: {
      tensorType: {
        elemType: ELEM_TYPE[t.dtype],
        shape: {
          dim: t.shape.map((d, axis) => {
            const sym = dynamic[name]?.[axis];
            return sym === undefined ? { dimValue: d } : { dimParam: sym };
          }),
        },
      },
    },
  });
  const Model = modelProto();
  const msg = Model.fromObject({
    irVersion: 8,
    producerName: "chainrule",
    producerVersion: version,
    opsetImport: [{ domain: "", version: opset }],
    graph: {
      name: "chainrule",
      node: nodes,
      initializer: inits,
      input: inputs.map((t, i) => valueInfo(inputNames[i] as string, t)),
      output: outputs.map((t, i) => valueInfo(outputNames[i] as string, t)),
    },
  });
  // a plain copy: protobufjs hands out a Node Buffer (a view into a shared pool) under Node
  return Uint8Array.from(Model.encode(msg).finish());
}

/** Tensors below `roots`, parents first (iterative post-order: deep graphs cannot overflow). */
function topoOrder(roots: readonly Tensor[]): Tensor[] {
  const seen = new Set<Tensor>();
  const order: Tensor[] = [];
  const stack: [Tensor, boolean][] = roots.map((r) => [r, false] as [Tensor, boolean]).reverse();
  while (stack.length > 0) {
    const [t, expanded] = stack.pop() as [Tensor, boolean];
    if (expanded) {
      order.push(t);
      continue;
    }
    if (seen.has(t)) continue;
    seen.add(t);
    stack.push([t, true]);
    for (let i = t.parents.length - 1; i >= 0; i--) {
      const p = t.parents[i] as Tensor;
      if (!seen.has(p)) stack.push([p, false]);
    }
  }
  return order;
}

/** Kernel and stride of unpadded pooling windows [start0, end0, start1, end1, …], or null. */
function poolWindow(w: ArrayLike<number>): { k: number; s: number } | null {
  const n = w.length / 2;
  const k = (w[1] as number) - (w[0] as number);
  const s = n > 1 ? (w[2] as number) - (w[0] as number) : k;
  for (let i = 0; i < n; i++) {
    if (w[2 * i] !== i * s || w[2 * i + 1] !== i * s + k) return null;
  }
  return { k, s };
}

/** chainrule's conv padding [top, bottom, left, right] → ONNX [top, left, bottom, right]. */
function convPads(p: readonly number[]): number[] {
  if (p.length === 2) return [p[0] as number, p[1] as number, p[0] as number, p[1] as number];
  return [p[0] as number, p[2] as number, p[1] as number, p[3] as number];
}

function names(given: readonly string[] | undefined, n: number, base: string, option: string): string[] {
  if (given === undefined) return n === 1 ? [base] : Array.from({ length: n }, (_, i) => `${base}${i}`);
  if (!Array.isArray(given) || given.length !== n || !given.every((s) => typeof s === "string" && s !== "")) {
    throw new ChainruleError(
      `exportOnnx: ${option} must be ${n} non-empty string(s), got ${describe(given)}`,
    );
  }
  if (new Set(given).size !== n)
    throw new ChainruleError(`exportOnnx: ${option} must be distinct, got ${describe(given)}`);
  return [...given];
}
