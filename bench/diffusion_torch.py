#!/usr/bin/env python3
"""PyTorch twin of our U-Net score network (packages/diffusion/src/unet): diffusers' UNet2DModel with positional
time embedding, conv down/upsampling and 'default' time conditioning, written here from scratch in plain torch.nn
(diffusers is not installed). Reference only; never a runtime dependency.

It takes the same spec as ours (UNetSpec, camelCase JSON) and registers the same parameter names as diffusers'
state dict (conv_in.weight, time_embedding.linear_1.weight, down_blocks.0.resnets.1.conv1.weight,
down_blocks.1.attentions.0.to_q.weight, down_blocks.0.downsamplers.0.conv.weight, mid_block.attentions.0.group_norm.weight,
up_blocks.0.upsamplers.0.conv.weight, conv_norm_out.weight, conv_out.weight, ...), in torch layouts (conv OIHW,
linear [out, in]); ours stores conv HWIO and linear [in, out] under the same names.
The channel bookkeeping follows diffusers' formulas (prev_output_channel, res_skip_channels), not our plan.ts, so the
parameter counts it reports are an independent check of ours.

Importable: `build(spec_json_or_dict) -> UNet2D`; forward(x NCHW, t [B] raw times) -> NCHW.
CLI:
  /usr/bin/python3 bench/diffusion_torch.py fixture --out packages/diffusion/src/__fixtures__/unet-tiny-torch.json
      the parity fixture: a tiny U-Net's weights (default init, GroupNorm affine perturbed, all rounded to multiples
      of 2^-12 and stored as base64 int16 so both sides use exactly the same values), inputs x (NHWC) and t, the
      output computed in float64 (NHWC), and torch's parameter counts of a few specs, the reference's included.
  /usr/bin/python3 bench/diffusion_torch.py count --spec '{"sampleSize": 32, ...}'   -> {"parameters": n, "flopsPerImage": f}
  /usr/bin/python3 bench/diffusion_torch.py time --spec '{...}' [--batch 64 --steps 5 --threads 2]
      median seconds of one Adam step (loss mean((s(x + z/2, t) + z)^2)) and of one forward pass, random data
"""
import argparse
import base64
import json
import math
import os
import sys

# OpenBLAS keeps its own thread pool; torch's threads do the parallel work here (oversubscribing 2 cores is slow).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

DEFAULTS = {
    "normNumGroups": 32,
    "normEps": 1e-5,
    "attentionHeadDim": 8,
    "flipSinToCos": True,
    "freqShift": 0,
    "midBlockAttention": True,
    "dropout": 0.0,
}


def timestep_embedding(t, dim, flip_sin_to_cos, freq_shift, max_period=10000):
    """diffusers' get_timestep_embedding (dim even)."""
    half = dim // 2
    exponent = -math.log(max_period) * torch.arange(half, dtype=torch.float64, device=t.device) / (half - freq_shift)
    emb = t[:, None].to(torch.float64) * torch.exp(exponent)[None, :]
    emb = torch.cat([torch.sin(emb), torch.cos(emb)], dim=-1)
    if flip_sin_to_cos:
        emb = torch.cat([emb[:, half:], emb[:, :half]], dim=-1)
    return emb


class TimestepEmbedding(nn.Module):
    def __init__(self, in_dim, embed_dim):
        super().__init__()
        self.linear_1 = nn.Linear(in_dim, embed_dim)
        self.linear_2 = nn.Linear(embed_dim, embed_dim)

    def forward(self, x):
        return self.linear_2(F.silu(self.linear_1(x)))


class ResnetBlock2D(nn.Module):
    def __init__(self, in_channels, out_channels, temb_channels, groups, eps, dropout):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, in_channels, eps=eps, affine=True)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb_channels, out_channels)
        self.norm2 = nn.GroupNorm(groups, out_channels, eps=eps, affine=True)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(in_channels, out_channels, 1) if in_channels != out_channels else None

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(self.dropout(F.silu(self.norm2(h))))
        skip = self.conv_shortcut(x) if self.conv_shortcut is not None else x
        return skip + h


class Attention(nn.Module):
    """diffusers Attention as UNet2DModel uses it: group norm, biased q/k/v/out, residual connection."""

    def __init__(self, channels, head_dim, groups, eps):
        super().__init__()
        self.heads = channels // head_dim
        self.head_dim = head_dim
        self.group_norm = nn.GroupNorm(groups, channels, eps=eps, affine=True)
        self.to_q = nn.Linear(channels, channels)
        self.to_k = nn.Linear(channels, channels)
        self.to_v = nn.Linear(channels, channels)
        self.to_out = nn.ModuleList([nn.Linear(channels, channels), nn.Dropout(0.0)])
        self.macs = None  # a list while count_flops_per_image runs

    def forward(self, x):
        b, c, h, w = x.shape
        n = h * w
        hs = self.group_norm(x).view(b, c, n).transpose(1, 2)

        def heads(y):
            return y.view(b, n, self.heads, self.head_dim).transpose(1, 2)

        q, k, v = heads(self.to_q(hs)), heads(self.to_k(hs)), heads(self.to_v(hs))
        if self.macs is not None:
            self.macs.append(2 * n * n * c)  # QKᵀ and PV, per image
        probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.head_dim), dim=-1)
        o = (probs @ v).transpose(1, 2).reshape(b, n, c)
        o = self.to_out[1](self.to_out[0](o))
        return o.transpose(1, 2).reshape(b, c, h, w) + x


class Downsample2D(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=1)

    def forward(self, x):
        return self.conv(x)


class Upsample2D(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class DownBlock(nn.Module):
    def __init__(self, in_channels, out_channels, temb, num_layers, attention, add_downsample, s):
        super().__init__()
        self.resnets = nn.ModuleList(
            [ResnetBlock2D(in_channels if i == 0 else out_channels, out_channels, temb, s["normNumGroups"], s["normEps"], s["dropout"]) for i in range(num_layers)]
        )
        if attention:
            self.attentions = nn.ModuleList([Attention(out_channels, s["attentionHeadDim"], s["normNumGroups"], s["normEps"]) for _ in range(num_layers)])
        else:
            self.attentions = None
        self.downsamplers = nn.ModuleList([Downsample2D(out_channels)]) if add_downsample else None

    def forward(self, x, temb):
        outputs = []
        for i, resnet in enumerate(self.resnets):
            x = resnet(x, temb)
            if self.attentions is not None:
                x = self.attentions[i](x)
            outputs.append(x)
        if self.downsamplers is not None:
            x = self.downsamplers[0](x)
            outputs.append(x)
        return x, outputs


class MidBlock(nn.Module):
    def __init__(self, channels, temb, attention, s):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(channels, channels, temb, s["normNumGroups"], s["normEps"], s["dropout"]) for _ in range(2)])
        self.attentions = nn.ModuleList([Attention(channels, s["attentionHeadDim"], s["normNumGroups"], s["normEps"])]) if attention else None

    def forward(self, x, temb):
        x = self.resnets[0](x, temb)
        if self.attentions is not None:
            x = self.attentions[0](x)
        return self.resnets[1](x, temb)


class UpBlock(nn.Module):
    """diffusers' UpBlock2D / AttnUpBlock2D channel arithmetic."""

    def __init__(self, in_channels, prev_output_channel, out_channels, temb, num_layers, attention, add_upsample, s):
        super().__init__()
        resnets = []
        for i in range(num_layers):
            res_skip_channels = in_channels if i == num_layers - 1 else out_channels
            resnet_in_channels = prev_output_channel if i == 0 else out_channels
            resnets.append(ResnetBlock2D(resnet_in_channels + res_skip_channels, out_channels, temb, s["normNumGroups"], s["normEps"], s["dropout"]))
        self.resnets = nn.ModuleList(resnets)
        if attention:
            self.attentions = nn.ModuleList([Attention(out_channels, s["attentionHeadDim"], s["normNumGroups"], s["normEps"]) for _ in range(num_layers)])
        else:
            self.attentions = None
        self.upsamplers = nn.ModuleList([Upsample2D(out_channels)]) if add_upsample else None

    def forward(self, x, skips, temb):
        for i, resnet in enumerate(self.resnets):
            x = resnet(torch.cat([x, skips.pop()], dim=1), temb)
            if self.attentions is not None:
                x = self.attentions[i](x)
        if self.upsamplers is not None:
            x = self.upsamplers[0](x)
        return x


class UNet2D(nn.Module):
    def __init__(self, spec):
        super().__init__()
        s = {**DEFAULTS, **spec}
        self.spec = s
        boc = list(s["blockOutChannels"])
        n = len(boc)
        layers = s["layersPerBlock"]
        temb = 4 * boc[0]
        self.conv_in = nn.Conv2d(s["inChannels"], boc[0], 3, padding=1)
        self.time_embedding = TimestepEmbedding(boc[0], temb)
        self.down_blocks = nn.ModuleList()
        output_channel = boc[0]
        for i, kind in enumerate(s["downBlockTypes"]):
            input_channel = output_channel
            output_channel = boc[i]
            self.down_blocks.append(DownBlock(input_channel, output_channel, temb, layers, kind == "AttnDownBlock2D", i < n - 1, s))
        self.mid_block = MidBlock(boc[-1], temb, s["midBlockAttention"], s)
        self.up_blocks = nn.ModuleList()
        rev = list(reversed(boc))
        output_channel = rev[0]
        for i, kind in enumerate(s["upBlockTypes"]):
            prev_output_channel = output_channel
            output_channel = rev[i]
            input_channel = rev[min(i + 1, n - 1)]
            self.up_blocks.append(UpBlock(input_channel, prev_output_channel, output_channel, temb, layers + 1, kind == "AttnUpBlock2D", i < n - 1, s))
        self.conv_norm_out = nn.GroupNorm(s["normNumGroups"], boc[0], eps=s["normEps"], affine=True)
        self.conv_out = nn.Conv2d(boc[0], s["outChannels"], 3, padding=1)

    def forward(self, x, t):
        s = self.spec
        proj = timestep_embedding(t, s["blockOutChannels"][0], s["flipSinToCos"], s["freqShift"]).to(x.dtype)
        temb = self.time_embedding(proj)
        h = self.conv_in(x)
        skips = [h]
        for block in self.down_blocks:
            h, outs = block(h, temb)
            skips.extend(outs)
        h = self.mid_block(h, temb)
        for block in self.up_blocks:
            h = block(h, skips, temb)
        return self.conv_out(F.silu(self.conv_norm_out(h)))


def build(spec):
    """spec: a UNetSpec as a dict or a JSON string (missing defaults as in UNET_DEFAULTS)."""
    return UNet2D(json.loads(spec) if isinstance(spec, str) else spec)


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def count_flops_per_image(model):
    """2 × multiply-adds of one image at sampleSize, counted by hooks on every Conv2d and Linear (output elements ×
    fan-in) plus the attention products: the same definition as unetFlopsPerImage, counted independently."""
    macs = []
    hooks = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            fan_in = m.in_channels * m.kernel_size[0] * m.kernel_size[1]
            hooks.append(m.register_forward_hook(lambda mod, inp, out, f=fan_in: macs.append(out[0].numel() * f)))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(lambda mod, inp, out: macs.append(out[0].numel() * mod.in_features)))
        elif isinstance(m, Attention):
            m.macs = macs
    size = model.spec["sampleSize"]
    with torch.no_grad():
        model(torch.zeros(1, model.spec["inChannels"], size, size), torch.zeros(1))
    for h in hooks:
        h.remove()
    for m in model.modules():
        if isinstance(m, Attention):
            m.macs = None
    return 2 * sum(macs)


TINY = {
    "sampleSize": 8,
    "inChannels": 1,
    "outChannels": 1,
    "layersPerBlock": 1,
    "blockOutChannels": [8, 16],
    "downBlockTypes": ["DownBlock2D", "AttnDownBlock2D"],
    "upBlockTypes": ["AttnUpBlock2D", "UpBlock2D"],
    "normNumGroups": 4,
    "normEps": 1e-5,
    "attentionHeadDim": 4,
    "flipSinToCos": True,
    "freqShift": 0,
    "midBlockAttention": True,
    "dropout": 0.0,
}

MEDIUM = {
    **TINY,
    "sampleSize": 16,
    "inChannels": 3,
    "outChannels": 3,
    "layersPerBlock": 2,
    "blockOutChannels": [16, 32, 32],
    "downBlockTypes": ["DownBlock2D", "AttnDownBlock2D", "DownBlock2D"],
    "upBlockTypes": ["UpBlock2D", "AttnUpBlock2D", "UpBlock2D"],
    "normNumGroups": 8,
    "attentionHeadDim": 8,
    "midBlockAttention": False,
}


def reference_spec(channels):
    """The reference's score network (score_network_kwargs), library defaults elsewhere."""
    return {
        "sampleSize": 32,
        "inChannels": channels,
        "outChannels": channels,
        "layersPerBlock": 2,
        "blockOutChannels": [128, 128, 256, 256, 512, 512],
        "downBlockTypes": ["DownBlock2D", "DownBlock2D", "DownBlock2D", "DownBlock2D", "AttnDownBlock2D", "DownBlock2D"],
        "upBlockTypes": ["UpBlock2D", "AttnUpBlock2D", "UpBlock2D", "UpBlock2D", "UpBlock2D", "UpBlock2D"],
        **DEFAULTS,
    }


QUANTUM = 4096  # weights are multiples of 1/4096, stored as int16


def quantized_state(model):
    out = {}
    with torch.no_grad():
        for name, p in model.named_parameters():
            q = torch.round(p.detach().to(torch.float64) * QUANTUM).clamp(-32768, 32767)
            p.copy_(q / QUANTUM)
            raw = q.to(torch.int16).numpy().astype("<i2").tobytes()
            out[name] = {"shape": list(p.shape), "int16": base64.b64encode(raw).decode("ascii")}
    return out


def float32_exact(t):
    """Values a float32 holds exactly, as float64 (so both sides read the same numbers)."""
    return t.to(torch.float32).to(torch.float64)


def write_fixture(path, seed):
    torch.manual_seed(seed)
    model = build(TINY).to(torch.float64)
    with torch.no_grad():
        # Default GroupNorm affine is (1, 0); perturb it so that a wrong channel order of gamma/beta shows.
        for name, p in model.named_parameters():
            if "norm" in name and name.endswith(".weight"):
                p.copy_(1 + (torch.rand_like(p) - 0.5))
            elif "norm" in name and name.endswith(".bias"):
                p.copy_(torch.rand_like(p) - 0.5)
    state = quantized_state(model)
    model.eval()
    b, size, c = 2, TINY["sampleSize"], TINY["inChannels"]
    x_nhwc = float32_exact(torch.randn(b, size, size, c, dtype=torch.float64))
    t = float32_exact(torch.tensor([0.05, 0.83], dtype=torch.float64))
    with torch.no_grad():
        y = model(x_nhwc.permute(0, 3, 1, 2).contiguous(), t).permute(0, 2, 3, 1).contiguous()
    counts = {}
    for key, spec in [("tiny", TINY), ("medium", MEDIUM), ("referenceGray", reference_spec(1)), ("referenceRgb", reference_spec(3))]:
        net = build(spec)
        counts[key] = {"spec": spec, "parameters": count_parameters(net), "flopsPerImage": count_flops_per_image(net)}
    fixture = {
        "format": "dgm-ood/unet-torch-fixture@1",
        "generatedBy": "bench/diffusion_torch.py fixture (float64)",
        "torch": torch.__version__,
        "seed": seed,
        "spec": TINY,
        "weightQuantum": 1 / QUANTUM,
        "stateDict": state,
        "x": {"shape": list(x_nhwc.shape), "values": x_nhwc.flatten().tolist()},
        "t": t.tolist(),
        "output": {"shape": list(y.shape), "values": y.flatten().tolist()},
        "parameterCounts": counts,
    }
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    return fixture


def time_steps(spec, batch, steps, warmup, threads):
    """Median seconds of one Adam training step (the DSM stand-in loss of bench/diffusion-preset-sizing.ts) and of
    one forward pass, on random data."""
    import time

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = build(spec)
    opt = torch.optim.Adam(model.parameters(), lr=2e-4)
    size, c = model.spec["sampleSize"], model.spec["inChannels"]
    x0 = torch.rand(batch, c, size, size) * 2 - 1
    z = torch.randn_like(x0)
    t = torch.rand(batch) * (1 - 1e-3) + 1e-3
    xt = x0 + 0.5 * z

    def step():
        opt.zero_grad(set_to_none=True)
        loss = ((model(xt, t) + z) ** 2).mean()
        loss.backward()
        opt.step()

    def forward():
        with torch.no_grad():
            model(xt, t)

    out = {}
    for name, fn in (("step_s", step), ("forward_s", forward)):
        for _ in range(warmup):
            fn()
        times = []
        for _ in range(steps):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        out[name] = sorted(times)[len(times) // 2]
    return {"parameters": count_parameters(model), "threads": threads, "batch": batch, **out}


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    fx = sub.add_parser("fixture")
    fx.add_argument("--out", required=True)
    fx.add_argument("--seed", type=int, default=0)
    cnt = sub.add_parser("count")
    cnt.add_argument("--spec", required=True, help="UNetSpec JSON")
    tm = sub.add_parser("time")
    tm.add_argument("--spec", required=True, help="UNetSpec JSON")
    tm.add_argument("--batch", type=int, default=64)
    tm.add_argument("--steps", type=int, default=5)
    tm.add_argument("--warmup", type=int, default=1)
    tm.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    if args.cmd == "fixture":
        f = write_fixture(args.out, args.seed)
        print(json.dumps({k: [v["parameters"], v["flopsPerImage"]] for k, v in f["parameterCounts"].items()}))
    elif args.cmd == "time":
        print(json.dumps(time_steps(json.loads(args.spec), args.batch, args.steps, args.warmup, args.threads)))
    else:
        net = build(args.spec)
        print(json.dumps({"parameters": count_parameters(net), "flopsPerImage": count_flops_per_image(net)}))


if __name__ == "__main__":
    main(sys.argv[1:])
