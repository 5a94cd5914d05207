#!/usr/bin/env python3
"""Writes the flow checkpoint-import fixtures (packages/flows/src/__fixtures__/import/) with torch 1.13.

nflows is not installable here, so this file carries a PyTorch port of the modules the reference's
NormalizingFlow is made of, with nflows' attribute names (and so its state-dict keys): CompositeTransform
and MultiscaleCompositeTransform (`_transforms`), SqueezeTransform, ActNorm (`log_scale`, `shift`),
OneByOneConvolution (LULinear's `bias`, `lower_entries`, `upper_entries`, `unconstrained_upper_diag`, and a
RandomPermutation in `permutation` with its `_permutation` buffer), coupling transforms (`identity_features`,
`transform_features` buffers, `transform_net` = ConvResidualNet with `initial_layer`,
`blocks.<i>.conv_layers.<j>`, `final_layer`) wrapped by the reference's ConfigurableCouplingTransform
(`_value`), StandardNormal (`_log_z`, not persistent), nflows' Flow (`_transform`, `_distribution`,
`_embedding_net`) and the reference's NormalizingFlow (`data_min`, `data_max`, `transform`,
`base_distribution`, `_nflow`; the logit transform put in front of the multiscale transform).

Two small three-level flows of the reference's pattern (level 3 on 1x1 maps, whose 3x3 kernels have dead
taps) with random weights, one with affine and one with rational-quadratic couplings, are saved the way the
reference's trainer saves checkpoints, with their configs (a whole run_config.json and a model-section YAML)
and log p(x~) computed in float64 for a few fixed inputs.

  /usr/bin/python3 packages/flows/scripts/make-import-fixtures.py
"""
import json
import math
import os

import torch
from torch import nn
from torch.nn import functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "src", "__fixtures__", "import")
SEED = 1313

# ---------------------------------------------------------------- nflows port (names as in nflows)


class Transform(nn.Module):
    pass


class CompositeTransform(Transform):
    def __init__(self, transforms):
        super().__init__()
        self._transforms = nn.ModuleList(transforms)

    def forward(self, x):
        total = x.new_zeros(x.shape[0])
        for t in self._transforms:
            x, ld = t(x)
            total = total + ld
        return x, total


class MultiscaleCompositeTransform(Transform):
    def __init__(self, transforms):
        super().__init__()
        self._transforms = nn.ModuleList(transforms)

    def forward(self, x):
        b = x.shape[0]
        outs, total, hidden = [], x.new_zeros(b), x
        for t in self._transforms[:-1]:
            y, ld = t(hidden)
            out, hidden = torch.chunk(y, 2, dim=1)
            outs.append(out.reshape(b, -1))
            total = total + ld
        y, ld = self._transforms[-1](hidden)
        outs.append(y.reshape(b, -1))
        return torch.cat(outs, dim=-1), total + ld


class SqueezeTransform(Transform):
    def __init__(self, factor=2):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        b, c, h, w = x.shape
        f = self.factor
        x = x.reshape(b, c, h // f, f, w // f, f).permute(0, 1, 3, 5, 2, 4).reshape(b, c * f * f, h // f, w // f)
        return x, x.new_zeros(b)


class ActNorm(Transform):
    # nflows' current ActNorm registers `initialized` as a bool buffer (in the state dict); older releases kept a
    # plain attribute. The fixtures cover both: PERSIST_INITIALIZED is switched per variant.
    PERSIST_INITIALIZED = True

    def __init__(self, features):
        super().__init__()
        if ActNorm.PERSIST_INITIALIZED:
            self.register_buffer("initialized", torch.tensor(True, dtype=torch.bool))
        else:
            self.initialized = True
        self.log_scale = nn.Parameter(torch.zeros(features))
        self.shift = nn.Parameter(torch.zeros(features))

    def forward(self, x):
        b, _, h, w = x.shape
        y = torch.exp(self.log_scale).view(1, -1, 1, 1) * x + self.shift.view(1, -1, 1, 1)
        return y, h * w * torch.sum(self.log_scale) * x.new_ones(b)


class RandomPermutation(Transform):
    def __init__(self, features):
        super().__init__()
        self.register_buffer("_permutation", torch.randperm(features))

    def forward(self, x):
        return torch.index_select(x, 1, self._permutation), x.new_zeros(x.shape[0])


class OneByOneConvolution(Transform):
    """LULinear (bias, lower_entries, upper_entries, unconstrained_upper_diag) + RandomPermutation."""

    def __init__(self, num_channels, eps=1e-3):
        super().__init__()
        c = num_channels
        self.features, self.eps = c, eps
        self.bias = nn.Parameter(torch.zeros(c))
        n = (c - 1) * c // 2
        self.lower_entries = nn.Parameter(torch.zeros(n))
        self.upper_entries = nn.Parameter(torch.zeros(n))
        self.unconstrained_upper_diag = nn.Parameter(torch.full((c,), math.log(math.exp(1 - eps) - 1)))
        self.permutation = RandomPermutation(c)

    def lower_upper(self):
        c = self.features
        li, ui = torch.tril_indices(c, c, -1), torch.triu_indices(c, c, 1)
        lower = self.lower_entries.new_zeros(c, c)
        lower[li[0], li[1]] = self.lower_entries
        lower = lower + torch.eye(c, dtype=lower.dtype)
        upper = self.upper_entries.new_zeros(c, c)
        upper[ui[0], ui[1]] = self.upper_entries
        upper = upper + torch.diag(F.softplus(self.unconstrained_upper_diag) + self.eps)
        return lower, upper

    def forward(self, x):
        x, _ = self.permutation(x)
        b, c, h, w = x.shape
        rows = x.permute(0, 2, 3, 1).reshape(b * h * w, c)
        lower, upper = self.lower_upper()
        rows = F.linear(F.linear(rows, upper), lower, self.bias)
        y = rows.reshape(b, h, w, c).permute(0, 3, 1, 2)
        ld = torch.sum(torch.log(F.softplus(self.unconstrained_upper_diag) + self.eps)) * h * w
        return y, ld * x.new_ones(b)


class ConvResidualBlock(nn.Module):
    def __init__(self, channels, dropout):
        super().__init__()
        self.conv_layers = nn.ModuleList([nn.Conv2d(channels, channels, kernel_size=3, padding=1) for _ in range(2)])
        self.dropout = nn.Dropout(p=dropout)

    def forward(self, x):
        t = self.conv_layers[0](F.relu(x))
        t = self.conv_layers[1](self.dropout(F.relu(t)))
        return x + t


class ConvResidualNet(nn.Module):
    def __init__(self, in_channels, out_channels, hidden_channels, num_blocks=2, dropout_probability=0.0):
        super().__init__()
        self.hidden_channels = hidden_channels
        self.initial_layer = nn.Conv2d(in_channels, hidden_channels, kernel_size=1, padding=0)
        self.blocks = nn.ModuleList([ConvResidualBlock(hidden_channels, dropout_probability) for _ in range(num_blocks)])
        self.final_layer = nn.Conv2d(hidden_channels, out_channels, kernel_size=1, padding=0)

    def forward(self, x):
        t = self.initial_layer(x)
        for b in self.blocks:
            t = b(t)
        return self.final_layer(t)


class CouplingTransform(Transform):
    def __init__(self, mask, net_fn):
        super().__init__()
        feats = torch.arange(len(mask))
        self.register_buffer("identity_features", feats.masked_select(mask <= 0))
        self.register_buffer("transform_features", feats.masked_select(mask > 0))
        self.transform_net = net_fn(len(self.identity_features), len(self.transform_features) * self.multiplier())

    def forward(self, x):
        ident = x[:, self.identity_features, ...]
        trans = x[:, self.transform_features, ...]
        params = self.transform_net(ident)
        trans, ld = self.couple(trans, params)
        out = torch.empty_like(x)
        out[:, self.identity_features, ...] = ident
        out[:, self.transform_features, ...] = trans
        return out, ld


class AffineCouplingTransform(CouplingTransform):
    def multiplier(self):
        return 2

    def couple(self, x, params):
        n = x.shape[1]
        shift, raw = params[:, :n], params[:, n:]
        scale = torch.sigmoid(raw + 2) + 1e-3
        return x * scale + shift, torch.sum(torch.log(scale).reshape(x.shape[0], -1), dim=1)


def rq_spline(x, uw, uh, ud, bound, min_w=1e-3, min_h=1e-3, min_d=1e-3):
    """Rational-quadratic spline with linear tails (Durkan et al. 2019), forward direction."""
    inside = (x >= -bound) & (x <= bound)
    out, ld = x.clone(), torch.zeros_like(x)
    const = math.log(math.exp(1 - min_d) - 1)
    ud = F.pad(ud, (1, 1), value=const)
    xi, uw, uh, ud = x[inside], uw[inside], uh[inside], ud[inside]
    k = uw.shape[-1]

    def knots(u, minimum):
        v = minimum + (1 - minimum * k) * F.softmax(u, dim=-1)
        cum = F.pad(torch.cumsum(v, dim=-1), (1, 0), value=0.0)
        cum = 2 * bound * cum - bound
        cum[..., 0], cum[..., -1] = -bound, bound
        return cum, cum[..., 1:] - cum[..., :-1]

    cw, w = knots(uw, min_w)
    ch, h = knots(uh, min_h)
    d = min_d + F.softplus(ud)
    search = cw.clone()
    search[..., -1] += 1e-6
    idx = (torch.sum(xi[..., None] >= search, dim=-1) - 1)[..., None]
    g = lambda t: t.gather(-1, idx)[..., 0]
    x_k, w_k, y_k, h_k = g(cw), g(w), g(ch), g(h)
    d_k, d_k1 = g(d), g(d[..., 1:])
    s = h_k / w_k
    th = (xi - x_k) / w_k
    t1 = th * (1 - th)
    den = s + (d_k + d_k1 - 2 * s) * t1
    out[inside] = y_k + h_k * (s * th ** 2 + d_k * t1) / den
    num = s ** 2 * (d_k1 * th ** 2 + 2 * s * t1 + d_k * (1 - th) ** 2)
    ld[inside] = torch.log(num) - 2 * torch.log(den)
    return out, ld


class PiecewiseRationalQuadraticCouplingTransform(CouplingTransform):
    def __init__(self, mask, net_fn, num_bins=10, tails="linear", tail_bound=1.0):
        self.num_bins, self.tail_bound = num_bins, tail_bound
        super().__init__(mask, net_fn)

    def multiplier(self):
        return 3 * self.num_bins - 1

    def couple(self, x, params):
        b, c, h, w = x.shape
        k = self.num_bins
        p = params.reshape(b, c, -1, h, w).permute(0, 1, 3, 4, 2)
        scale = math.sqrt(self.transform_net.hidden_channels)
        y, ld = rq_spline(x, p[..., :k] / scale, p[..., k : 2 * k] / scale, p[..., 2 * k :], self.tail_bound)
        return y, torch.sum(ld.reshape(b, -1), dim=1)


class ConfigurableCouplingTransform(Transform):
    def __init__(self, cls, net, mask, **kwargs):
        super().__init__()
        m = torch.ones(mask["dim"])
        for i in range(mask["dim"]):
            if i % 2 == 0:
                m[i] = -1
        if mask.get("flip"):
            m = -m
        a = net["init_args"]
        net_fn = lambda i, o: ConvResidualNet(i, o, a["hidden_channels"], a["num_blocks"], a["dropout_probability"])
        self._value = cls(m, net_fn, **kwargs)

    def forward(self, x):
        return self._value(x)


class LogitTransform(Transform):
    def __init__(self, alpha=0.05, eps=1e-6):
        super().__init__()
        self.alpha, self.eps = alpha, eps

    def forward(self, x):
        p = self.alpha + (1 - self.alpha) * x
        ld = torch.sum((math.log(1 - self.alpha) - torch.log(1 - p + self.eps) - torch.log(p + self.eps)).reshape(x.shape[0], -1), dim=1)
        return torch.log(p / (1 - p + self.eps)), ld


class StandardNormal(nn.Module):
    def __init__(self, shape):
        super().__init__()
        self._shape = torch.Size(shape)
        n = 1
        for s in shape:
            n *= s
        self.register_buffer("_log_z", torch.tensor(0.5 * n * math.log(2 * math.pi), dtype=torch.float64), persistent=False)

    def log_prob(self, z):
        return -0.5 * torch.sum(z ** 2, dim=1) - self._log_z


class Flow(nn.Module):
    def __init__(self, transform, distribution):
        super().__init__()
        self._transform = transform
        self._distribution = distribution
        self._embedding_net = nn.Identity()

    def log_prob(self, x):
        z, ld = self._transform(x)
        return self._distribution.log_prob(z) + ld


class NormalizingFlow(nn.Module):
    """The reference's wrapper: levels end at entries with a `multiscale` key; logit in front."""

    def __init__(self, data_shape, transform, base_distribution, logit_transform=True, **_):
        super().__init__()
        self.register_buffer("data_min", torch.tensor(0.0))
        self.register_buffer("data_max", torch.tensor(1.0))
        entries = []
        for t in transform:
            if "repeat_n" in t:
                for _ in range(t["repeat_n"]):
                    entries.extend(t["content"])
            else:
                entries.append(t)
        levels, current = [], []
        for i, e in enumerate(entries):
            current.append(build_transform(e))
            if "multiscale" in e or i == len(entries) - 1:
                levels.append(CompositeTransform(current))
                current = []
        self.transform = MultiscaleCompositeTransform(levels)
        self.base_distribution = StandardNormal(base_distribution["init_args"]["shape"])
        if logit_transform:
            self.transform = CompositeTransform([LogitTransform(), self.transform])
        self._nflow = Flow(self.transform, self.base_distribution)


COUPLINGS = {
    "nflows.transforms.AffineCouplingTransform": AffineCouplingTransform,
    "nflows.transforms.PiecewiseRationalQuadraticCouplingTransform": PiecewiseRationalQuadraticCouplingTransform,
}


def build_transform(e):
    cls, a = e["class_path"], e["init_args"]
    if cls.endswith("SqueezeTransform"):
        return SqueezeTransform(a["factor"])
    if cls.endswith("ActNorm"):
        return ActNorm(a["features"])
    if cls.endswith("OneByOneConvolution"):
        return OneByOneConvolution(a["num_channels"])
    if cls.endswith("ConfigurableCouplingTransform"):
        extra = {k: v for k, v in a.items() if k not in ("coupling_transform_cls", "net", "mask")}
        return ConfigurableCouplingTransform(COUPLINGS[a["coupling_transform_cls"]], a["net"], a["mask"], **extra)
    raise ValueError(cls)


# ---------------------------------------------------------------- the fixture flows


def net(hidden):
    return {
        "class_path": "nflows.nn.nets.resnet.ConvResidualNet",
        "init_args": {"hidden_channels": hidden, "num_blocks": 2, "activation": "torch.nn.functional.relu", "dropout_probability": 0.2, "use_batch_norm": False},
    }


def coupling(cls, dim, flip, hidden, extra):
    args = {"coupling_transform_cls": cls, "net": net(hidden), "mask": {"dim": dim, "flip": flip}, **extra}
    return {"class_path": "model_zoo.density_estimator.flow.ConfigurableCouplingTransform", "init_args": args}


def model_section(cls, extra):
    """1x8x8: squeeze 2 -> 4x4x4 | squeeze 2 -> 8x2x2 | squeeze 2 -> 16x1x1 (3x3 kernels on 1x1 maps)."""
    an = lambda c: {"class_path": "nflows.transforms.normalization.ActNorm", "init_args": {"features": c}}
    conv = lambda c: {"class_path": "nflows.transforms.conv.OneByOneConvolution", "init_args": {"num_channels": c}}
    sq = lambda f: {"class_path": "nflows.transforms.reshape.SqueezeTransform", "init_args": {"factor": f}}
    transform = [
        sq(2),
        {"repeat_n": 1, "content": [an(4), conv(4), coupling(cls, 4, True, 8, extra), an(4), conv(4), coupling(cls, 4, False, 8, extra)]},
        {**conv(4), "multiscale": {"transform_output_shape": [4, 4, 4]}},
        sq(2),
        {"repeat_n": 1, "content": [an(8), conv(8), coupling(cls, 8, True, 8, extra), an(8), conv(8), coupling(cls, 8, False, 8, extra)]},
        {**conv(8), "multiscale": {"transform_output_shape": [8, 2, 2]}},
        sq(2),
        {"repeat_n": 2, "content": [an(16), coupling(cls, 16, True, 12, extra), an(16), coupling(cls, 16, False, 12, extra)]},
        conv(16),
    ]
    return {
        "class_path": "model_zoo.density_estimator.flow.NormalizingFlow",
        "init_args": {
            "flatten": False,
            "data_shape": [1, 8, 8],
            "denoising_sigma": None,
            "dequantize": True,
            "scale_data": True,
            "whitening_transform": False,
            "logit_transform": True,
            "clamp_samples": False,
            "base_distribution": {"class_path": "nflows.distributions.StandardNormal", "init_args": {"shape": [64]}},
            "transform": transform,
        },
    }


def f32(t):
    """Round to float32 so that torch (float64 here) and our float32 model use the same weights."""
    return t.float().double()


def randomize(model, g):
    """Weights far from the identity initialisation, so every parameter moves log p."""
    u = lambda shape, lo, hi: lo + (hi - lo) * torch.rand(shape, generator=g, dtype=torch.float64)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("log_scale"):
                p.copy_(f32(u(p.shape, -0.3, 0.3)))
            elif name.endswith("shift") or name.endswith("bias"):
                p.copy_(f32(u(p.shape, -0.2, 0.2)))
            elif name.endswith("_entries"):
                p.copy_(f32(u(p.shape, -0.3, 0.3)))
            elif name.endswith("unconstrained_upper_diag"):
                p.copy_(f32(u(p.shape, -0.4, 0.4) + math.log(math.exp(1 - 1e-3) - 1)))
            else:  # conv weights: PyTorch-default scale, the (normally tiny) second conv of each block too
                fan_in = p[0].numel()
                p.copy_(f32(u(p.shape, -1.0, 1.0) / math.sqrt(fan_in)))


def grayscale_section():
    """The reference's grayscale layout (1x28x28: squeeze 2, 2, 7) with one block per level and narrow nets."""
    cls = "nflows.transforms.AffineCouplingTransform"
    an = lambda c: {"class_path": "nflows.transforms.normalization.ActNorm", "init_args": {"features": c}}
    conv = lambda c: {"class_path": "nflows.transforms.conv.OneByOneConvolution", "init_args": {"num_channels": c}}
    sq = lambda f: {"class_path": "nflows.transforms.reshape.SqueezeTransform", "init_args": {"factor": f}}
    block = lambda c, h, convs: {
        "repeat_n": 1,
        "content": [x for x in [an(c), conv(c) if convs else None, coupling(cls, c, True, h, {}), an(c), conv(c) if convs else None, coupling(cls, c, False, h, {})] if x],
    }
    section = model_section(cls, {})
    section["init_args"]["data_shape"] = [1, 28, 28]
    section["init_args"]["base_distribution"]["init_args"]["shape"] = [784]
    section["init_args"]["transform"] = [
        sq(2), block(4, 8, True), {**conv(4), "multiscale": {"transform_output_shape": [4, 14, 14]}},
        sq(2), block(8, 8, True), {**conv(8), "multiscale": {"transform_output_shape": [8, 7, 7]}},
        sq(7), block(196, 16, False), conv(196),
    ]
    return section


def write_reference_run(g):
    """A run folder as the reference leaves it under MODEL_DIR: run_config.json and checkpoints/de_nf_best_valid.pt.

    Weights near nflows' initialisation (small random offsets), so that real 28x28 images get finite,
    image-dependent log-likelihoods; the end-to-end OOD test scores FMNIST and MNIST with it.
    """
    section = grayscale_section()
    model = NormalizingFlow(**section["init_args"])
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "transform_net" in name:
                p.mul_(0.3)
            elif name.endswith("log_scale"):
                p.copy_(torch.full_like(p, -1.2))  # ActNorm as if initialised on [0, 1] images behind the logit
            else:
                p.add_(0.02 * torch.randn(p.shape, generator=g))
    model.data_max.fill_(255.0)
    run = os.path.join(OUT, "reference-run")
    os.makedirs(os.path.join(run, "checkpoints"), exist_ok=True)
    torch.save({"epoch": 1, "module_state_dict": model.state_dict(), "opt_state_dict": {"state": {}, "param_groups": []}}, os.path.join(run, "checkpoints", "de_nf_best_valid.pt"))
    with open(os.path.join(run, "run_config.json"), "w") as f:
        json.dump({"data": {"dataset": "fashion-mnist"}, "model": section, "trainer": {"max_epochs": 1}}, f, indent=1)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(SEED)
    g = torch.Generator().manual_seed(SEED)
    # Inputs x~ in [0, 1) on a 1/4096 grid (exact in float32); the third one is dark, like a digit's background.
    xs = torch.randint(0, 4096, (3, 1, 8, 8), generator=g).double() / 4096
    xs[2] = (xs[2] * 0.05).mul(4096).floor() / 4096
    variants = {
        "affine": ("nflows.transforms.AffineCouplingTransform", {}),
        "rq": ("nflows.transforms.PiecewiseRationalQuadraticCouplingTransform", {"num_bins": 4, "tails": "linear", "tail_bound": 3.0}),
    }
    expected = {"x": {"shape": list(xs.shape), "values": xs.flatten().tolist()}, "variants": {}}
    for key, (cls, extra) in variants.items():
        ActNorm.PERSIST_INITIALIZED = key != "affine"  # the affine fixture as older nflows saved it
        section = model_section(cls, extra)
        model = NormalizingFlow(**section["init_args"]).double()
        randomize(model, g)
        model.data_max.fill_(255.0)
        model.eval()
        with torch.no_grad():
            logp = model._nflow.log_prob(xs)
        # float32 as trained; the two names of each transform tensor share one storage, as in a real state dict.
        converted, state = {}, {}
        for k, v in model.state_dict().items():
            if v.is_floating_point():
                v = converted.setdefault(v.data_ptr(), v.float())
            state[k] = v
        state["data_min"], state["data_max"] = torch.tensor(0.0), torch.tensor(255.0)
        ckpt = {
            "epoch": 7,
            "module_state_dict": state,
            "opt_state_dict": {"state": {}, "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "weight_decay": 0.01, "params": list(range(3))}]},
            "lr_state_dict": {"base_lrs": [1e-3], "last_epoch": 7, "gamma": 0.99},
            "bad_valid_epochs": 2,
        }
        torch.save(ckpt, os.path.join(OUT, f"{key}-zip.pt"))
        expected["variants"][key] = {
            "logp": logp.tolist(),
            "keys": len(state),
            "parameters": sum(p.numel() for p in model.parameters()),
        }
        if key == "rq":
            torch.save(ckpt, os.path.join(OUT, "rq-legacy.pt"), _use_new_zipfile_serialization=False)
            run_config = {"data": {"dataset": "fashion-mnist", "train_batch_size": 128}, "model": section, "trainer": {"max_epochs": 400}}
            with open(os.path.join(OUT, "run_config.json"), "w") as f:
                json.dump(run_config, f, indent=2)
        else:
            import yaml  # noqa: PLC0415  (Debian python3-yaml)

            with open(os.path.join(OUT, "affine-model.yaml"), "w") as f:
                f.write("# Model section of the affine import fixture (make-import-fixtures.py writes it).\n")
                yaml.safe_dump(section, f, sort_keys=False)
    ActNorm.PERSIST_INITIALIZED = True
    write_reference_run(g)
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print("wrote", sorted(os.listdir(OUT)))


if __name__ == "__main__":
    main()
