#!/usr/bin/env python3
"""PyTorch reference for bench/engine.bench.ts: the same three workloads (see bench/engine-workloads.ts).

Batch mode prints one JSON object on the last line of stdout: {"torch": version, "threads": n,
"device": d, "results": {workload: {"ms": median, "runs": [...]}}}.
Serve mode (--serve) prints {"ready": true, ...} and then answers each stdin line
{"workload": name, "steps": n} with {"runs": [ms, ...]}, so that the TypeScript bench can interleave
PyTorch steps with its own and both see the same load on a shared machine.
Reference only; never a runtime dependency.
Usage: /usr/bin/python3 bench/engine_torch.py [--threads 2] [--reps 5] [--only matmul,...] [--device cpu|cuda] [--serve]
"""
import argparse
import json
import math
import statistics
import sys
import time

import torch
import torch.nn.functional as F


SYNC = lambda: None  # replaced by torch.cuda.synchronize on a GPU


def run_steps(fn, steps):
    runs = []
    for _ in range(steps):
        SYNC()
        t0 = time.perf_counter()
        fn()
        SYNC()
        runs.append((time.perf_counter() - t0) * 1000.0)
    return runs


def timed(fn, reps, warmup=2):
    run_steps(fn, warmup)
    runs = run_steps(fn, reps)
    return {"ms": statistics.median(runs), "runs": runs}


def make_matmul(n, device):
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)

    def step():
        with torch.no_grad():
            torch.mm(a, b)

    return step


def make_conv_block(batch, size, ch, device):
    # y = conv2(relu(conv1(x))), loss = <y, g>; backward gives dx, dW1, db1, dW2, db2.
    x = torch.randn(batch, ch, size, size, device=device, requires_grad=True)
    w1 = (torch.randn(ch, ch, 3, 3, device=device) * 0.05).requires_grad_()
    b1 = torch.zeros(ch, device=device, requires_grad=True)
    w2 = (torch.randn(ch, ch, 3, 3, device=device) * 0.05).requires_grad_()
    b2 = torch.zeros(ch, device=device, requires_grad=True)
    g = torch.randn(batch, ch, size, size, device=device)
    params = [x, w1, b1, w2, b2]

    def step():
        for p in params:
            p.grad = None
        y = F.conv2d(F.relu(F.conv2d(x, w1, b1, padding=1)), w2, b2, padding=1)
        (y * g).sum().backward()

    return step


class ConvResidualNet(torch.nn.Module):
    """conv1x1(in->hidden), blocks x [h + conv3x3(relu(conv3x3(relu(h))))], conv1x1(hidden->out)."""

    def __init__(self, cin, cout, hidden, blocks):
        super().__init__()
        self.inp = torch.nn.Conv2d(cin, hidden, 1)
        self.blocks = torch.nn.ModuleList(
            torch.nn.ModuleList([torch.nn.Conv2d(hidden, hidden, 3, padding=1), torch.nn.Conv2d(hidden, hidden, 3, padding=1)])
            for _ in range(blocks)
        )
        self.out = torch.nn.Conv2d(hidden, cout, 1)

    def forward(self, x):
        h = self.inp(x)
        for c1, c2 in self.blocks:
            h = h + c2(F.relu(c1(F.relu(h))))
        return self.out(h)


def make_coupling(batch, size, channels, hidden, device, trainer=False):
    # Affine coupling (RealNVP): odd channels condition, even channels are transformed. `trainer`: as our trainer
    # steps (bench/gpu-dispatch-profile.ts) — clipping at 1.0, then reading the loss and the gradient norm.
    n = channels // 2
    net = ConvResidualNet(n, 2 * n, hidden, 2).to(device)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.randn(batch, channels, size, size, device=device)
    d = channels * size * size

    def step():
        opt.zero_grad(set_to_none=True)
        x_id, x_tr = x[:, 1::2], x[:, 0::2]
        out = net(x_id)
        t, a = out[:, :n], out[:, n:]
        scale = torch.sigmoid(a + 2.0) + 1e-3
        y = x_tr * scale + t
        logdet = torch.log(scale).flatten(1).sum(1)
        nll = 0.5 * (y.flatten(1).pow(2).sum(1) + x_id.flatten(1).pow(2).sum(1)) + 0.5 * d * math.log(2 * math.pi) - logdet
        loss = nll.mean()
        loss.backward()
        if trainer:
            norm = torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        if trainer:
            torch.stack([loss.detach(), norm]).cpu()

    return step


def make_rq_coupling(batch, device):
    # bench/gpu-dispatch-profile.ts rqCouplingTrainingStep: one RQ-spline coupling (flows_torch.py's, the reference's
    # spline) on x [batch, 4, 14, 14], ConvResidualNet 2 → 64 (2 blocks), K = 8, B = 3; mean NLL under N(0, I); clipping
    # at 1.0, Adam, [loss, gradient norm] read back every step.
    from flows_torch import RqSplineCoupling  # same directory; imported only for these workloads

    coupling = RqSplineCoupling(4, False, 64, 2, 0.0, 8, 3.0, False).to(device)
    opt = torch.optim.Adam(coupling.parameters(), lr=1e-3)
    x = torch.randn(batch, 4, 14, 14, device=device) * 1.5
    d = 4 * 14 * 14

    def step():
        opt.zero_grad(set_to_none=True)
        y, logdet = coupling(x)
        nll = 0.5 * y.flatten(1).pow(2).sum(1) + 0.5 * d * math.log(2 * math.pi) - logdet
        loss = nll.mean()
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(coupling.parameters(), 1.0)
        opt.step()
        torch.stack([loss.detach(), norm]).cpu()

    return step


WORKLOADS = {
    "matmul": lambda device: make_matmul(1024, device),
    "conv_block": lambda device: make_conv_block(64, 14, 64, device),
    "coupling_step": lambda device: make_coupling(64, 14, 4, 64, device),
    # bench/gpu/check.ts's sizes (bench/engine-workloads.ts GPU_WORKLOADS); "_small" are for checking the script.
    "matmul_4096": lambda device: make_matmul(4096, device),
    "conv_block_b128": lambda device: make_conv_block(128, 14, 64, device),
    "coupling_train_b64": lambda device: make_coupling(64, 14, 4, 64, device, trainer=True),
    "coupling_train_b256": lambda device: make_coupling(256, 14, 4, 64, device, trainer=True),
    "matmul_small": lambda device: make_matmul(128, device),
    "conv_block_small": lambda device: make_conv_block(2, 14, 64, device),
    "coupling_train_small": lambda device: make_coupling(2, 14, 4, 64, device, trainer=True),
    "rq_coupling_train_b64": lambda device: make_rq_coupling(64, device),
    "rq_coupling_train_b256": lambda device: make_rq_coupling(256, device),
    "rq_coupling_train_small": lambda device: make_rq_coupling(2, device),
}


def main():
    global SYNC
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--only", default="matmul,conv_block,coupling_step")
    p.add_argument("--device", default="cpu")
    p.add_argument("--serve", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    if a.device.startswith("cuda"):
        SYNC = torch.cuda.synchronize
        torch.backends.cuda.matmul.allow_tf32 = False  # fp32, like tfjs
        torch.backends.cudnn.allow_tf32 = False
    steps = {name: WORKLOADS[name](a.device) for name in a.only.split(",")}
    header = {"torch": torch.__version__, "threads": torch.get_num_threads(), "device": a.device}
    if a.device.startswith("cuda"):
        header["gpu"] = torch.cuda.get_device_name()
    if not a.serve:
        results = {name: timed(fn, a.reps) for name, fn in steps.items()}
        print(json.dumps({**header, "results": results}))
        return
    for fn in steps.values():
        run_steps(fn, 2)  # warm-up
    print(json.dumps({"ready": True, **header}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        print(json.dumps({"runs": run_steps(steps[req["workload"]], int(req.get("steps", 1)))}), flush=True)


if __name__ == "__main__":
    main()
