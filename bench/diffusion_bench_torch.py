#!/usr/bin/env python3
"""PyTorch side of bench/diffusion.bench.ts: the same U-Net (bench/diffusion_torch.py) under the same VP-SDE
workloads, served one request per line on stdin so the TypeScript side can interleave turns (same load).

Requests (JSON lines) and replies:
  {"cmd": "build", "spec": {...UNetSpec}, "seed": 0}                 -> {"parameters": n}
  {"cmd": "train_steps", "n": k, "batch": 64, "seed": s}              -> {"ms": [...], "losses": [...]}
      one step = ε-matching loss on a random batch in [-1, 1), backward, clip_grad_norm 1.0, Adam (lr 5e-5)
  {"cmd": "pfode", "n": k, "batch": 16, "steps": 25, "probes": 1}    -> {"ms": [...], "logp": [...]}
      one pass = the reference's Euler PF-ODE likelihood (eps 0.01, `steps` updates) with a Hutchinson Rademacher
      trace by a VJP (torch.autograd.grad), fixed probes for the pass
Debian's python3-torch (/usr/bin/python3). Install libopenblas0-pthread first (a reference BLAS is 20x slower).
"""
import json
import math
import os
import sys
import time

THREADS = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 2
# --device cuda (bench/gpu/check.ts): the same steps on the GPU, synchronised before each time is taken.
DEVICE = sys.argv[sys.argv.index("--device") + 1] if "--device" in sys.argv else "cpu"
os.environ["OMP_NUM_THREADS"] = str(THREADS)
os.environ["OPENBLAS_NUM_THREADS"] = str(THREADS)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
from diffusion_torch import build  # noqa: E402

torch.set_num_threads(THREADS)
if DEVICE.startswith("cuda"):
    torch.backends.cuda.matmul.allow_tf32 = False  # fp32, like tfjs
    torch.backends.cudnn.allow_tf32 = False


def sync():
    if DEVICE.startswith("cuda"):
        torch.cuda.synchronize()
BETA_MIN, BETA_MAX = 0.1, 20.0


def integrated_beta(t):
    return BETA_MIN * t + (BETA_MAX - BETA_MIN) * t * t / 2


def beta(t):
    return BETA_MIN + (BETA_MAX - BETA_MIN) * t


class Server:
    def __init__(self):
        self.model = None
        self.opt = None

    def build(self, req):
        torch.manual_seed(req.get("seed", 0))
        self.spec = req["spec"]
        self.model = build(self.spec).to(DEVICE)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=5e-5)
        return {"parameters": sum(p.numel() for p in self.model.parameters())}

    def shape(self, batch):
        s = self.spec
        return (batch, s["inChannels"], s["sampleSize"], s["sampleSize"])

    def train_steps(self, req):
        g = torch.Generator().manual_seed(req.get("seed", 0))
        ms, losses = [], []
        self.model.train()
        for _ in range(req["n"]):
            x = (torch.rand(self.shape(req["batch"]), generator=g) * 2 - 1).to(DEVICE)
            t = torch.rand(x.shape[0], generator=g)
            eps = torch.randn(x.shape, generator=g).to(DEVICE)
            sync()
            start = time.perf_counter()
            t = t.to(DEVICE)
            b = integrated_beta(t)
            psi = torch.exp(-0.5 * b).view(-1, 1, 1, 1)
            sigma = torch.sqrt(-torch.expm1(-b)).view(-1, 1, 1, 1)
            out = self.model(psi * x + sigma * eps, t)
            loss = ((out + eps) ** 2).flatten(1).sum(1).mean()
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
            self.opt.step()
            # The trainer reads the loss and the gradient norm every step; so does this side.
            read = torch.stack([loss.detach(), norm]).cpu()
            ms.append((time.perf_counter() - start) * 1000)
            losses.append(float(read[0]))
        return {"ms": ms, "losses": losses}

    def pfode(self, req):
        g = torch.Generator().manual_seed(req.get("seed", 0))
        steps, eps0, k = req["steps"], 0.01, req.get("probes", 1)
        self.model.eval()
        ms, logps = [], []
        for _ in range(req["n"]):
            x = torch.rand(self.shape(req["batch"]), generator=g) * 2 - 1
            start = time.perf_counter()
            probes = torch.randint(0, 2, (k, *x.shape), generator=g).float() * 2 - 1
            d = x[0].numel()
            dt = (1 - eps0) / (steps - 1)
            logp = torch.zeros(x.shape[0], dtype=torch.float64)
            for j in range(steps):
                s = eps0 + j * dt
                bt = beta(s)
                sigma = math.sqrt(-math.expm1(-integrated_beta(s)))
                xr = x.detach().repeat(k, 1, 1, 1).requires_grad_(True)
                tt = torch.full((xr.shape[0],), s)
                score = self.model(xr, tt) / sigma
                v = probes.reshape(xr.shape)
                (vjp,) = torch.autograd.grad((score * v).sum(), xr)
                trace = (vjp * v).flatten(1).sum(1).view(k, -1).mean(0)
                logp -= dt * 0.5 * bt * trace.double()
                with torch.no_grad():
                    sc = score[: x.shape[0]]
                    x = x + dt * (-0.5 * bt * x - 0.5 * bt * sc)
            logp += -(x.flatten(1) ** 2).sum(1).double() / 2 - d / 2 * math.log(2 * math.pi) - d / 2 * (integrated_beta(1) - integrated_beta(eps0))
            ms.append((time.perf_counter() - start) * 1000)
            logps.append(logp.tolist())
        return {"ms": ms, "logp": logps}


def main():
    server = Server()
    header = {"torch": torch.__version__, "threads": torch.get_num_threads(), "device": DEVICE}
    if DEVICE.startswith("cuda"):
        header["gpu"] = torch.cuda.get_device_name()
    print(json.dumps(header), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        reply = getattr(server, req["cmd"])(req)
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
