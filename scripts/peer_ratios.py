#!/usr/bin/env python3
"""Ratios of our `ckks bench ops` medians to a peer library's, measured back to back.

Usage:
    python3 scripts/peer_ratios.py PEER.json OURS.jsonl

PEER.json is the output of the peer script (`bench_peers.py run --lib seal --set A --json ...`,
see ../shared/peers/README.md); OURS.jsonl holds the JSON lines of
`cargo run --release -- bench ops --params ref-a --threads 1 --json`. Run the two commands one
after the other on the same machine: the machines are shared and noisy, so only figures taken
together compare.
"""
import json
import sys

# our op name -> the peer script's op name
PAIRS = [
    ("keygen_relin", "keygen_relin"),
    ("keygen_galois_pow2", "keygen_galois_pow2"),
    ("encode", "encode"),
    ("encode_encrypt_pk", "encode+encrypt"),
    ("decrypt_decode", "decrypt+decode"),
    ("add", "add_ct_ct"),
    ("mul_pt", "mul_ct_pt"),
    ("mul_relin", "mul_ct_ct_relin"),
    ("rescale", "rescale"),
    ("mul_relin_rescale", "mul_relin_rescale"),
    ("rotate_1", "rotate_1"),
    ("sum_slots", "sum_slots_manual"),
]


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    peer = json.load(open(sys.argv[1]))
    peer = peer["runs"][0] if "runs" in peer else peer
    ours = {}
    precision = {}
    for line in open(sys.argv[2]):
        line = line.strip()
        if not line.startswith("{"):
            continue
        rec = json.loads(line)
        if rec.get("group") == "ops":
            ours[rec["op"]] = rec["median_ns"] / 1e3
        elif rec.get("group") == "precision":
            precision[rec["op"]] = rec["value"]
    lib = peer.get("lib", "peer")
    print(f"| op | ckks-rs (us) | {lib} (us) | ratio |")
    print("|---|---:|---:|---:|")
    for mine, theirs in PAIRS:
        if mine in ours and theirs in peer["ops"]:
            p = peer["ops"][theirs]["median_us"]
            print(f"| {mine} | {ours[mine]:.1f} | {p:.1f} | {ours[mine] / p:.2f} |")
    pp = peer.get("precision", {})
    for mine, theirs in [("enc_dec_bits", "enc_dec"), ("mul_bits", "mul_relin_rescale")]:
        if mine in precision and theirs in pp:
            print(f"| {mine} (mean bits) | {precision[mine]:.2f} | {pp[theirs]['mean_bits']:.2f} | |")


if __name__ == "__main__":
    main()
