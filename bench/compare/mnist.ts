/**
 * W3: one training step of the MNIST demo's network, 784-256-10 (Linear, ReLU, Linear), on a
 * batch of 128 float32 inputs: forward, softmax cross-entropy, backward, plain SGD (lr 0.1).
 * Every implementation starts from the same weights and inputs (chainrule's, seeded), so the
 * first steps' losses agree; every 50 steps the weights are restored, so the benchmark keeps
 * replaying the same 50 steps.
 */
import { losses, manualSeed, nn, optim, randn, type Tensor } from "../../src/index";
import type { Tfjs, TfTensor, TfVariable } from "./libs";
import type { Step } from "./mlp";

export const W3 = { batch: 128, sizes: [784, 256, 10], lr: 0.1, replay: 50 } as const;

/** The shared start: the model's initial weights (PyTorch layout [out, in]), inputs and labels. */
export interface W3Data {
  readonly weights: { w: Float32Array; b: Float32Array; shape: [number, number] }[];
  readonly x: Float32Array;
  readonly labels: number[];
}

export function w3Data(): W3Data {
  manualSeed(3);
  const model = new nn.MLP(W3.sizes[0], W3.sizes.slice(1), { dtype: "float32" });
  const linears = model.layers().filter((l): l is nn.Linear => l instanceof nn.Linear);
  const weights = linears.map((l) => ({
    w: Float32Array.from(l.weight.data),
    b: Float32Array.from(l.bias?.data ?? []),
    shape: [l.outFeatures, l.inFeatures] as [number, number],
  }));
  const x = Float32Array.from(randn([W3.batch, W3.sizes[0]], { dtype: "float32" }).data);
  const labels = Array.from({ length: W3.batch }, (_, i) => (i * 7) % 10);
  return { weights, x, labels };
}

/** chainrule: nn.MLP, losses.crossEntropy (fused, from logits), optim.SGD. */
export function chainruleW3Step(d: W3Data): Step {
  const model = new nn.MLP(W3.sizes[0], W3.sizes.slice(1), { dtype: "float32" });
  const linears = model.layers().filter((l): l is nn.Linear => l instanceof nn.Linear);
  const restore = () =>
    linears.forEach((l, i) => {
      l.weight.set(d.weights[i]?.w as Float32Array);
      (l.bias as Tensor).set(d.weights[i]?.b as Float32Array);
    });
  const x = randn([W3.batch, W3.sizes[0]], { dtype: "float32" }).set(d.x);
  const opt = new optim.SGD(model.parameters(), { lr: W3.lr });
  let k = 0;
  return () => {
    if (k++ % W3.replay === 0) restore();
    opt.zeroGrad();
    const loss = losses.crossEntropy(model.forward(x), d.labels);
    loss.backward();
    opt.step();
    return loss.item();
  };
}

/** TensorFlow.js on the active backend: the same network, tf.variableGrads, plain SGD. */
export function tfjsW3Step(tf: Tfjs, d: W3Data): Step {
  // tfjs multiplies x·W with W as [in, out]: the transposes of chainrule's [out, in] weights
  const initial = d.weights.flatMap(({ w, b, shape: [out, inF] }) => {
    const wt = new Float32Array(inF * out);
    for (let o = 0; o < out; o++) for (let i = 0; i < inF; i++) wt[i * out + o] = w[o * inF + i] as number;
    return [tf.tensor(wt, [inF, out]), tf.tensor(b, [out])];
  });
  const params = initial.map((t) => tf.variable(t.clone()));
  const x = tf.tensor(d.x, [W3.batch, W3.sizes[0]]);
  const onehot = tf.oneHot(tf.tensor(Int32Array.from(d.labels), [W3.batch], "int32"), W3.sizes[2]);
  let k = 0;
  return () => {
    if (k++ % W3.replay === 0) for (const [i, p] of params.entries()) p.assign(initial[i] as TfTensor);
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const [w1, b1, w2, b2] = params as [TfVariable, TfVariable, TfVariable, TfVariable];
        const h = tf.relu(tf.add(tf.matMul(x, w1), b1));
        const logits = tf.add(tf.matMul(h, w2), b2);
        return tf.losses.softmaxCrossEntropy(onehot, logits);
      });
      for (const p of params) p.assign(tf.sub(p, tf.mul(grads[p.name] as TfTensor, W3.lr)));
      return value.dataSync()[0] as number;
    });
    return loss;
  };
}
