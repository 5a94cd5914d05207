#!/usr/bin/env python3
"""Writes the LPIPS fixtures (packages/lpips/src/__fixtures__/) with PyTorch: random AlexNet-feature and
LPIPS-linear weights saved in the three layouts users have, and LPIPS distances computed in float64 by this
script's own port of the lpips package's forward (net='alex', version='0.1', lpips=True, spatial=False).

Weight files:
  alexnet.pth  torchvision-style AlexNet state dict (features.0.weight … features.10.bias, plus a small fake
               classifier.1.*), float16 and contiguous, like a user's alexnet-owt-*.pth but half precision.
  alex.pth     lpips-style linear layers (lin0.model.1.weight … lin4.model.1.weight, [1,C,1,1]), float32.
  lpips.pth    a whole lpips.LPIPS state dict (scaling_layer.*, net.sliceN.I.*, lin*.model.1.weight and the
               lins.* aliases lpips 0.1.4's ModuleList adds), float32.
  bad-lin.pth  alex.pth with lin2 of the wrong channel count (for the mismatch error).

Conv weights are as_strided views of short random storages (w[o,i,h,w] = base[a·o + b·i + K·h + w]): every
transposition or flip of the OIHW layout still changes the values, and lpips.pth, which saves the views as they
are (torch.save keeps storage + strides), stays small. All values are float16-exact, so every file holds the
same numbers and one expected.json serves all layouts.

Images are stored as 8-bit pixels p; the network input is float32(p/127.5 − 1) for minus-one-to-one,
float32(p/255) for zero-to-one and p itself for raw-0-255 — the test builds the same float32 values.

  python3 packages/lpips/scripts/make-fixtures.py   (needs torch, not torchvision; the committed files were
  written with torch 2.13 CPU: any torch ≥ 1.6 writes the same zip layout, bytes aside)
"""
import json
import os

import torch
import torch.nn.functional as F
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "src", "__fixtures__")
SEED = 20260405

# torchvision alexnet().features indices of the convolutions: (index, out, in, kernel, stride, padding).
CONVS = [(0, 64, 3, 11, 4, 2), (3, 192, 64, 5, 1, 2), (6, 384, 192, 3, 1, 1), (8, 256, 384, 3, 1, 1), (10, 256, 256, 3, 1, 1)]
# Strides (a, b) of the as_strided views over out and in channels; primes keep the views' rows distinct.
VIEW_STRIDES = {0: (61, 127), 3: (139, 29), 6: (149, 11), 8: (151, 11), 10: (157, 11)}
TAP_CHANNELS = [64, 192, 384, 256, 256]
# lpips' pretrained_networks.alexnet: slice k holds features[lo:hi].
SLICES = [(0, 2), (2, 5), (5, 8), (8, 10), (10, 12)]
SHIFT = [-0.030, -0.088, -0.188]
SCALE = [0.458, 0.448, 0.450]


def features_module():
    """torchvision's AlexNet.features, same indices, so state-dict keys match `features.N.*`."""
    return nn.Sequential(
        nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
    )


def f16_exact(t):
    return t.half().to(t.dtype)


def make_conv_weights(gen):
    """{index: (weight view float32, bias float32)} with He-scaled values, all float16-exact."""
    out = {}
    for idx, o, i, k, _, _ in CONVS:
        a, b = VIEW_STRIDES[idx]
        n = (o - 1) * a + (i - 1) * b + (k - 1) * k + (k - 1) + 1
        std = (2.0 / (i * k * k)) ** 0.5
        base = f16_exact(torch.randn(n, generator=gen, dtype=torch.float32) * std)
        w = base.as_strided((o, i, k, k), (a, b, k, 1))
        bias = f16_exact(torch.randn(o, generator=gen, dtype=torch.float32) * 0.05)
        out[idx] = (w, bias)
    return out


def taps(features, x):
    """Outputs after features[1], [4], [7], [9], [11] (relu1..relu5)."""
    res = []
    h = x
    for lo, hi in SLICES:
        for j in range(lo, hi):
            h = features[j](h)
        res.append(h)
    return res


def lpips_per_tap(features, lins, x0, x1, input_range):
    """Per-image, per-tap LPIPS terms [B, 5] in the input's dtype."""
    if input_range == "zero-to-one":
        x0, x1 = 2 * x0 - 1, 2 * x1 - 1
    shift = torch.tensor(SHIFT, dtype=x0.dtype).view(1, 3, 1, 1)
    scale = torch.tensor(SCALE, dtype=x0.dtype).view(1, 3, 1, 1)
    # A one-channel image broadcasts against the 3-channel shift/scale, as in the reference.
    f0, f1 = taps(features, (x0 - shift) / scale), taps(features, (x1 - shift) / scale)
    terms = []
    for k in range(5):
        n0 = f0[k] / (f0[k].pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
        n1 = f1[k] / (f1[k].pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
        d = (n0 - n1) ** 2
        terms.append(F.conv2d(d, lins[k]).mean(dim=(2, 3)).view(-1))
    return torch.stack(terms, dim=1)


def main():
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    os.makedirs(OUT, exist_ok=True)
    convs = make_conv_weights(gen)

    features = features_module().double().eval()
    with torch.no_grad():
        for idx, (w, b) in convs.items():
            features[idx].weight.copy_(w.double())
            features[idx].bias.copy_(b.double())

    # Images: a batch of four 32×32 RGB pairs (small noise, independent, one-pixel shift, brighter), a 32×32
    # grayscale pair, a 64×64 RGB pair, a zero-to-one pair and a raw-0-255 pair.
    def pixels(*shape):
        return torch.randint(0, 256, shape, generator=gen, dtype=torch.int64)

    base4 = pixels(4, 32, 32, 3)
    other4 = base4.clone()
    other4[0] = (base4[0] + torch.randint(-12, 13, (32, 32, 3), generator=gen)).clamp(0, 255)
    other4[1] = pixels(32, 32, 3)
    other4[2] = torch.roll(base4[2], shifts=1, dims=1)
    other4[3] = (base4[3] + 40).clamp(0, 255)
    gray0 = pixels(1, 32, 32, 1)
    gray1 = (gray0 + torch.randint(-30, 31, (1, 32, 32, 1), generator=gen)).clamp(0, 255)
    big0 = pixels(1, 64, 64, 3)
    big1 = (big0 + torch.randint(-20, 21, (1, 64, 64, 3), generator=gen)).clamp(0, 255)
    cases_px = [
        ("rgb-32", "minus-one-to-one", base4, other4),
        ("gray-32", "minus-one-to-one", gray0, gray1),
        ("rgb-64", "minus-one-to-one", big0, big1),
        ("zero-to-one-32", "zero-to-one", pixels(2, 32, 32, 3), pixels(2, 32, 32, 3)),
        ("raw-0-255-32", "raw-0-255", pixels(1, 32, 32, 3), pixels(1, 32, 32, 3)),
    ]

    def to_input(p, input_range):
        """NHWC pixels → NCHW float64 holding the float32 values the test feeds."""
        v = p.double()
        if input_range == "minus-one-to-one":
            v = v / 127.5 - 1
        elif input_range == "zero-to-one":
            v = v / 255
        return v.float().double().permute(0, 3, 1, 2).contiguous()

    # Linear layers: positive like the trained ones, scaled so that each tap gives a similar share on the
    # RGB batch — a wrong tap would show in the total.
    unit = [torch.ones(1, c, 1, 1, dtype=torch.float64) for c in TAP_CHANNELS]
    with torch.no_grad():
        share = lpips_per_tap(features, unit, to_input(base4, "minus-one-to-one"), to_input(other4, "minus-one-to-one"), "minus-one-to-one").mean(0)
    lins32 = []
    for k, c in enumerate(TAP_CHANNELS):
        u = 0.5 + torch.rand(1, c, 1, 1, generator=gen, dtype=torch.float32)
        lins32.append(f16_exact(u * float(0.2 / share[k])))
    lins = [l.double() for l in lins32]

    expected = {"seed": SEED, "shift": SHIFT, "scale": SCALE, "cases": []}
    with torch.no_grad():
        for name, input_range, p0, p1 in cases_px:
            per_tap = lpips_per_tap(features, lins, to_input(p0, input_range), to_input(p1, input_range), input_range)
            total = per_tap.sum(1)
            expected["cases"].append({
                "name": name,
                "inputRange": input_range,
                "shape": list(p0.shape),
                "pixels0": p0.flatten().tolist(),
                "pixels1": p1.flatten().tolist(),
                "distance": total.tolist(),
                "perTap": per_tap.tolist(),
            })
            print(f"{name}: distance {[round(v, 5) for v in total.tolist()]}; tap shares {[round(v, 3) for v in (per_tap.sum(0) / total.sum()).tolist()]}")

    # (a) torchvision layout: contiguous float16 with a small stand-in for the classifier.
    tv = {}
    for idx, (w, b) in convs.items():
        tv[f"features.{idx}.weight"] = w.contiguous().half()
        tv[f"features.{idx}.bias"] = b.half()
    tv["classifier.1.weight"] = torch.randn(4, 9, generator=gen).half()
    tv["classifier.1.bias"] = torch.zeros(4).half()
    torch.save(tv, os.path.join(OUT, "alexnet.pth"))

    # (b) lpips' weights/v0.1/alex.pth layout.
    lin_sd = {f"lin{k}.model.1.weight": lins32[k].clone() for k in range(5)}
    torch.save(lin_sd, os.path.join(OUT, "alex.pth"))
    bad = dict(lin_sd)
    bad["lin2.model.1.weight"] = lins32[2][:, :380].clone()
    torch.save(bad, os.path.join(OUT, "bad-lin.pth"))

    # (c) a whole lpips.LPIPS state dict, in module order; lins.k shares lin k's tensor as in lpips 0.1.4.
    whole = {
        "scaling_layer.shift": torch.tensor(SHIFT).view(1, 3, 1, 1),
        "scaling_layer.scale": torch.tensor(SCALE).view(1, 3, 1, 1),
    }
    for s, (lo, hi) in enumerate(SLICES):
        for idx in range(lo, hi):
            if idx in convs:
                whole[f"net.slice{s + 1}.{idx}.weight"] = convs[idx][0]
                whole[f"net.slice{s + 1}.{idx}.bias"] = convs[idx][1]
    for k in range(5):
        whole[f"lin{k}.model.1.weight"] = lins32[k]
    for k in range(5):
        whole[f"lins.{k}.model.1.weight"] = lins32[k]
    torch.save(whole, os.path.join(OUT, "lpips.pth"))

    # The saved files must load back to the values the distances were computed with.
    for path, prefix in (("alexnet.pth", "features"), ("lpips.pth", None)):
        sd = torch.load(os.path.join(OUT, path))
        for s, (lo, hi) in enumerate(SLICES):
            for idx in range(lo, hi):
                if idx in convs:
                    key = f"features.{idx}.weight" if prefix else f"net.slice{s + 1}.{idx}.weight"
                    assert torch.equal(sd[key].double(), convs[idx][0].double()), key

    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, separators=(",", ":"))
    for name in sorted(os.listdir(OUT)):
        print(f"{name}: {os.path.getsize(os.path.join(OUT, name))} bytes")


if __name__ == "__main__":
    main()
