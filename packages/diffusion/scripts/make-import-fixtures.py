#!/usr/bin/env python3
"""Writes the checkpoint-import fixtures (packages/diffusion/src/__fixtures__/import/) with torch 1.13:
a small U-Net of the reference's block pattern (bench/diffusion_torch.py's twin) inside modules that give its
state-dict keys the reference's prefix (VPSDE_Diffusion.score_network = DiffusersWrapper, whose
.score_network is the UNet2DModel), saved the way the reference's trainer saves checkpoints, in several
variants, with the reference-style config and the U-Net's raw outputs computed in float64.

Weights are rounded to values that float16, bfloat16, float32 and float64 all hold exactly, so one
expected.json serves every variant.

  /usr/bin/python3 packages/diffusion/scripts/make-import-fixtures.py
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
OUT = os.path.join(HERE, "..", "src", "__fixtures__", "import")
sys.path.insert(0, os.path.join(ROOT, "bench"))

import torch  # noqa: E402
from torch import nn  # noqa: E402
from diffusion_torch import build  # noqa: E402

SEED = 1305
# The reference's pattern (attention one level above the bottom, mid attention) at a size that keeps the files small.
SPEC = {
    "sampleSize": 16,
    "inChannels": 1,
    "outChannels": 1,
    "layersPerBlock": 1,
    "blockOutChannels": [4, 8, 8, 16],
    "downBlockTypes": ["DownBlock2D", "DownBlock2D", "AttnDownBlock2D", "DownBlock2D"],
    "upBlockTypes": ["UpBlock2D", "AttnUpBlock2D", "UpBlock2D", "UpBlock2D"],
    "normNumGroups": 4,
    "attentionHeadDim": 8,
}
TIMES = [0.05, 0.7]

CONFIG_YAML = """# Reference-style training config of the import fixtures (make-import-fixtures.py writes it).
data:
  dataset: fashion-mnist
  train_batch_size: 128

model:
  class_path: model_zoo.density_estimator.diffusions.VPSDE_Diffusion
  init_args:
    flatten: False
    data_shape: [1, 16, 16]
    denoising_sigma: null
    dequantize: True
    scale_data: False
    scale_data_to_n1_1: True
    whitening_transform: False
    logit_transform: False
    clamp_samples: False

    score_network: model_zoo.networks.neural_networks.DiffusersWrapper
    score_network_kwargs:
      score_network: diffusers.UNet2DModel
      sample_size: 16
      in_channels: 1
      out_channels: 1
      layers_per_block: 1
      norm_num_groups: 4
      attention_head_dim: 8
      block_out_channels: [4, 8, 8, 16]
      down_block_types: [DownBlock2D, DownBlock2D, AttnDownBlock2D, DownBlock2D]
      up_block_types: [UpBlock2D, AttnUpBlock2D, UpBlock2D, UpBlock2D]
"""


class DiffusersWrapper(nn.Module):
    """The reference's wrapper: the diffusers model sits in `.score_network`."""

    def __init__(self, unet):
        super().__init__()
        self.score_network = unet


class Diffusion(nn.Module):
    """Stands for VPSDE_Diffusion: the wrapper in `.score_network`, plus the density estimator's buffers."""

    def __init__(self, unet):
        super().__init__()
        self.register_buffer("data_min", torch.tensor(0.0))
        self.register_buffer("data_max", torch.tensor(255.0))
        self.score_network = DiffusersWrapper(unet)


def exact_in_every_dtype(p):
    """Rounds to bfloat16 (8 significant bits) and zeroes tiny values: then float16 holds it exactly too."""
    q = p.to(torch.bfloat16).to(torch.float64)
    return torch.where(q.abs() < 2.0 ** -12, torch.zeros_like(q), q)


OLD_ATTENTION = {"to_q": "query", "to_k": "key", "to_v": "value", "to_out.0": "proj_attn"}


def old_attention_names(state):
    """diffusers < 0.15 AttentionBlock names (group_norm keeps its name)."""
    out = {}
    for k, v in state.items():
        for new, old in OLD_ATTENTION.items():
            marker = f".attentions.0.{new}."
            if marker in k:
                k = k.replace(marker, f".attentions.0.{old}.")
        out[k] = v
    return out


def checkpoint(module_state):
    return {
        "iteration": 42,
        "epoch": 3,
        "module_state_dict": module_state,
        "opt_state_dict": {"state": {}, "param_groups": [{"lr": 5e-05, "betas": (0.9, 0.999), "weight_decay": 0.01, "params": list(range(4))}]},
        "lr_state_dict": {"base_lrs": [5e-05], "last_epoch": 3},
        "bad_valid_epochs": 0,
        "best_valid_loss": torch.tensor(0.125),
    }


def main():
    torch.manual_seed(SEED)
    unet = build(SPEC).to(torch.float64)
    with torch.no_grad():
        for name, p in unet.named_parameters():
            if "norm" in name and name.endswith(".weight"):
                p.copy_(1 + (torch.rand_like(p) - 0.5))
            elif "norm" in name and name.endswith(".bias"):
                p.copy_(torch.rand_like(p) - 0.5)
            elif name.endswith(".bias"):
                p.copy_(torch.rand_like(p) * 0.2 - 0.1)
            p.copy_(exact_in_every_dtype(p))
    unet.eval()

    os.makedirs(OUT, exist_ok=True)
    f32 = Diffusion(unet.to(torch.float32)).state_dict()
    torch.save(checkpoint(f32), os.path.join(OUT, "reference-zip.pt"))
    torch.save(checkpoint(f32), os.path.join(OUT, "reference-legacy.pt"), _use_new_zipfile_serialization=False)
    f16 = {k: v.to(torch.float16) if k.startswith("score_network.") else v for k, v in f32.items()}
    torch.save(checkpoint(old_attention_names(f16)), os.path.join(OUT, "old-attention-float16.pt"))
    # A bare U-Net state dict with mixed dtypes (bfloat16 and float64, alternating).
    bare = {k: v.to(torch.bfloat16 if i % 2 == 0 else torch.float64) for i, (k, v) in enumerate(unet.state_dict().items())}
    torch.save(bare, os.path.join(OUT, "bare-mixed-dtypes.pt"), _use_new_zipfile_serialization=False)
    other = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Conv2d(4, 1, 3))
    torch.save(checkpoint({"data_min": torch.tensor(0.0), **{f"net.{k}": v for k, v in other.state_dict().items()}}), os.path.join(OUT, "no-unet.pt"))

    with open(os.path.join(OUT, "config.yaml"), "w") as f:
        f.write(CONFIG_YAML)

    unet64 = unet.to(torch.float64)
    gen = torch.Generator().manual_seed(SEED + 1)
    size = SPEC["sampleSize"]
    x_nhwc = torch.rand(2, size, size, 1, generator=gen, dtype=torch.float64) * 2 - 1
    x_nhwc = x_nhwc.to(torch.float32).to(torch.float64)
    outputs = []
    with torch.no_grad():
        for t in TIMES:
            y = unet64(x_nhwc.permute(0, 3, 1, 2).contiguous(), torch.full((2,), t, dtype=torch.float64))
            outputs.append({"t": t, "shape": [2, size, size, 1], "values": y.permute(0, 2, 3, 1).flatten().tolist()})
    expected = {
        "format": "dgm-ood/import-fixture@1",
        "generatedBy": "packages/diffusion/scripts/make-import-fixtures.py (float64)",
        "torch": torch.__version__,
        "spec": SPEC,
        "prefix": "score_network.score_network.",
        "parameters": sum(p.numel() for p in unet.parameters()),
        "x": {"shape": list(x_nhwc.shape), "values": x_nhwc.flatten().tolist()},
        "outputs": outputs,
    }
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, separators=(",", ":"))
        f.write("\n")
    for name in sorted(os.listdir(OUT)):
        print(f"{name}: {os.path.getsize(os.path.join(OUT, name))} bytes")


if __name__ == "__main__":
    main()
