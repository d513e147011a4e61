#!/usr/bin/python3
"""Write a realistic Megatron-LM training log, deterministically.

    gen_megatron_log.py [--size-mb 100] [--seed 1] [--ckpt-every 500]
                        [--stdout | OUT]

The mix follows a real pretrain_gpt.py run with --log-interval 1: the
start-up banner (arguments, NCCL INFO lines of every rank), one iteration
line per step, and every --ckpt-every steps a checkpoint save with its
timers, a validation block every 2 * ckpt-every, plus the usual warnings
(deprecations, torch.distributed notices). A few error-looking lines of
the kinds the monitoring presets look for appear too, rarely, so that some
rules fire. The same arguments always give the same bytes.
"""
import argparse
import random
import sys


def banner(rng, out):
    out.append("using world size: 64, data-parallel size: 8, context-parallel size: 1, "
               "tensor-model-parallel size: 4, pipeline-model-parallel size: 2\n")
    out.append("------------------------ arguments ------------------------\n")
    for i in range(180):
        name = "arg_%03d_%s" % (i, rng.choice(["size", "rate", "iters", "path", "flag"]))
        out.append("  %s %s %s\n" % (name, "." * (48 - len(name)), rng.randint(0, 10 ** 6)))
    out.append("-------------------- end of arguments ---------------------\n")
    for rank in range(64):
        node = "nid%06d" % (1000 + rank // 4)
        for msg in ("NCCL INFO Bootstrap : Using hsn0:10.0.%d.%d<0>" % (rank // 4, rank),
                    "NCCL INFO NET/OFI Selected Provider is cxi",
                    "NCCL INFO Using network AWS Libfabric",
                    "NCCL INFO comm 0x%x rank %d nranks 64 cudaDev %d busId %x - Init COMPLETE"
                    % (rng.getrandbits(40), rank, rank % 4, 0x1000 * (rank % 4 + 1))):
            out.append("%s:%d:%d [%d] %s\n" % (node, 40000 + rank, 40000 + rank, rank % 4, msg))
    out.append(" loading distributed checkpoint from /scratch/project/run/checkpoints at iteration 0\n")
    out.append("[after dataloaders are built] datetime: 2025-01-01 10:00:00\n")
    out.append("done with setup ...\n")
    out.append("training ...\n")


def stamp(sec):
    h, rem = divmod(sec, 3600)
    m, s = divmod(rem, 60)
    return "2025-01-%02d %02d:%02d:%02d" % (1 + h // 24, h % 24, m, s)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=float, default=100.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ckpt-every", type=int, default=500)
    ap.add_argument("out", nargs="?")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    target = int(a.size_mb * 1024 * 1024)
    total_iters = 10 ** 7
    out = []
    banner(rng, out)
    written = 0
    f = open(a.out, "w") if a.out else sys.stdout
    it = 0
    sec = 0
    loss = 10.5
    lr = 0.0
    while written < target:
        it += 1
        sec += 1
        loss = max(1.5, loss * 0.99995 + rng.uniform(-0.02, 0.02))
        lr = min(3e-4, lr + 3e-8)
        out.append(
            " [%s] iteration %8d/%8d | consumed samples: %12d | elapsed time per iteration (ms): "
            "%.1f | throughput per GPU (TFLOP/s/GPU): %.1f | learning rate: %.6E | global batch "
            "size:   512 | lm loss: %.6E | loss scale: 1.0 | grad norm: %.3f | number of skipped "
            "iterations:   0 | number of nan iterations:   0 |\n"
            % (stamp(sec), it, total_iters, it * 512, rng.uniform(900, 1100),
               rng.uniform(380, 420), lr, loss, rng.uniform(0.2, 2.0)))
        if it % 97 == 0:
            out.append("[rank%d]:[W%s] Warning: torch.distributed: the collective took %.1f ms "
                       "longer than expected (function operator())\n"
                       % (rng.randrange(64), stamp(sec).replace(" ", "T"), rng.uniform(1, 50)))
        if it % 389 == 0:
            out.append("/opt/venv/lib/python3.11/site-packages/torch/utils/checkpoint.py:91: "
                       "UserWarning: None of the inputs have requires_grad=True. Gradients "
                       "will be None\n  warnings.warn(\n")
        if it % a.ckpt_every == 0:
            out.append("saving checkpoint at iteration %8d to /scratch/project/run/checkpoints "
                       "in torch_dist format\n" % it)
            out.append("  [%s.%06d] successfully saved checkpoint from iteration %8d to "
                       "/scratch/project/run/checkpoints [ t 1/4, p 1/2 ]\n"
                       % (stamp(sec), rng.randrange(10 ** 6), it))
            out.append("(min, max) time across ranks (ms):\n")
            for t in ("save-checkpoint", "forward-backward", "optimizer", "batch-generator"):
                v = rng.uniform(10, 2000)
                out.append("    %s %s: (%.2f, %.2f)\n" % (t, "." * (40 - len(t)), v, v * 1.01))
        if it % (2 * a.ckpt_every) == 0:
            out.append("-" * 100 + "\n")
            out.append(" validation loss at iteration %d on validation set | lm loss value: "
                       "%.6E | lm loss PPL: %.6E | \n" % (it, loss + 0.1, 2.718 ** (loss + 0.1)))
            out.append("-" * 100 + "\n")
        if it % 20011 == 0:
            out.append("[rank%d]:[E ProcessGroupNCCL.cpp:616] [Rank %d] Watchdog caught collective "
                       "operation timeout: WorkNCCL(SeqNum=%d, OpType=ALLREDUCE) ran for 600000 "
                       "milliseconds before timing out.\n" % (it % 64, it % 64, it))
        if it % 33331 == 0:
            out.append("RuntimeError: CUDA error: an illegal memory access was encountered "
                       "(iteration %d)\n" % it)
        if len(out) >= 2048:
            chunk = "".join(out)
            f.write(chunk)
            written += len(chunk)
            out = []
    out.append("[after training is done] datetime: %s\n" % stamp(sec + 1))
    f.write("".join(out))
    if f is not sys.stdout:
        f.close()


if __name__ == "__main__":
    main()
