/**
 * Weight initialisers, in place (they bump the tensor's version), drawing from the global
 * generator (see `manualSeed`) in row-major order unless given a `generator`.
 * Fans of a weight of shape [out, in, k…]: fanIn = in·k…, fanOut = out·k….
 */
import { ChainruleError, describe, fmtShape } from "../errors";
import { generatorOf, type Rng } from "../random";
import { writeData } from "../tensor/storage";
import { Tensor } from "../tensor/tensor";
import { checkFinite, checkNumber, checkPositive } from "../validate";

function target(t: Tensor, op: string): Tensor {
  if (!(t instanceof Tensor)) throw new ChainruleError(`${op}: expected a Tensor, got ${describe(t)}`);
  return t;
}

function fans(t: Tensor, op: string): [number, number] {
  target(t, op);
  if (t.ndim < 2) {
    throw new ChainruleError(
      `${op}: fan in and fan out need a tensor with at least 2 dimensions, got ${fmtShape(t.shape)}`,
    );
  }
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return [(t.shape[1] as number) * receptive, (t.shape[0] as number) * receptive];
}

function fill(t: Tensor, draw: () => number): Tensor {
  writeData(t, (d) => {
    for (let i = 0; i < d.length; i++) d[i] = draw();
  });
  return t;
}

/** Glorot/Xavier uniform: U(−a, a) with a = gain·√(6/(fanIn + fanOut)). */
export function xavierUniform(t: Tensor, gain = 1, generator?: Rng): Tensor {
  const [fanIn, fanOut] = fans(t, "xavierUniform");
  checkFinite(gain, "xavierUniform", "gain");
  const rng = generatorOf(generator, "xavierUniform");
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return fill(t, () => rng.uniform(-a, a));
}

/** Glorot/Xavier normal: N(0, σ²) with σ = gain·√(2/(fanIn + fanOut)). */
export function xavierNormal(t: Tensor, gain = 1, generator?: Rng): Tensor {
  const [fanIn, fanOut] = fans(t, "xavierNormal");
  checkFinite(gain, "xavierNormal", "gain");
  const rng = generatorOf(generator, "xavierNormal");
  const std = Math.abs(gain) * Math.sqrt(2 / (fanIn + fanOut));
  return fill(t, () => rng.normal(0, std));
}

/** He/Kaiming uniform for ReLU layers: U(−a, a) with a = √(6/fanIn). */
export function heUniform(t: Tensor, generator?: Rng): Tensor {
  const [fanIn] = fans(t, "heUniform");
  const rng = generatorOf(generator, "heUniform");
  const a = Math.sqrt(6 / fanIn);
  return fill(t, () => rng.uniform(-a, a));
}

/** He/Kaiming normal for ReLU layers: N(0, σ²) with σ = √(2/fanIn). */
export function heNormal(t: Tensor, generator?: Rng): Tensor {
  const [fanIn] = fans(t, "heNormal");
  const rng = generatorOf(generator, "heNormal");
  const std = Math.sqrt(2 / fanIn);
  return fill(t, () => rng.normal(0, std));
}

/**
 * N(mean, std²). The lecture notes' "normal density with variance ε (typically 0.01)" is
 * `normal(t, 0.1)`.
 */
export function normal(t: Tensor, std = 0.1, mean = 0, generator?: Rng): Tensor {
  target(t, "normal");
  checkPositive(std, "normal", "std", { allowZero: true });
  checkFinite(mean, "normal", "mean");
  const rng = generatorOf(generator, "normal");
  return fill(t, () => rng.normal(mean, std));
}

/** U(low, high) with finite low ≤ high. */
export function uniform(t: Tensor, low = 0, high = 1, generator?: Rng): Tensor {
  target(t, "uniform");
  checkFinite(low, "uniform", "low");
  checkFinite(high, "uniform", "high");
  if (low > high) throw new ChainruleError(`uniform: low ${low} must be ≤ high ${high}`);
  const rng = generatorOf(generator, "uniform");
  return fill(t, () => rng.uniform(low, high));
}

/** Fills with a constant (any number but NaN; ±Infinity allowed). */
export function constant(t: Tensor, value: number): Tensor {
  target(t, "constant");
  checkNumber(value, "constant", "value");
  return fill(t, () => value);
}

/** Fills with zeros. */
export function zeros(t: Tensor): Tensor {
  target(t, "zeros");
  return constant(t, 0);
}
