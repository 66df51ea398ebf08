#!/usr/bin/env python3
"""The precision floor of public-key CKKS encryption at ref-a (issue #3's 31-bit target).

Public-key encryption (SEAL, OpenFHE, Lattigo and ckks-rs alike) encrypts over Q * P and divides
by P with rounding. Whatever noise the encryption adds before the division shrinks by P; what
remains is the rounding: tau0 + tau1 * s, with tau0, tau1 uniform in [-1/2, 1/2] per coefficient
and s the uniform ternary secret. Rounding to the nearest integer already minimises every
|tau1_i|, and by Parseval the canonical embedding of tau1 has the same mean square whatever
integers are chosen, so no encryptor that does not know s can do better.

This script draws that noise (plus the encoder's rounding) for N = 2^13, decodes it as the
real parts of the N/2 slots at scale 2^40, and prints the mean of -log2 |error|, the figure
`bench ops` reports as `enc_dec_bits` and bench_peers.py as SEAL's `enc_dec` mean bits.

    python3 scripts/pk_precision_floor.py      # needs numpy
"""
import numpy as np

N, LOG_SCALE, TRIALS = 8192, 40, 16
rng = np.random.default_rng(1)
# Slot j is the polynomial evaluated at zeta^(5^j), zeta = exp(i pi / N).
rotation_group = np.array([pow(5, j, 2 * N) for j in range(N // 2)])


def embed(p):
    """p(zeta^(5^j)) for every slot j: the odd powers of zeta via one twisted FFT."""
    values = np.fft.fft(p * np.exp(1j * np.pi * np.arange(N) / N))  # p(zeta^(2m + 1))
    return values[(rotation_group - 1) // 2]


bits = []
for _ in range(TRIALS):
    s = rng.integers(-1, 2, N).astype(float)
    tau0, tau1, encode = (rng.uniform(-0.5, 0.5, N) for _ in range(3))
    # The negacyclic product tau1 * s is the pointwise product of the embeddings.
    noise = embed(tau0) + embed(tau1) * embed(s) + embed(encode)
    bits.append(np.mean(-np.log2(np.abs(noise.real) / 2.0**LOG_SCALE)))
print("public-key encrypt/decrypt floor at N = 2^13, scale 2^40: %.2f mean bits "
      "(spread over secret keys %.2f)" % (np.mean(bits), np.std(bits)))
