#!/usr/bin/env python3
"""PyTorch reference for bench/flows.bench.ts: the multiscale RQ-NSF flow of docs/reference-notes.md §2.1–2.2, written
here from that description (nflows conventions; nflows itself is not installed), CPU only. Reference only; never
a runtime dependency.

Architecture (grayscale 1×28×28), widths (w1, w2, w3) of the coupling nets per level:
  logit(α=0.05) → level 1: Squeeze(2), 3 × [ActNorm, LU 1×1, RQ coupling(flip=T), ActNorm, LU 1×1, RQ coupling(F)],
  LU 1×1, split → level 2: the same at 8 channels, split → level 3: Squeeze(7), 2 × [ActNorm, RQ(T), ActNorm, RQ(F)],
  LU 1×1. RQ spline: K bins, tail bound B, linear tails, min bin width/height/derivative 1e-3, widths and heights
  divided by √hidden. Coupling net: ConvResidualNet (2 blocks, dropout 0.2, no batch norm).
Level 3 works on 1×1 maps, where a zero-padded 3×3 conv only uses its centre tap; like ours
(packages/flows/README.md) its nets store only that tap (a 1×1 conv initialised as the centre of a
PyTorch-default 3×3 kernel, fan_in = 9·hidden), so both sides have the same parameters and the same work.

Serve mode (the default) prints {"ready": true, ...} and answers one JSON request per stdin line:
  {"cmd": "build", "widths": [16,16,128], "seed": 0, "bins": 8, "tail_bound": 3, "dropout": 0.2}
      → fresh model and AdamW(lr 1e-3, wd 0.01): {"parameters": n, "per_kind": {...}}
  {"cmd": "load_weights", "manifest": path}   our weights (flows.bench.ts writes them) → {"loaded": n}
  {"cmd": "log_prob", "images": path, "count": n, "dequantize": false}   eval mode → {"log_prob": [...]}
  {"cmd": "data", "train": path, "train_count": n, "test": path, "test_count": m, "seed": s}  raw uint8 NCHW files
  {"cmd": "steps", "n": k, "batch": 64}   k training steps → {"ms": [...], "losses": [...]}
  {"cmd": "train_for", "seconds": s, "batch": 64}   steps until s seconds have passed → {"steps", "seconds", "losses"}
  {"cmd": "eval", "count": m, "batch": 500, "seed": s}   test bits/dim in eval mode, dequantized → {"bits_per_dim", ...}
A training step: dequantize (x + U[0,1)) and scale (/256) → loss = mean(−log p) → backward → clip global norm 1.0
→ AdamW step. Errors are answered as {"error": message}.
Usage: /usr/bin/python3 bench/flows_torch.py [--threads 2] [--standalone --widths 16,16,128 --steps 10]
"""
import argparse
import gzip
import json
import math
import os
import sys
import time


def _threads_from_argv(default="2"):
    argv = sys.argv[1:]
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return default


# OpenBLAS (libopenblas0-pthread) sizes its own thread pool when it loads, to all cores unless told; on top of
# torch's OpenMP threads that oversubscribes 2 cores (steps many times slower), so match it to --threads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", _threads_from_argv())

import numpy as np  # noqa: E402  (after the thread settings)
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

DIAG_EPS = 1e-3
IDENTITY_DIAG_RAW = math.log(math.expm1(1 - DIAG_EPS))


# ---------------------------------------------------------------------------------------------- transforms
# Each transform: forward(x) → (y, logabsdet per sample). Training only needs the forward direction.


class LogitTransform(nn.Module):
    def __init__(self, alpha=0.05, eps=1e-6):
        super().__init__()
        self.alpha, self.eps = alpha, eps

    def forward(self, x):
        p = self.alpha + (1 - self.alpha) * x
        y = torch.log(p / (1 - p + self.eps))
        lad = math.log(1 - self.alpha) - torch.log(1 - p + self.eps) - torch.log(p + self.eps)
        return y, lad.reshape(x.shape[0], -1).sum(1)


class Squeeze(nn.Module):
    """(C, H, W) → (C·f², H/f, W/f); new channel c·f² + i·f + j."""

    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        b, c, h, w = x.shape
        f = self.factor
        y = x.reshape(b, c, h // f, f, w // f, f).permute(0, 1, 3, 5, 2, 4).reshape(b, c * f * f, h // f, w // f)
        return y, x.new_zeros(b)


class ActNorm(nn.Module):
    """y = exp(s)·x + b per channel; data-dependent init on the first training batch (unbiased std)."""

    def __init__(self, channels):
        super().__init__()
        self.log_scale = nn.Parameter(torch.zeros(channels))
        self.shift = nn.Parameter(torch.zeros(channels))
        self.initialized = False

    def forward(self, x):
        b, c, h, w = x.shape
        if self.training and not self.initialized:
            with torch.no_grad():
                flat = x.transpose(0, 1).reshape(c, -1)
                std = flat.std(1)
                self.log_scale.copy_(-torch.log(std))
                self.shift.copy_(-(flat / std[:, None]).mean(1))
            self.initialized = True
        y = x * torch.exp(self.log_scale).view(1, c, 1, 1) + self.shift.view(1, c, 1, 1)
        return y, (h * w * self.log_scale.sum()).expand(b)


class OneByOneConvolution(nn.Module):
    """nflows OneByOneConvolution: fixed permutation P, then W = L·U (L unit lower, U upper with diagonal
    softplus(u) + 1e-3) plus bias at every pixel. Stored as nflows stores it: strictly-triangular entries only."""

    def __init__(self, channels, generator):
        super().__init__()
        c = channels
        self.channels = c
        self.register_buffer("permutation", torch.randperm(c, generator=generator))
        n_tri = c * (c - 1) // 2
        self.lower_entries = nn.Parameter(torch.zeros(n_tri))
        self.upper_entries = nn.Parameter(torch.zeros(n_tri))
        self.unconstrained_upper_diag = nn.Parameter(torch.full((c,), IDENTITY_DIAG_RAW))
        self.bias = nn.Parameter(torch.zeros(c))
        self.register_buffer("lower_idx", torch.tril_indices(c, c, -1))
        self.register_buffer("upper_idx", torch.triu_indices(c, c, 1))

    def set_permutation(self, perm):
        self.permutation.copy_(torch.as_tensor(perm, dtype=torch.long))

    def forward(self, x):
        b, c, h, w = x.shape
        lower = x.new_zeros(c, c).index_put((self.lower_idx[0], self.lower_idx[1]), self.lower_entries)
        upper = x.new_zeros(c, c).index_put((self.upper_idx[0], self.upper_idx[1]), self.upper_entries)
        diag = F.softplus(self.unconstrained_upper_diag) + DIAG_EPS
        weight = (lower + torch.eye(c)) @ (upper + torch.diag(diag))
        # W·(P x) with (P x)_i = x_perm[i] equals (W P) x, and W P = W[:, perm⁻¹]: fold P into the weight.
        inverse_perm = torch.argsort(self.permutation)
        y = F.conv2d(x, weight[:, inverse_perm].reshape(c, c, 1, 1), self.bias)
        return y, (h * w * torch.log(diag).sum()).expand(b)


class ConvResidualNet(nn.Module):
    """conv1×1(in→hidden) → blocks × [h + conv3×3(dropout(relu(conv3×3(relu(h)))))] → conv1×1(hidden→out).
    PyTorch-default init, except the second conv of each block ~U(±1e-3). centre_tap_only: 1×1 maps (see top)."""

    def __init__(self, cin, cout, hidden, num_blocks, dropout, centre_tap_only):
        super().__init__()
        self.hidden_channels = hidden
        k = 1 if centre_tap_only else 3
        self.initial = nn.Conv2d(cin, hidden, 1)
        self.blocks = nn.ModuleList()
        for _ in range(num_blocks):
            conv0 = nn.Conv2d(hidden, hidden, k, padding=k // 2)
            conv1 = nn.Conv2d(hidden, hidden, k, padding=k // 2)
            if centre_tap_only:
                bound = 1 / math.sqrt(9 * hidden)  # the centre tap of a default 3×3 conv
                nn.init.uniform_(conv0.weight, -bound, bound)
                nn.init.uniform_(conv0.bias, -bound, bound)
            nn.init.uniform_(conv1.weight, -1e-3, 1e-3)
            nn.init.uniform_(conv1.bias, -1e-3, 1e-3)
            self.blocks.append(nn.ModuleList([conv0, conv1]))
        self.dropout = nn.Dropout(dropout)
        self.final = nn.Conv2d(hidden, cout, 1)

    def forward(self, x):
        h = self.initial(x)
        for conv0, conv1 in self.blocks:
            t = conv0(F.relu(h))
            t = self.dropout(F.relu(t))
            h = h + conv1(t)
        return self.final(h)


def rational_quadratic_spline(inputs, uw, uh, ud, tail_bound, min_w=1e-3, min_h=1e-3, min_d=1e-3):
    """nflows unconstrained_rational_quadratic_spline, tails='linear', forward direction.
    inputs [N]; uw, uh [N, K]; ud [N, K−1] (interior knots; boundary derivatives fixed to 1)."""
    inside = (inputs >= -tail_bound) & (inputs <= tail_bound)
    outputs = torch.zeros_like(inputs)
    logabsdet = torch.zeros_like(inputs)
    outside = ~inside
    outputs[outside] = inputs[outside]
    if not bool(inside.any()):
        return outputs, logabsdet
    x, uw, uh, ud = inputs[inside], uw[inside], uh[inside], ud[inside]
    k = uw.shape[-1]
    left, right = -tail_bound, tail_bound

    def knots(unnormalized, minimum):
        sizes = minimum + (1 - minimum * k) * F.softmax(unnormalized, dim=-1)
        cum = F.pad(torch.cumsum(sizes, dim=-1), (1, 0), value=0.0)
        cum = (right - left) * cum + left
        cum[..., 0] = left
        cum[..., -1] = right
        return cum, cum[..., 1:] - cum[..., :-1]

    cumwidths, widths = knots(uw, min_w)
    cumheights, heights = knots(uh, min_h)
    constant = math.log(math.exp(1 - min_d) - 1)
    derivatives = min_d + F.softplus(F.pad(ud, (1, 1), value=constant))

    locations = cumwidths.detach().clone()
    locations[..., -1] += 1e-6
    idx = (torch.sum(x[:, None] >= locations, dim=-1) - 1)[:, None]

    xk = cumwidths.gather(-1, idx)[:, 0]
    wk = widths.gather(-1, idx)[:, 0]
    yk = cumheights.gather(-1, idx)[:, 0]
    hk = heights.gather(-1, idx)[:, 0]
    sk = hk / wk
    dk = derivatives.gather(-1, idx)[:, 0]
    dk1 = derivatives[:, 1:].gather(-1, idx)[:, 0]

    theta = (x - xk) / wk
    t1t = theta * (1 - theta)
    den = sk + (dk + dk1 - 2 * sk) * t1t
    y = yk + hk * (sk * theta.pow(2) + dk * t1t) / den
    dnum = sk.pow(2) * (dk1 * theta.pow(2) + 2 * sk * t1t + dk * (1 - theta).pow(2))
    outputs[inside] = y
    logabsdet[inside] = torch.log(dnum) - 2 * torch.log(den)
    return outputs, logabsdet


class RqSplineCoupling(nn.Module):
    """Channel mask m_c = −1 (even c) / +1 (odd c), negated by flip; m > 0 transformed, the rest condition the net.
    Net output (B, n·P, H, W) → (B, n, H, W, P), P = 3K − 1: [0,K) widths, [K,2K) heights, [2K,3K−1) derivatives."""

    def __init__(self, channels, flip, hidden, num_blocks, dropout, bins, tail_bound, centre_tap_only):
        super().__init__()
        mask = [(1 if c % 2 else -1) * (-1 if flip else 1) for c in range(channels)]
        self.register_buffer("transformed", torch.tensor([c for c, m in enumerate(mask) if m > 0]))
        self.register_buffer("identity", torch.tensor([c for c, m in enumerate(mask) if m <= 0]))
        self.bins, self.tail_bound = bins, tail_bound
        self.params_per_channel = 3 * bins - 1
        self.hidden_sqrt = math.sqrt(hidden)
        self.net = ConvResidualNet(len(self.identity), len(self.transformed) * self.params_per_channel, hidden, num_blocks, dropout, centre_tap_only)

    def forward(self, x):
        b, c, h, w = x.shape
        identity = x.index_select(1, self.identity)
        inputs = x.index_select(1, self.transformed)
        n, k, p = inputs.shape[1], self.bins, self.params_per_channel
        params = self.net(identity).reshape(b, n, p, h, w).permute(0, 1, 3, 4, 2).reshape(-1, p)
        out, lad = rational_quadratic_spline(
            inputs.reshape(-1), params[:, :k] / self.hidden_sqrt, params[:, k : 2 * k] / self.hidden_sqrt, params[:, 2 * k :], self.tail_bound
        )
        y = torch.empty_like(x)
        y[:, self.identity] = identity
        y[:, self.transformed] = out.reshape(b, n, h, w)
        return y, lad.reshape(b, -1).sum(1)


class MultiscaleFlow(nn.Module):
    """log p(x̃) = log N(z; 0, I) + log|det ∂z/∂x̃|, z = levels ∘ logit (x̃); after every level but the last the
    first half of the channels goes to the latent (flattened C,H,W), the second half continues."""

    def __init__(self, widths, seed=0, bins=8, tail_bound=3.0, dropout=0.2, num_blocks=2, data_shape=(1, 28, 28)):
        super().__init__()
        torch.manual_seed(seed)
        gen = torch.Generator().manual_seed(seed)
        recipe = [(2, 3, True), (2, 3, True), (7, 2, False)]  # (squeeze, blocks, 1×1 convs inside the blocks)
        self.logit = LogitTransform()
        self.levels = nn.ModuleList()
        c, h, w = data_shape
        self.dim = c * h * w
        for i, (f, blocks, conv_in_blocks) in enumerate(recipe):
            c, h, w = c * f * f, h // f, w // f
            ts = [Squeeze(f)]
            for _ in range(blocks):
                for flip in (True, False):
                    ts.append(ActNorm(c))
                    if conv_in_blocks:
                        ts.append(OneByOneConvolution(c, gen))
                    ts.append(RqSplineCoupling(c, flip, widths[i], num_blocks, dropout, bins, tail_bound, centre_tap_only=(h == 1 and w == 1)))
            ts.append(OneByOneConvolution(c, gen))
            self.levels.append(nn.ModuleList(ts))
            if i < len(recipe) - 1:
                c //= 2

    def log_prob(self, xt):
        b = xt.shape[0]
        h, total = self.logit(xt)
        parts = []
        for i, level in enumerate(self.levels):
            for t in level:
                h, lad = t(h)
                total = total + lad
            if i < len(self.levels) - 1:
                e = (h.shape[1] + 1) // 2
                parts.append(h[:, :e].reshape(b, -1))
                h = h[:, e:]
            else:
                parts.append(h.reshape(b, -1))
        z = torch.cat(parts, 1)
        return -0.5 * z.pow(2).sum(1) - 0.5 * self.dim * math.log(2 * math.pi) + total


def preprocess(raw, dequantize, generator=None):
    """Raw pixels (0..255) → x̃: x + U[0,1) and /256 with dequantization, /255 without."""
    x = raw.float()
    if dequantize:
        return (x + torch.rand(x.shape, generator=generator)) / 256.0
    return x / 255.0


def bits_per_dim(nll, dim):
    """Discrete bits/dim with dequantization (scale 1/256): (D ln 256 + NLL) / (D ln 2)."""
    return (dim * math.log(256) + nll) / (dim * math.log(2))


def count_parameters(model):
    per_kind = {}
    for module in model.modules():
        own = sum(p.numel() for p in module.parameters(recurse=False))
        if own:
            kind = type(module).__name__
            if isinstance(module, nn.Conv2d):
                kind = "ConvResidualNet"
            per_kind[kind] = per_kind.get(kind, 0) + own
    return sum(p.numel() for p in model.parameters()), per_kind


# ------------------------------------------------------------------------------------------------- session


class Session:
    def __init__(self):
        self.model = None
        self.opt = None
        self.train = None
        self.test = None
        self.order = None
        self.cursor = 0
        self.epoch = 0
        self.gen = torch.Generator().manual_seed(0)

    def build(self, req):
        self.model = MultiscaleFlow(
            req["widths"], seed=int(req.get("seed", 0)), bins=int(req.get("bins", 8)), tail_bound=float(req.get("tail_bound", 3.0)), dropout=float(req.get("dropout", 0.2))
        )
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=1e-3, weight_decay=0.01)
        self.gen = torch.Generator().manual_seed(int(req.get("seed", 0)) + 1)
        self.cursor, self.epoch, self.order = 0, 0, None
        total, per_kind = count_parameters(self.model)
        return {"parameters": total, "per_kind": per_kind}

    def load_weights(self, req):
        """Our named parameters (HWIO convs, full C×C lower/upper) → this model (OIHW, triangular entries)."""
        manifest = json.load(open(req["manifest"]))
        blob = np.fromfile(manifest["blob"], dtype="<f4")
        loaded = 0
        with torch.no_grad():
            for entry in manifest["tensors"]:
                value = torch.from_numpy(blob[entry["offset"] : entry["offset"] + entry["size"]].copy()).reshape(entry["shape"])
                parts = entry["name"].split(".")
                if parts[0] != "levels":
                    raise ValueError(f"unexpected parameter {entry['name']}")
                module = self.model.levels[int(parts[1])][int(parts[2])]
                rest = ".".join(parts[3:])
                if isinstance(module, ActNorm):
                    getattr(module, rest).copy_(value)
                    module.initialized = True
                elif isinstance(module, OneByOneConvolution):
                    if rest == "lower":
                        module.lower_entries.copy_(value[module.lower_idx[0], module.lower_idx[1]])
                    elif rest == "upper":
                        module.upper_entries.copy_(value[module.upper_idx[0], module.upper_idx[1]])
                    else:
                        getattr(module, rest).copy_(value)
                elif isinstance(module, RqSplineCoupling):
                    target = module.net.get_parameter(rest.replace("net.", "", 1).replace(".conv0.", ".0.").replace(".conv1.", ".1."))
                    target.copy_(value.permute(3, 2, 0, 1) if value.dim() == 4 else value)
                else:
                    raise ValueError(f"no parameters expected in {type(module).__name__} ({entry['name']})")
                loaded += value.numel()
            for name, perm in manifest["permutations"].items():
                parts = name.split(".")
                self.model.levels[int(parts[1])][int(parts[2])].set_permutation(perm)
        return {"loaded": loaded}

    def log_prob(self, req):
        raw = torch.from_numpy(np.fromfile(req["images"], dtype=np.uint8)[: int(req["count"]) * 784].reshape(-1, 1, 28, 28).copy())
        self.model.eval()
        with torch.no_grad():
            lp = self.model.log_prob(preprocess(raw, bool(req.get("dequantize", False)), self.gen))
        return {"log_prob": lp.tolist()}

    def data(self, req):
        def read(path, count):
            return torch.from_numpy(np.fromfile(path, dtype=np.uint8)[: count * 784].reshape(count, 1, 28, 28).copy())

        self.train = read(req["train"], int(req["train_count"]))
        self.test = read(req["test"], int(req["test_count"]))
        self.data_gen = torch.Generator().manual_seed(int(req.get("seed", 0)))
        self.order, self.cursor, self.epoch = None, 0, 0
        return {"train": len(self.train), "test": len(self.test)}

    def next_batch(self, batch):
        n = len(self.train)
        if self.order is None or self.cursor + batch > n:  # drop_last; a new shuffle per epoch
            if self.order is not None:
                self.epoch += 1
            self.order = torch.randperm(n, generator=self.data_gen)
            self.cursor = 0
        idx = self.order[self.cursor : self.cursor + batch]
        self.cursor += batch
        return self.train[idx]

    def step(self, batch):
        self.model.train()
        xt = preprocess(self.next_batch(batch), True, self.gen)
        loss = -self.model.log_prob(xt).mean()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.opt.step()
        value = float(loss)
        if not math.isfinite(value):
            raise FloatingPointError(f"non-finite training loss {value}")
        return value

    def steps(self, req):
        ms, losses = [], []
        for _ in range(int(req["n"])):
            t0 = time.perf_counter()
            losses.append(self.step(int(req["batch"])))
            ms.append((time.perf_counter() - t0) * 1000)
        return {"ms": ms, "losses": losses}

    def train_for(self, req):
        budget = float(req["seconds"])
        t0 = time.perf_counter()
        losses = []
        while time.perf_counter() - t0 < budget:
            losses.append(self.step(int(req["batch"])))
        return {"steps": len(losses), "seconds": time.perf_counter() - t0, "losses": losses, "epoch": self.epoch}

    def evaluate(self, req):
        count = min(int(req["count"]), len(self.test))
        batch = int(req.get("batch", 500))
        gen = torch.Generator().manual_seed(int(req.get("seed", 0)))
        self.model.eval()
        t0 = time.perf_counter()
        total = 0.0
        with torch.no_grad():
            for start in range(0, count, batch):
                raw = self.test[start : min(count, start + batch)]
                total -= float(self.model.log_prob(preprocess(raw, True, gen)).sum())
        nll = total / count
        return {"bits_per_dim": bits_per_dim(nll, self.model.dim), "nll": nll, "count": count, "seconds": time.perf_counter() - t0}


def serve(threads):
    session = Session()
    handlers = {
        "build": session.build,
        "load_weights": session.load_weights,
        "log_prob": session.log_prob,
        "data": session.data,
        "steps": session.steps,
        "train_for": session.train_for,
        "eval": session.evaluate,
    }
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": threads}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            if req.get("cmd") not in handlers:
                raise ValueError(f"unknown cmd {req.get('cmd')!r} (known: {', '.join(handlers)})")
            reply = handlers[req["cmd"]](req)
        except Exception as error:  # answered, so that the bench can print it and stop
            reply = {"error": f"{type(error).__name__}: {error}"}
        print(json.dumps(reply), flush=True)


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    n, h, w = (int.from_bytes(data[i : i + 4], "big") for i in (4, 8, 12))
    return torch.frombuffer(bytearray(data[16:]), dtype=torch.uint8).reshape(n, 1, h, w)


def standalone(args):
    """Parameter count and training throughput on its own (FMNIST from Debian's dataset-fashion-mnist)."""
    widths = [int(v) for v in args.widths.split(",")]
    session = Session()
    info = session.build({"widths": widths})
    session.train = read_idx_images(f"{args.fmnist}/train-images-idx3-ubyte.gz")
    session.data_gen = torch.Generator().manual_seed(0)
    for _ in range(args.warmup):
        session.step(args.batch)
    ms = session.steps({"n": args.steps, "batch": args.batch})["ms"]
    print(json.dumps({**info, "torch": torch.__version__, "threads": args.threads, "median_ms": sorted(ms)[len(ms) // 2], "images_per_s": args.batch * len(ms) / (sum(ms) / 1000)}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--standalone", action="store_true")
    p.add_argument("--widths", default="16,16,128")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--fmnist", default="/usr/share/datasets/fashion-mnist")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    if a.standalone:
        standalone(a)
    else:
        serve(a.threads)


if __name__ == "__main__":
    main()
