/**
 * micrograd's training step (2-16-16-1 MLP, 100 two-moons points, max-margin loss + 1e-4·L2,
 * backward, SGD with the demo's decaying learning rate) written for each library, all starting
 * from the same points and the same initial weights (chainrule's `nn.scalar.MLP`, seed 1337), so
 * their losses agree and `checkLosses` can prove they compute the same thing.
 *
 * Two formulations:
 * - per scalar (micrograd's own): one graph node per weight use, ~25 000 nodes per step;
 * - batched: X[100,2]·W₁[2,16] + b₁ → relu → ·W₂ + b₂ → relu → ·W₃ + b₃, ~20 tensor nodes.
 * Every `step()` returns the loss; every 100 steps it restores the initial weights.
 */
import { type Tensor, tensor } from "../../src/index";
import { learningRate, MLP_LAYERS, type MlpWeights, MOONS, type MoonsData } from "../workloads";
import type { JptTensor, Nested, Tfjs, TfTensor, TfVariable, Torch } from "./libs";

export type Step = () => number;

/** chainrule's tensor engine, float64, batched. */
export function chainruleTensorStep(data: MoonsData, weights: MlpWeights): Step {
  const x = tensor(data.xs);
  const y = tensor(data.ys.map((v) => [v]));
  const params: Tensor[] = [];
  const w = weights.w.map((m) => tensor(m, { requiresGrad: true }));
  const b = weights.b.map((v) => tensor(v, { requiresGrad: true }));
  for (let l = 0; l < MLP_LAYERS; l++) params.push(w[l] as Tensor, b[l] as Tensor);
  const initial = params.map((p) => Float64Array.from(p.data));
  let k = 0;
  return () => {
    if (k % MOONS.steps === 0) for (const [i, p] of params.entries()) p.data.set(initial[i] as Float64Array);
    let h = x;
    for (let l = 0; l < MLP_LAYERS; l++) {
      h = h.matmul(w[l] as Tensor).add(b[l] as Tensor);
      if (l < MLP_LAYERS - 1) h = h.relu();
    }
    const dataLoss = h.mul(y).neg().add(1).relu().mean();
    let reg = params[0]?.square().sum() as Tensor;
    for (let i = 1; i < params.length; i++) reg = reg.add((params[i] as Tensor).square().sum());
    const loss = dataLoss.add(reg.mul(1e-4));
    for (const p of params) p.grad = null;
    loss.backward();
    const lr = learningRate(k);
    for (const p of params) {
      const d = p.data;
      const g = (p.grad as Tensor | null)?.data;
      if (g) for (let i = 0; i < d.length; i++) d[i] = (d[i] as number) - lr * (g[i] as number);
    }
    k++;
    return loss.item();
  };
}

/** TensorFlow.js, float32, batched, on whichever backend is active when it runs. */
export function tfjsStep(tf: Tfjs, data: MoonsData, weights: MlpWeights): Step {
  const x = tf.tensor2d(data.xs);
  const y = tf.tensor2d(data.ys.map((v) => [v]));
  const w = weights.w.map((m) => tf.variable(tf.tensor2d(m)));
  const b = weights.b.map((v) => tf.variable(tf.tensor1d(v)));
  const params: TfVariable[] = [];
  for (let l = 0; l < MLP_LAYERS; l++) params.push(w[l] as TfVariable, b[l] as TfVariable);
  const initial = [...weights.w.map((m) => tf.tensor2d(m)), ...weights.b.map((v) => tf.tensor1d(v))];
  const initialOf = new Map<TfVariable, TfTensor>();
  for (let l = 0; l < MLP_LAYERS; l++) {
    initialOf.set(w[l] as TfVariable, initial[l] as TfTensor);
    initialOf.set(b[l] as TfVariable, initial[MLP_LAYERS + l] as TfTensor);
  }
  let k = 0;
  return () => {
    if (k % MOONS.steps === 0) for (const p of params) p.assign(initialOf.get(p) as TfTensor);
    const lr = learningRate(k);
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        let h: TfTensor = x;
        for (let l = 0; l < MLP_LAYERS; l++) {
          h = tf.add(tf.matMul(h, w[l] as TfTensor), b[l] as TfTensor);
          if (l < MLP_LAYERS - 1) h = tf.relu(h);
        }
        const dataLoss = tf.mean(tf.relu(tf.sub(1, tf.mul(y, h))));
        const reg = tf.addN(params.map((p) => tf.sum(tf.square(p))));
        return tf.add(dataLoss, tf.mul(reg, 1e-4));
      });
      for (const p of params) p.assign(tf.sub(p, tf.mul(grads[p.name] as TfTensor, lr)));
      return value.dataSync()[0] as number;
    });
    k++;
    return loss;
  };
}

const mapNested = (x: Nested, f: (v: number) => number): Nested =>
  typeof x === "number" ? f(x) : x.map((v) => mapNested(v, f));

const zipNested = (x: Nested, y: Nested, f: (a: number, b: number) => number): Nested =>
  typeof x === "number" ? f(x, y as number) : x.map((v, i) => zipNested(v, (y as Nested[])[i] as Nested, f));

/**
 * js-pytorch has no ReLU function, only `nn.ReLU`, which multiplies by a mask of 1 and 1e-3 (a
 * leaky ReLU); this multiplies by an exact 0/1 mask built the same way, so the numbers match.
 */
const relu = (torch: Torch, h: JptTensor): JptTensor =>
  h.mul(torch.tensor(mapNested(h.data, (v) => (v > 0 ? 1 : 0)) as Nested[]));

/** js-pytorch, float64 nested arrays, batched tensors. */
export function jsPytorchBatchedStep(torch: Torch, data: MoonsData, weights: MlpWeights): Step {
  const x = torch.tensor(data.xs);
  const y = torch.tensor(data.ys.map((v) => [v]));
  const w = weights.w.map((m) => torch.tensor(m, true));
  const b = weights.b.map((v) => torch.tensor(v, true));
  const params: JptTensor[] = [];
  for (let l = 0; l < MLP_LAYERS; l++) params.push(w[l] as JptTensor, b[l] as JptTensor);
  const initial = params.map((p) => structuredClone(p._data));
  let k = 0;
  return () => {
    if (k % MOONS.steps === 0)
      for (const [i, p] of params.entries()) p._data = structuredClone(initial[i] as Nested[]);
    let h = x;
    for (let l = 0; l < MLP_LAYERS; l++) {
      h = h.matmul(w[l] as JptTensor).add(b[l] as JptTensor);
      if (l < MLP_LAYERS - 1) h = relu(torch, h);
    }
    // [100, 1] → sum over the last axis twice → a one-element tensor
    const dataLoss = relu(torch, y.mul(h).neg().add(1)).sum().sum().div(data.xs.length);
    let reg = (w[0] as JptTensor)
      .mul(w[0] as JptTensor)
      .sum()
      .sum();
    for (let l = 0; l < MLP_LAYERS; l++) {
      const wl = w[l] as JptTensor;
      const bl = b[l] as JptTensor;
      if (l > 0) reg = reg.add(wl.mul(wl).sum().sum());
      reg = reg.add(bl.mul(bl).sum());
    }
    const loss = dataLoss.add(reg.mul(1e-4));
    for (const p of params) p.zero_grad();
    loss.backward();
    const lr = learningRate(k);
    for (const p of params) p._data = zipNested(p._data, p._grad._data, (v, g) => v - lr * g) as Nested[];
    k++;
    return scalarOf(loss);
  };
}

const scalarOf = (t: JptTensor): number => {
  let v: Nested = t.data;
  while (typeof v !== "number") v = v[0] as Nested;
  return v;
};

/**
 * js-pytorch, micrograd's formulation: every weight a one-element tensor, every multiply-add a
 * node (js-pytorch has no scalar type; this is the closest port of micrograd's `Value` code).
 */
export function jsPytorchScalarStep(torch: Torch, data: MoonsData, weights: MlpWeights): Step {
  const one = (v: number) => torch.tensor([v], true);
  // neurons[l][j] = { w: [w_0j, w_1j, …], b }
  const layers = weights.w.map((m, l) =>
    (weights.b[l] as number[]).map((bj, j) => ({ w: m.map((row) => one(row[j] as number)), b: one(bj) })),
  );
  const params = layers.flatMap((layer) => layer.flatMap((n) => [...n.w, n.b]));
  const initial = params.map((p) => p._data[0] as number);
  let k = 0;
  return () => {
    if (k % MOONS.steps === 0) for (const [i, p] of params.entries()) p._data = [initial[i] as number];
    const scores = data.xs.map((x) => {
      let h: (JptTensor | number)[] = x;
      layers.forEach((layer, l) => {
        h = layer.map((n) => {
          let act = n.b;
          n.w.forEach((wi, i) => {
            act = act.add(wi.mul(h[i] as JptTensor | number));
          });
          return l < layers.length - 1 ? relu(torch, act) : act;
        });
      });
      return h[0] as JptTensor;
    });
    let dataLoss = torch.tensor([0]);
    scores.forEach((s, i) => {
      dataLoss = dataLoss.add(relu(torch, s.mul(-(data.ys[i] as number)).add(1)));
    });
    dataLoss = dataLoss.div(scores.length);
    let reg = torch.tensor([0]);
    for (const p of params) reg = reg.add(p.mul(p));
    const loss = dataLoss.add(reg.mul(1e-4));
    for (const p of params) p.zero_grad();
    loss.backward();
    const lr = learningRate(k);
    for (const p of params) p._data = [(p._data[0] as number) - lr * (p._grad._data[0] as number)];
    k++;
    return scalarOf(loss);
  };
}
