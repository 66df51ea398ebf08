#!/usr/bin/env python3
"""TenSEAL's CKKSVector.matmul on the `matvec_128` workload of `ckks bench circuits`.

A 128 x 128 plaintext matrix times an encrypted vector at N = 16384, q = [60, 40 x 6, 60]
(our `ref-b`), scale 2^40, one thread: prints a JSON line with the median in microseconds
and the precision in mean bits against the f64 product.

Usage (in the peer-benchmark venv, see ../shared/peers/README.md):
    .venv/bin/python scripts/tenseal_matmul.py
"""
import json
import math
import statistics
import time

import numpy as np
import tenseal as ts


def main() -> None:
    ctx = ts.context(ts.SCHEME_TYPE.CKKS, poly_modulus_degree=16384,
                     coeff_mod_bit_sizes=[60, 40, 40, 40, 40, 40, 40, 60], n_threads=1)
    ctx.global_scale = 2.0 ** 40
    ctx.generate_galois_keys()
    rng = np.random.default_rng(1)
    m = rng.uniform(-1, 1, (128, 128))
    x = rng.uniform(-1, 1, 128)
    ct = ts.ckks_vector(ctx, x.tolist())
    mat = m.T.tolist()  # TenSEAL computes x^T M: pass M^T for M x
    ct.matmul(mat)  # warm-up
    times = []
    deadline = time.perf_counter() + 20
    while len(times) < 5 or (time.perf_counter() < deadline and len(times) < 30):
        t = time.perf_counter()
        r = ct.matmul(mat)
        times.append((time.perf_counter() - t) * 1e6)
    got = np.array(r.decrypt())
    want = m @ x
    bits = float(np.mean([-math.log2(max(abs(a - b), 2.0 ** -60)) for a, b in zip(got, want)]))
    print(json.dumps({"lib": "tenseal", "op": "matvec_128", "median_us": statistics.median(times),
                      "runs": len(times), "mean_bits": bits}))


if __name__ == "__main__":
    main()
