"""The PyTorch peer of bench/llava-step.ts: the identical ControlMLLM step in plain PyTorch (eager, float32).

    python3 bench/controlmllm_step.py CHECKPOINT_DIR INPUTS.safetensors REPEATS

Reads the checkpoint (config.json + safetensors shards, any float dtype, widened to float32) and the
inputs written by the TypeScript side (pixel_values [1,3,336,336], input_ids, region [N]); runs the vision
tower + projector (no grad), then the prefill with every layer's attention, the v1 energy
E = (1 - sum(w*a)/sum(a))^2 with a = mean over layers, heads and prompt tokens after the image of the
attention to the image tokens, and the backward to a zero latent added to the image features.
Prints one JSON line: best-of-REPEATS milliseconds for encode / forward / backward, the energy and the
gradient's checksum (sum, sum of squares, a few entries) so the caller can check both sides computed the
same thing. One thread, as the bench's peer: torch.set_num_threads(1) alone does not hold Debian's
OpenBLAS (libopenblas0-pthread), which starts its own threads (the step then ran at ~150 % CPU on the
2-core machine), so the BLAS thread counts are pinned to 1 before torch loads. No transformers needed.
"""
import json
import math
import os
import struct
import sys
import time

for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import torch  # noqa: E402 (after the thread pinning)

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64, "I64": torch.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[a:b]), dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
        out[name] = t.float() if t.is_floating_point() else t
    return out


def read_checkpoint(d):
    index = os.path.join(d, "model.safetensors.index.json")
    files = sorted(set(json.load(open(index))["weight_map"].values())) if os.path.exists(index) else ["model.safetensors"]
    weights = {}
    for f in files:
        weights.update(read_safetensors(os.path.join(d, f)))
    return weights


def layer_norm(x, w, b, eps):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), w, b, eps)


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def linear(x, W, prefix, bias=True):
    return torch.nn.functional.linear(x, W[prefix + ".weight"], W.get(prefix + ".bias") if bias else None)


def vision(W, vc, pixels):
    p = "vision_tower.vision_model."
    x = torch.nn.functional.conv2d(pixels, W[p + "embeddings.patch_embedding.weight"], stride=vc["patch_size"])
    x = x.flatten(2).transpose(1, 2)  # [1, N, C]
    cls = W[p + "embeddings.class_embedding"].reshape(1, 1, -1)
    x = torch.cat([cls, x], 1) + W[p + "embeddings.position_embedding.weight"]
    x = layer_norm(x, W[p + "pre_layrnorm.weight"], W[p + "pre_layrnorm.bias"], 1e-5)
    hidden = [x]
    H = vc["num_attention_heads"]
    for i in range(vc["num_hidden_layers"]):
        q = p + f"encoder.layers.{i}."
        h = layer_norm(x, W[q + "layer_norm1.weight"], W[q + "layer_norm1.bias"], 1e-5)
        B, T, C = h.shape
        heads = lambda t: t.reshape(B, T, H, C // H).transpose(1, 2)
        qh, kh, vh = (heads(linear(h, W, q + "self_attn." + n)) for n in ("q_proj", "k_proj", "v_proj"))
        probs = torch.softmax(qh @ kh.transpose(-1, -2) / math.sqrt(C // H), -1)
        x = x + linear((probs @ vh).transpose(1, 2).reshape(B, T, C), W, q + "self_attn.out_proj")
        h = layer_norm(x, W[q + "layer_norm2.weight"], W[q + "layer_norm2.bias"], 1e-5)
        h = linear(h, W, q + "mlp.fc1")
        x = x + linear(h * torch.sigmoid(1.702 * h), W, q + "mlp.fc2")  # quick_gelu
        hidden.append(x)
    feats = hidden[-2][:, 1:]  # feature layer -2, CLS dropped
    h = torch.nn.functional.gelu(linear(feats, W, "multi_modal_projector.linear_1"))
    return linear(h, W, "multi_modal_projector.linear_2")


def rope(x, cos, sin):
    half = x.shape[-1] // 2
    rot = torch.cat([-x[..., half:], x[..., :half]], -1)
    return x * cos + rot * sin


def decoder_energy(W, tc, embeds, start, n, region):
    T = embeds.shape[1]
    H, Hkv, C = tc["num_attention_heads"], tc.get("num_key_value_heads", tc["num_attention_heads"]), tc["hidden_size"]
    D = C // H
    inv = 1.0 / (10000.0 ** (torch.arange(0, D, 2, dtype=torch.float32) / D))
    ang = torch.arange(T, dtype=torch.float32)[:, None] * inv[None]
    emb = torch.cat([ang, ang], -1)
    cos, sin = emb.cos(), emb.sin()
    mask = torch.full((T, T), float("-inf")).triu(1)
    x = embeds
    per_layer = []
    for i in range(tc["num_hidden_layers"]):
        p = f"language_model.model.layers.{i}."
        h = rms_norm(x, W[p + "input_layernorm.weight"], 1e-5)
        heads = lambda t, m: t.reshape(1, T, m, D).transpose(1, 2)
        q = rope(heads(linear(h, W, p + "self_attn.q_proj", False), H), cos, sin)
        k = rope(heads(linear(h, W, p + "self_attn.k_proj", False), Hkv), cos, sin).repeat_interleave(H // Hkv, 1)
        probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(D) + mask, -1)
        per_layer.append(probs[0, :, start + n:, start:start + n].mean((0, 1)))
        if i == tc["num_hidden_layers"] - 1:
            break  # nothing reads the deepest layer's values or output (ours skips them too)
        v = heads(linear(h, W, p + "self_attn.v_proj", False), Hkv).repeat_interleave(H // Hkv, 1)
        x = x + linear((probs @ v).transpose(1, 2).reshape(1, T, C), W, p + "self_attn.o_proj", False)
        h = rms_norm(x, W[p + "post_attention_layernorm.weight"], 1e-5)
        g = linear(h, W, p + "mlp.gate_proj", False)
        x = x + linear(torch.nn.functional.silu(g) * linear(h, W, p + "mlp.up_proj", False), W, p + "mlp.down_proj", False)
    a = torch.stack(per_layer).mean(0)
    return (1 - (a * region).sum() / a.sum()) ** 2


def main():
    ckpt, inputs_file, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.set_num_threads(1)
    cfg = json.load(open(os.path.join(ckpt, "config.json")))
    W = read_checkpoint(ckpt)
    inp = read_safetensors(inputs_file)
    ids = inp["input_ids"].reshape(-1).tolist()
    start = ids.index(cfg["image_token_index"])
    best = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        with torch.no_grad():
            feats = vision(W, cfg["vision_config"], inp["pixel_values"])
        t1 = time.perf_counter()
        n = feats.shape[1]
        z = torch.zeros_like(feats, requires_grad=True)
        emb = W["language_model.model.embed_tokens.weight"]
        embeds = torch.cat([emb[ids[:start]][None], feats + z, emb[ids[start + 1:]][None]], 1)
        e = decoder_energy(W, cfg["text_config"], embeds, start, n, inp["region"])
        t2 = time.perf_counter()
        (g,) = torch.autograd.grad(e, [z])
        t3 = time.perf_counter()
        ms = [1000 * (t1 - t0), 1000 * (t2 - t1), 1000 * (t3 - t2)]
        if best is None or sum(ms) < sum(best):
            best = ms
    g = g.reshape(-1)
    print(json.dumps({
        "torch": torch.__version__, "threads": torch.get_num_threads(),
        "encode": best[0], "forward": best[1], "backward": best[2],
        "energy": e.item(), "grad_sum": g.sum().item(), "grad_sq": (g * g).sum().item(), "grad_head": g[:8].tolist(),
    }))


if __name__ == "__main__":
    main()
