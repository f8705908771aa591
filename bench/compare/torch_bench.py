"""PyTorch (CPU, one thread) on the comparison's workloads, for bench/compare/index.ts.

Reads a request from stdin and writes the results to stdout, both JSON:

    request: {"rounds": 15, "batch_ms": 40, "jobs": [job, ...]}
    job:     {"kind": "matmul", "n": 512, "dtype": "float32", "form": "ab" | "atb" | "abt"}
           | {"kind": "w3", "file": "/tmp/.../w3.f32", "layers": [[256, 784], [10, 256]],
              "batch": 128, "labels": [...], "lr": 0.1, "replay": 50, "losses": 5}
           | {"kind": "w6", "file": "/tmp/.../w6.f32", "params": [["0.weight", [16, 1, 5, 5]], ...],
              "image": [1, 28, 28], "batch": 64, "labels": [...], "lr": 0.001, "replay": 50,
              "losses": 5}
    result:  {"version": "2.13.0+cpu", "threads": 1,
              "results": [{"ms": 1.23, "rounds": 15, "calls": 480, "losses": [...]}, ...]}

Each job is timed like index.ts's race() times one contestant: a warm-up (at least 3 calls or
300 ms), then `rounds` batches of calls lasting about `batch_ms` each; "ms" is the median over
the batches of the time per call (time.perf_counter).

matmul: an n×n by n×n product of torch.rand inputs; "atb" and "abt" multiply a transposed view
(a.t() @ b, a @ b.t()), which PyTorch hands to BLAS as a flag, without a copy.

w3: the MNIST demo's training step (Linear, ReLU, Linear; F.cross_entropy, mean over the batch;
torch.optim.SGD), from the weights, inputs and labels chainrule uses. `file` holds float32
values, native byte order: for each layer its weight [out, in] then its bias [out], then the
inputs [batch, in]. Every `replay` steps the initial weights are restored, as in mnist.ts; the
losses of the first `losses` steps are returned so the caller can check they match chainrule's.

w6: the CNN demo's training step (Conv2d(1, 16, 5, padding 2), ReLU, MaxPool2d(2), Conv2d(16, 32,
5, padding 2), ReLU, MaxPool2d(2), Flatten, Linear(1568, 10); F.cross_entropy; torch.optim.Adam),
from chainrule's start: `file` holds the parameters in `params` order (state-dict names and
shapes), then the inputs [batch, *image]. Replayed and checked like w3 (Adam's moments carry on
across a replay, as in bench/workloads.ts).
"""

import json
import math
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def timed(fn, rounds, batch_ms):
    """The median time per call of `fn` over `rounds` batches of ~`batch_ms` ms, after a warm-up."""
    calls = 0
    t0 = last = time.perf_counter()
    last_call = 0.0
    while calls < 3 or last - t0 < 0.3:
        fn()
        now = time.perf_counter()
        last_call, last = now - last, now
        calls += 1
        if last_call > 1:
            break
    est = min(last_call, (last - t0) / calls)
    batch = max(1, round(batch_ms / 1e3 / max(est, 1e-9)))
    samples = []
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(batch):
            fn()
        samples.append((time.perf_counter() - t) / batch)
    return {"ms": statistics.median(samples) * 1e3, "rounds": rounds, "calls": rounds * batch}


MATMUL_FORMS = {
    "ab": lambda a, b: a @ b,
    "atb": lambda a, b: a.t() @ b,
    "abt": lambda a, b: a @ b.t(),
}


def matmul(job):
    """An n×n product in one of MATMUL_FORMS."""
    dtype = getattr(torch, job["dtype"])
    a = torch.rand(job["n"], job["n"], dtype=dtype)
    b = torch.rand(job["n"], job["n"], dtype=dtype)
    form = MATMUL_FORMS[job.get("form", "ab")]
    return lambda: form(a, b)


def w3(job):
    """The W3 training step, and the losses of its first steps (run from the initial weights)."""
    with open(job["file"], "rb") as f:
        flat = torch.frombuffer(bytearray(f.read()), dtype=torch.float32)
    offset = 0

    def take(*shape):
        nonlocal offset
        size = math.prod(shape)
        t = flat[offset : offset + size].reshape(shape).clone()
        offset += size
        return t

    layers = []
    for out_features, in_features in job["layers"]:
        linear = torch.nn.Linear(in_features, out_features)
        with torch.no_grad():
            linear.weight.copy_(take(out_features, in_features))
            linear.bias.copy_(take(out_features))
        layers += [linear, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    x = take(job["batch"], job["layers"][0][1])
    y = torch.tensor(job["labels"], dtype=torch.long)
    params = list(model.parameters())
    initial = [p.detach().clone() for p in params]
    opt = torch.optim.SGD(params, lr=job["lr"])
    k = 0

    def step():
        nonlocal k
        if k % job["replay"] == 0:
            with torch.no_grad():
                for p, p0 in zip(params, initial):
                    p.copy_(p0)
        k += 1
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    losses = [step() for _ in range(job["losses"])]
    return step, {"losses": losses}


def w6(job):
    """The W6 training step, and the losses of its first steps (run from the initial weights)."""
    with open(job["file"], "rb") as f:
        flat = torch.frombuffer(bytearray(f.read()), dtype=torch.float32)
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 16, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(1568, 10),
    )
    state, offset = {}, 0
    for name, shape in job["params"]:
        size = math.prod(shape)
        state[name] = flat[offset : offset + size].reshape(shape).clone()
        offset += size
    model.load_state_dict(state)  # strict: the names and shapes must be PyTorch's
    x = flat[offset : offset + job["batch"] * math.prod(job["image"])].reshape(job["batch"], *job["image"])
    y = torch.tensor(job["labels"], dtype=torch.long)
    params = list(model.parameters())
    initial = [p.detach().clone() for p in params]
    opt = torch.optim.Adam(params, lr=job["lr"])
    k = 0

    def step():
        nonlocal k
        if k % job["replay"] == 0:
            with torch.no_grad():
                for p, p0 in zip(params, initial):
                    p.copy_(p0)
        k += 1
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    losses = [step() for _ in range(job["losses"])]
    return step, {"losses": losses}


def run(job, rounds, batch_ms):
    """Times one job; returns its timing plus anything the job reports besides."""
    if job["kind"] == "matmul":
        fn, extra = matmul(job), {}
    elif job["kind"] == "w3":
        fn, extra = w3(job)
    elif job["kind"] == "w6":
        fn, extra = w6(job)
    else:
        raise ValueError(f"unknown job kind {job['kind']!r}")
    return {**timed(fn, rounds, batch_ms), **extra}


def main():
    request = json.load(sys.stdin)
    # the issue compares against PyTorch on one thread
    torch.set_num_threads(1)
    results = [run(job, request["rounds"], request["batch_ms"]) for job in request["jobs"]]
    json.dump(
        {"version": torch.__version__, "threads": torch.get_num_threads(), "results": results},
        sys.stdout,
    )


if __name__ == "__main__":
    main()
