#!/usr/bin/python3
"""Reference values for the linear-tailed rational-quadratic spline, computed with torch in float64.

This is an independent re-implementation of the semantics of nflows'
`unconstrained_rational_quadratic_spline(..., tails='linear')` (bin search by "knots <= x" with 1e-6 added to
the last knot, end knots pinned to +-B, boundary derivatives fixed to 1), used only to produce the committed
JSON fixture read by src/splines/rational-quadratic.test.ts. Not a runtime dependency.

Inputs and parameters are drawn as float32 and widened to float64, so the TypeScript float32 implementation
sees exactly the same numbers.

Run (Debian python3-torch):  /usr/bin/python3 packages/flows/scripts/gen_rq_spline_fixture.py
"""
import json
import math
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
MIN = 1e-3


def spline(x, uw, uh, ud, bound, inverse):
    n, k = uw.shape
    inside = (x >= -bound) & (x <= bound)
    raw_end = math.log(math.expm1(1 - MIN))
    ud = torch.cat([torch.full((n, 1), raw_end), ud, torch.full((n, 1), raw_end)], dim=1)
    d = MIN + F.softplus(ud)

    def knots(u):
        s = MIN + (1 - MIN * k) * torch.softmax(u, dim=1)
        c = torch.cumsum(s, dim=1)
        c = torch.cat([torch.zeros(n, 1), c], dim=1) * (2 * bound) - bound
        c[:, 0] = -bound
        c[:, -1] = bound
        return c

    cw, ch = knots(uw), knots(uh)
    w = cw[:, 1:] - cw[:, :-1]
    h = ch[:, 1:] - ch[:, :-1]
    xi = x.clamp(-bound, bound)
    search = (ch if inverse else cw).clone()
    search[:, -1] += 1e-6
    idx = ((xi[:, None] >= search).sum(dim=1) - 1).clamp(0, k - 1)[:, None]
    g = lambda t: t.gather(1, idx)[:, 0]
    xk, wk, yk, hk = g(cw[:, :-1]), g(w), g(ch[:, :-1]), g(h)
    s = hk / wk
    dk, dk1 = g(d[:, :-1]), g(d[:, 1:])
    sd = dk + dk1 - 2 * s
    if inverse:
        dy = xi - yk
        a = dy * sd + hk * (s - dk)
        b = hk * dk - dy * sd
        c = -s * dy
        disc = (b * b - 4 * a * c).clamp(min=0)
        theta = 2 * c / (-b - disc.sqrt())
        out = theta * wk + xk
    else:
        theta = (xi - xk) / wk
        out = yk + hk * (s * theta ** 2 + dk * theta * (1 - theta)) / (s + sd * theta * (1 - theta))
    t1t = theta * (1 - theta)
    lad = torch.log(s ** 2 * (dk1 * theta ** 2 + 2 * s * t1t + dk * (1 - theta) ** 2)) - 2 * torch.log(s + sd * t1t)
    if inverse:
        lad = -lad
    return torch.where(inside, out, x), torch.where(inside, lad, torch.zeros_like(lad))


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def case(rng, regime, n, k, bound, param_scale):
    x = f32(rng.normal(0, bound * 0.8, n))
    x[:6] = f32([-bound, bound, 0.0, -bound - 0.5, bound + 0.25, bound * 0.999])[: min(6, n)]
    uw = f32(rng.normal(0, param_scale, (n, k)))
    uh = f32(rng.normal(0, param_scale, (n, k)))
    ud = f32(rng.normal(0, param_scale, (n, k - 1)))
    T = torch.tensor
    fo, fl = spline(T(x), T(uw), T(uh), T(ud), bound, False)
    y = f32(fo.numpy())
    io, il = spline(T(y), T(uw), T(uh), T(ud), bound, True)
    return {
        "regime": regime,
        "paramStd": param_scale,
        "numBins": k,
        "tailBound": bound,
        "inputs": x.tolist(),
        "unnormalizedWidths": uw.ravel().tolist(),
        "unnormalizedHeights": uh.ravel().tolist(),
        "unnormalizedDerivatives": ud.ravel().tolist(),
        "forward": {"outputs": fo.tolist(), "logabsdet": fl.tolist()},
        "inverseInputs": y.tolist(),
        "inverse": {"outputs": io.tolist(), "logabsdet": il.tolist()},
    }


def main():
    rng = np.random.default_rng(20240611)
    # "typical": raw parameters of the size a coupling net produces (after the 1/sqrt(hidden) scaling);
    # "extreme": very uneven bins, where float32 itself loses accuracy (steep inverse slopes).
    cases = [
        case(rng, "typical", 128, 8, 3.0, 1.0),
        case(rng, "typical", 64, 8, 1.0, 1.0),
        case(rng, "typical", 64, 5, 3.0, 0.5),
        case(rng, "typical", 32, 2, 1.0, 1.0),
        case(rng, "typical", 32, 1, 2.0, 1.0),
        case(rng, "extreme", 64, 8, 1.0, 3.0),
        case(rng, "extreme", 64, 5, 3.0, 6.0),
    ]
    out = pathlib.Path(__file__).resolve().parent.parent / "src" / "__fixtures__" / "rq-spline-torch-float64.json"
    meta = {
        "generator": "packages/flows/scripts/gen_rq_spline_fixture.py",
        "torch": torch.__version__,
        "dtype": "float64 from float32-representable inputs",
        "minBinWidth": MIN,
        "minBinHeight": MIN,
        "minDerivative": MIN,
    }
    out.write_text(json.dumps({"meta": meta, "cases": cases}))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
