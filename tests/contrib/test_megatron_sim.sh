#!/bin/bash
# Behaviour of contrib/megatron_sim, the Megatron-LM stand-in used by the
# monitoring tests and the demo: checkpoint layout, tracker, load rules,
# log formats and the regex the monitoring presets use on them; crashes,
# hangs, first-start-only faults, slow saves, early exits, SIGTERM
# handling and ranks (only rank 0 prints and saves).
set -u

builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
sim=$builddir/contrib/megatron_sim
if [ ! -x "$sim" ]; then
	echo "SKIP: $sim not built"
	exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/megatron_sim.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
ck=$work/ck
fails=0
checks=0

check() { # description, then a command that must succeed
	local what=$1
	shift
	checks=$((checks + 1))
	if ! "$@"; then
		echo "FAIL: $what" >&2
		fails=$((fails + 1))
	fi
}

not() {
	! "$@"
}

run() { # output file, then simulator arguments; sets $rc
	local out=$1
	shift
	"$sim" --sim-ms-per-iter 1 --eval-iters 0 "$@" >"$out" 2>&1
	rc=$?
}

first_iteration() {
	grep -oP '^ \[[^]]*\] iteration\s+\K\d+' "$1" | head -n 1
}

# The success-line regex of the monitoring presets.
success_re='successfully saved checkpoint from iteration\s+(?P<iteration>\d+) to (?P<path>\S+)'

# 1. Train to 30, saving every 10.
run "$work/train.log" --train-iters 30 --save "$ck" --save-interval 10 \
	--lr 1e-3 --min-lr 1e-4 --lr-decay-style cosine --unknown-flag value \
	--bare-unknown
check "training exits 0" [ "$rc" -eq 0 ]
for it in 0000010 0000020 0000030; do
	check "iter_$it exists" [ -d "$ck/iter_$it" ]
	check "iter_$it has its state" \
		grep -qx "iteration=$((10#$it))" "$ck/iter_$it/common.pt"
done
check "no other iteration dirs" [ "$(ls "$ck" | grep -c '^iter_')" -eq 3 ]
check "tracker holds the last iteration" \
	[ "$(cat "$ck/latest_checkpointed_iteration.txt")" = 30 ]
check "unknown flag with a value is in the arguments dump" \
	grep -qE '^  unknown_flag \.+ value$' "$work/train.log"
check "bare unknown flag is in the arguments dump as True" \
	grep -qE '^  bare_unknown \.+ True$' "$work/train.log"
check "iteration line format" grep -qE \
	'^ \[[0-9-]+ [0-9:.]+\] iteration +10/ +30 \| consumed samples: +80 \| elapsed time per iteration \(ms\): [0-9.]+ \| learning rate: [0-9.]+E[-+][0-9]+ \| global batch size: +8 \| lm loss: [0-9.]+E[-+][0-9]+ \| loss scale: 1\.0 \| grad norm: [0-9.]+ \| number of skipped iterations: +0 \| number of nan iterations: +0 \|$' \
	"$work/train.log"
check "save start line" grep -qx \
	"saving checkpoint at iteration      20 to $ck in torch_dist format" \
	"$work/train.log"
check "save success line, exact" grep -qxF \
	"  successfully saved checkpoint from iteration      20 to $ck [ t 1/1, p 1/1 ]" \
	"$work/train.log"
iters=$(grep -oP "$success_re" "$work/train.log" |
	sed -E 's/.*iteration +([0-9]+) to .*/\1/' | tr '\n' ' ')
check "regex extracts the iterations" [ "$iters" = "10 20 30 " ]
paths=$(grep -oP "$success_re" "$work/train.log" | sed -E 's/.* to //' | sort -u)
check "regex extracts the checkpoint root, without the [ t, p ] suffix" \
	[ "$paths" = "$ck" ]
# cosine from 1e-3 to 1e-4 over 30 iterations, no warmup: at 15, halfway.
check "cosine learning rate at mid-decay" grep -qE \
	'iteration +15/.*learning rate: 5\.500000E-04 \|' "$work/train.log"
check "end of training line" grep -qE \
	'^\[after training is done\] datetime: ' "$work/train.log"

# 2. ckpt_step wins over the tracker (which says 30).
run "$work/step.log" --train-iters 30 --load "$ck" --ckpt-step 10 \
	--save "$work/ck_step" --save-interval 10 --lr 1e-3 --min-lr 1e-4 \
	--lr-decay-style cosine
check "ckpt_step run exits 0" [ "$rc" -eq 0 ]
check "ckpt_step: loads iteration 10" grep -qxF \
	" loading checkpoint from $ck at iteration 10" "$work/step.log"
check "ckpt_step: resumes at 11" [ "$(first_iteration "$work/step.log")" = 11 ]
check "ckpt_step: saves 20 and 30 only" \
	[ "$(ls "$work/ck_step" | grep '^iter_' | tr '\n' ' ')" = \
		"iter_0000020 iter_0000030 " ]

# 3. No ckpt_step (or 0): the tracker's iteration; train_iters is absolute.
run "$work/latest.log" --train-iters 35 --load "$ck" --ckpt-step 0 \
	--lr 1e-3 --min-lr 1e-4 --lr-decay-style cosine --lr-decay-iters 30
check "latest: loads iteration 30" grep -qxF \
	" loading checkpoint from $ck at iteration 30" "$work/latest.log"
check "latest: resumes at 31" [ "$(first_iteration "$work/latest.log")" = 31 ]
check "latest: stops at 35" grep -qE 'iteration +35/ +35 \|' "$work/latest.log"

# 4. A different schedule needs --override-opt-param-scheduler.
run "$work/mismatch.log" --train-iters 40 --load "$ck" --lr 5e-4
check "schedule mismatch fails" [ "$rc" -ne 0 ]
check "schedule mismatch message" grep -q \
	'AssertionError: OptimizerParamScheduler: class input value 0.0005 and checkpoint value 0.001 for learning rate do not match' \
	"$work/mismatch.log"
run "$work/override.log" --train-iters 40 --load "$ck" --lr 5e-4 \
	--min-lr 5e-5 --lr-decay-style linear --lr-decay-iters 40 \
	--lr-warmup-iters 0 --override-opt-param-scheduler
check "override run exits 0" [ "$rc" -eq 0 ]
check "override message" grep -qx ' > overriding learning rate value to 0.0005' \
	"$work/override.log"
# linear 5e-4 -> 5e-5 over 40 iterations: at 36, 5e-5 + 0.1 * 4.5e-4.
check "overridden linear schedule" grep -qE \
	'iteration +36/.*learning rate: 9\.500000E-05 \|' "$work/override.log"

# 5. Missing checkpoints.
mkdir -p "$work/empty"
run "$work/missing.log" --train-iters 3 --load "$work/empty"
check "missing, no flag: exits 0" [ "$rc" -eq 0 ]
check "missing, no flag: warning" grep -q \
	"^WARNING: could not find the metadata file $work/empty/latest_checkpointed_iteration.txt" \
	"$work/missing.log"
check "missing, no flag: starts from 1" \
	[ "$(first_iteration "$work/missing.log")" = 1 ]
run "$work/missing_exit.log" --train-iters 3 --load "$work/empty" \
	--exit-on-missing-checkpoint
check "missing with --exit-on-missing-checkpoint: non-zero" [ "$rc" -ne 0 ]
check "missing with --exit-on-missing-checkpoint: message" grep -qF \
	">> '--exit-on-missing-checkpoint' set ... exiting. <<" \
	"$work/missing_exit.log"
check "missing with --exit-on-missing-checkpoint: no training" \
	[ -z "$(first_iteration "$work/missing_exit.log")" ]
run "$work/missing_step.log" --train-iters 30 --load "$ck" --ckpt-step 15
check "ckpt_step without its directory: non-zero" [ "$rc" -ne 0 ]
check "ckpt_step without its directory: names it" grep -q \
	"No such file or directory: '$ck/iter_0000015'" "$work/missing_step.log"
mv "$ck/latest_checkpointed_iteration.txt" "$work/tracker.bak"
# (lr_decay_iters defaults to train_iters: keep the checkpoint's 30)
run "$work/step_notracker.log" --train-iters 12 --load "$ck" --ckpt-step 10 \
	--lr 1e-3 --min-lr 1e-4 --lr-decay-style cosine --lr-decay-iters 30
mv "$work/tracker.bak" "$ck/latest_checkpointed_iteration.txt"
check "ckpt_step works without a tracker" [ "$rc" -eq 0 ]
check "ckpt_step without a tracker resumes at 11" \
	[ "$(first_iteration "$work/step_notracker.log")" = 11 ]

# 6. Async save: scheduled at once, finalized two iterations later.
run "$work/async.log" --train-iters 15 --save "$work/ck_async" \
	--save-interval 10 --async-save
check "async: scheduled line" grep -qxF \
	"  scheduled an async checkpoint save at iteration      10 to $work/ck_async" \
	"$work/async.log"
sched_line=$(grep -n 'scheduled an async checkpoint save at iteration +10 ' -E "$work/async.log" | cut -d: -f1)
done_line=$(grep -n 'successfully saved checkpoint from iteration +10 ' -E "$work/async.log" | cut -d: -f1)
it12_line=$(grep -n 'iteration +12/' -E "$work/async.log" | cut -d: -f1)
check "async: success line after iteration 12" \
	[ -n "$done_line" ] && [ -n "$it12_line" ] && [ "$done_line" -gt "$it12_line" ] &&
	[ "$sched_line" -lt "$it12_line" ]

# 7. Simulated failure.
run "$work/fail.log" --train-iters 10 --sim-fail-at 5 \
	--sim-fail-message 'torch.OutOfMemoryError: CUDA out of memory.'
check "failure: exit 1" [ "$rc" -eq 1 ]
check "failure: message" grep -qx 'torch.OutOfMemoryError: CUDA out of memory.' \
	"$work/fail.log"
check "failure: iteration 5 never logged" not grep -qE 'iteration +5/' "$work/fail.log"
check "failure: iteration 4 logged" grep -qE 'iteration +4/' "$work/fail.log"

# 7a. Failure kinds: PyTorch's text, and the production preset's events on
# it (through `autoexp replay` when it is built, else its patterns, copied).
declare -A kind_line=(
	[python]='^RuntimeError: simulated failure at iteration 5$'
	[nccl]='^torch\.distributed\.DistBackendError: NCCL error in: \.\./torch/csrc/distributed/c10d/ProcessGroupNCCL\.cpp:1275, unhandled system error \(run with NCCL_DEBUG=INFO for details\), NCCL version 2\.19\.3$'
	[cuda]='^RuntimeError: CUDA error: an illegal memory access was encountered$'
	[oom]='^torch\.OutOfMemoryError: CUDA out of memory\. Tried to allocate '
)
declare -A kind_event=([python]=python_error [nccl]=nccl_error
	[cuda]=cuda_error [oom]=cuda_oom)
declare -A preset_re=(
	[python_error]='Traceback \(most recent call last\):'
	[nccl_error]='NCCL error|ncclInternalError|ncclSystemError|ncclUnhandledCudaError|ncclRemoteError|ncclInvalidUsage'
	[cuda_error]='CUDA error: (?!out of memory)(?P<message>[^\n]+)'
	[cuda_oom]='CUDA out of memory|CUDA error: out of memory'
)
autoexp=$builddir/helper/autoexp
preset=$srcdir/config/monitoring/megatron_production.yaml
events_of() { # log: the event names the preset fires on it, sorted
	if [ -x "$autoexp" ] && [ -f "$preset" ]; then
		"$autoexp" replay --config "$preset" "$1" 2>/dev/null |
			awk '{print $2}' | sort -u | tr '\n' ' '
	else
		local e
		for e in "${!preset_re[@]}"; do
			grep -qP -- "${preset_re[$e]}" "$1" && echo "$e"
		done | sort | tr '\n' ' '
	fi
}
for kind in python nccl cuda oom; do
	run "$work/kind_$kind.log" --train-iters 10 --sim-fail-at 5 \
		--sim-fail-kind "$kind"
	check "$kind: exit 1" [ "$rc" -eq 1 ]
	check "$kind: traceback" grep -qx 'Traceback (most recent call last):' \
		"$work/kind_$kind.log"
	check "$kind: PyTorch's error line" grep -qP -- "${kind_line[$kind]}" \
		"$work/kind_$kind.log"
	want="python_error "
	[ "$kind" != python ] && want=$(printf '%s\n' python_error \
		"${kind_event[$kind]}" | sort | tr '\n' ' ')
	got=$(events_of "$work/kind_$kind.log")
	check "$kind: megatron_production fires '$want' (got '$got')" \
		[ "$got" = "$want" ]
done
# oom is not a host MemoryError (cpu_oom's lookbehind), cuda not an OOM
check "oom: not cpu_oom" not grep -qP '(?<!OutOf)MemoryError' "$work/kind_oom.log"
check "cuda: not cuda_oom" not grep -qP "${preset_re[cuda_oom]}" "$work/kind_cuda.log"

# 7b. The failing node, in the two documented shapes, and the exit code.
run "$work/node.log" --train-iters 10 --sim-fail-at 3 --sim-fail-kind nccl \
	--sim-fail-node gpu-node042 --sim-fail-exit-code 93
check "node: exit code 93" [ "$rc" -eq 93 ]
check "node: from NCCL's WARN line" [ "$(grep -oP \
	'^(?P<node>[^\s:]+):\d+:\d+ \[\d+\] \S+ NCCL WARN ' "$work/node.log" |
	cut -d: -f1)" = gpu-node042 ]
check "node: from torchrun's summary" [ "$(grep -oP \
	'^\s+host\s+: \K(?P<node>\S+)$' "$work/node.log")" = gpu-node042 ]
check "node: the summary's exit code" grep -qE '^  exitcode  : 93 \(pid: [0-9]+\)$' \
	"$work/node.log"
run "$work/node_cuda.log" --train-iters 10 --sim-fail-at 3 --sim-fail-kind cuda \
	--sim-fail-node n7
check "node, cuda: no NCCL line" not grep -q 'NCCL WARN' "$work/node_cuda.log"
check "node, cuda: host line" grep -qx '  host      : n7' "$work/node_cuda.log"
run "$work/badkind.log" --train-iters 10 --sim-fail-kind gpu
check "unknown kind: exit 2" [ "$rc" -eq 2 ]

# 7c. First start only: the marker, then the restart resumes and runs
# through (--load is --save, as a requeued job has it).
fs=$work/ck_first
run "$work/first1.log" --train-iters 20 --save "$fs" --load "$fs" \
	--save-interval 5 --sim-fail-at 12 --sim-first-start-only
check "first start: crashes" [ "$rc" -eq 1 ]
check "first start: marker written" [ -f "$fs/.megatron_sim_first_start_done" ]
check "first start: tracker at 10" [ "$(cat "$fs/latest_checkpointed_iteration.txt")" = 10 ]
run "$work/first2.log" --train-iters 20 --save "$fs" --load "$fs" \
	--save-interval 5 --sim-fail-at 12 --sim-first-start-only
check "restart: exit 0" [ "$rc" -eq 0 ]
check "restart: loads iteration 10" grep -qxF \
	" loading checkpoint from $fs at iteration 10" "$work/first2.log"
check "restart: resumes at 11" [ "$(first_iteration "$work/first2.log")" = 11 ]
check "restart: passes iteration 12" grep -qE 'iteration +12/ +20 \|' "$work/first2.log"
check "restart: trains to 20" [ "$(cat "$fs/latest_checkpointed_iteration.txt")" = 20 ]
run "$work/first_nosave.log" --train-iters 5 --sim-fail-at 2 --sim-first-start-only
check "first start only without --save: exit 2" [ "$rc" -eq 2 ]
# without the option the fault repeats on every start
run "$work/again.log" --train-iters 20 --save "$fs" --load "$fs" --sim-fail-at 22
check "fault after the last iteration: never" [ "$rc" -eq 0 ]

# 7d. Hang: no new lines, still alive, until killed; also with the
# SIGTERM handler (its flag is only read between iterations).
alive_and_quiet() { # pid log
	local before after
	before=$(wc -l <"$2")
	sleep 1
	after=$(wc -l <"$2")
	kill -0 "$1" 2>/dev/null && [ "$before" = "$after" ]
}
wait_for() { # pattern file: up to 5 s
	local i
	for i in $(seq 50); do
		grep -qE "$1" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
"$sim" --sim-ms-per-iter 1 --eval-iters 0 --train-iters 100 --sim-hang-at 4 \
	>"$work/hang.log" 2>&1 &
pid=$!
check "hang: reaches iteration 3" wait_for 'iteration +3/' "$work/hang.log"
check "hang: alive, no new lines after 1 s" alive_and_quiet "$pid" "$work/hang.log"
check "hang: iteration 4 never logged" not grep -qE 'iteration +4/' "$work/hang.log"
kill -TERM "$pid"
wait "$pid" 2>/dev/null
rc=$?
check "hang: SIGTERM kills it (143, got $rc)" [ "$rc" -eq 143 ]
"$sim" --sim-ms-per-iter 1 --eval-iters 0 --train-iters 100 --sim-hang-at 4 \
	--exit-signal-handler >"$work/hang_h.log" 2>&1 &
pid=$!
wait_for 'iteration +3/' "$work/hang_h.log"
kill -TERM "$pid"
check "hang with the handler: SIGTERM does not end it" \
	alive_and_quiet "$pid" "$work/hang_h.log"
# (quietly: bash reports a job killed by a signal)
{
	kill -KILL "$pid"
	wait "$pid"
	rc=$?
} 2>/dev/null
check "hang with the handler: SIGKILL ends it (137, got $rc)" [ "$rc" -eq 137 ]

# 7e. Early exits: --exit-interval, --exit-duration-in-mins; each saves
# first and exits 0.
run "$work/exit_int.log" --train-iters 100 --save "$work/ck_ei" \
	--save-interval 4 --exit-interval 6
check "exit interval: exit 0" [ "$rc" -eq 0 ]
check "exit interval: message" grep -qE \
	'^\[exiting program at iteration 6\] datetime: ' "$work/exit_int.log"
check "exit interval: saved 6" [ "$(cat "$work/ck_ei/latest_checkpointed_iteration.txt")" = 6 ]
check "exit interval: no iteration 7" not grep -qE 'iteration +7/' "$work/exit_int.log"
run "$work/exit_int8.log" --train-iters 100 --save "$work/ck_ei8" \
	--save-interval 4 --exit-interval 8
check "exit interval on a save iteration: saved once" [ "$(grep -c \
	'successfully saved checkpoint from iteration +8 ' -E "$work/exit_int8.log")" -eq 1 ]
"$sim" --sim-ms-per-iter 10 --eval-iters 0 --train-iters 100000 \
	--save "$work/ck_dur" --exit-duration-in-mins 0.005 >"$work/dur.log" 2>&1
rc=$?
check "duration: exit 0" [ "$rc" -eq 0 ]
check "duration: Megatron's message" grep -qE \
	'^\[exiting program after 0\.00[5-9][0-9]* minutes\] datetime: ' "$work/dur.log"
last=$(grep -oP '^ \[[^]]*\] iteration\s+\K\d+' "$work/dur.log" | tail -n 1)
check "duration: checkpoint of the last iteration ($last)" \
	[ "$(cat "$work/ck_dur/latest_checkpointed_iteration.txt")" = "$last" ]
check "duration: stopped early" [ "${last:-0}" -lt 100000 ]

# 7f. SIGTERM with --exit-signal-handler: the iteration finishes, a save,
# Megatron's message, exit 0; without the flag, the default action.
"$sim" --sim-ms-per-iter 20 --eval-iters 0 --train-iters 100000 \
	--save "$work/ck_sig" --exit-signal-handler >"$work/sig.log" 2>&1 &
pid=$!
wait_for 'iteration +3/' "$work/sig.log"
kill -TERM "$pid"
wait "$pid" 2>/dev/null
rc=$?
check "SIGTERM handler: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "SIGTERM handler: message" grep -qE \
	'^\[exiting program after receiving SIGTERM\.\] datetime: ' "$work/sig.log"
last=$(grep -oP '^ \[[^]]*\] iteration\s+\K\d+' "$work/sig.log" | tail -n 1)
check "SIGTERM handler: saved the last iteration ($last)" \
	[ "$(cat "$work/ck_sig/latest_checkpointed_iteration.txt" 2>/dev/null)" = "$last" ]
check "SIGTERM handler: the message is the last line" \
	grep -qE '^\[exiting program after receiving SIGTERM' \
	<(tail -n 1 "$work/sig.log")
"$sim" --sim-ms-per-iter 20 --eval-iters 0 --train-iters 100000 \
	--save "$work/ck_nosig" >"$work/nosig.log" 2>&1 &
pid=$!
wait_for 'iteration +3/' "$work/nosig.log"
kill -TERM "$pid"
wait "$pid" 2>/dev/null
rc=$?
check "no handler: SIGTERM kills (143, got $rc)" [ "$rc" -eq 143 ]
check "no handler: no save" [ ! -e "$work/ck_nosig/latest_checkpointed_iteration.txt" ]

# 7g. A slow save: between "saving checkpoint" and "successfully saved"
# the simulator is silent for --sim-save-sleep seconds, alive.
"$sim" --sim-ms-per-iter 1 --eval-iters 0 --train-iters 20 --save "$work/ck_slow" \
	--save-interval 10 --sim-save-sleep 3 >"$work/slow.log" 2>&1 &
pid=$!
check "slow save: the save starts" wait_for '^saving checkpoint at iteration +10 ' "$work/slow.log"
check "slow save: alive, silent, not yet saved" alive_and_quiet "$pid" "$work/slow.log"
check "slow save: no success line yet" not grep -q 'successfully saved' "$work/slow.log"
wait "$pid"
rc=$?
check "slow save: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "slow save: both saves completed" [ "$(grep -c 'successfully saved' "$work/slow.log")" -eq 2 ]
run "$work/slow_bad.log" --train-iters 5 --sim-save-sleep -1
check "negative save sleep: exit 2" [ "$rc" -eq 2 ]

# 7h. Ranks, as srun starts them (SLURM_PROCID/SLURM_NTASKS) or torchrun
# (RANK/WORLD_SIZE, which win): rank 0 prints and saves, the others train
# silently and write nothing; a first-start fault happens on every rank of
# the first start and on none of the next.
SLURM_NTASKS=3 SLURM_PROCID=1 run "$work/rank1.log" --train-iters 20 \
	--save "$work/ck_rank" --save-interval 10
check "rank 1: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "rank 1: prints nothing" [ ! -s "$work/rank1.log" ]
check "rank 1: saves nothing" [ ! -e "$work/ck_rank" ]
SLURM_NTASKS=1 SLURM_PROCID=0 RANK=0 WORLD_SIZE=3 run "$work/rank0.log" \
	--train-iters 20 --save "$work/ck_rank" --save-interval 10
check "rank 0 of 3: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "rank 0 of 3: world size 3" \
	grep -q '^using world size: 3, data-parallel size: 3,' "$work/rank0.log"
check "rank 0: prints both saves" [ "$(grep -c 'successfully saved' "$work/rank0.log")" -eq 2 ]
check "rank 0: writes the tracker" \
	[ "$(cat "$work/ck_rank/latest_checkpointed_iteration.txt" 2>/dev/null)" = 20 ]
SLURM_NTASKS=3 SLURM_PROCID=3 run "$work/rank3.log" --train-iters 5
check "rank 3 of 3 is refused (exit $rc)" \
	grep -q 'SLURM_PROCID=3 is not a number from 0 to 2' "$work/rank3.log"
for r in 1 0; do
	SLURM_NTASKS=2 SLURM_PROCID=$r run "$work/ranks_first$r.log" --train-iters 20 \
		--save "$work/ck_ranks_first" --sim-fail-at 5 --sim-first-start-only
	eval "first$r=$rc"
done
check "first start: both ranks crash (rank 1 $first1, rank 0 $first0)" \
	[ "$first1" -eq 1 -a "$first0" -eq 1 ]
check "first start: rank 0 wrote the marker" [ -e "$work/ck_ranks_first/.megatron_sim_first_start_done" ]
SLURM_NTASKS=2 SLURM_PROCID=1 run "$work/ranks_second1.log" --train-iters 20 \
	--save "$work/ck_ranks_first" --sim-fail-at 5 --sim-first-start-only
check "next start: rank 1 runs through (exit $rc)" [ "$rc" -eq 0 ]

# 8. Argument errors as argparse reports them.
run "$work/bad.log" --train-iters abc
check "bad int: exit 2" [ "$rc" -eq 2 ]
check "bad int: message" grep -q "argument --train-iters: invalid int value: 'abc'" \
	"$work/bad.log"

echo "test_megatron_sim: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
