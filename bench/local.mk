# Benchmarks: built on demand (bench/run.sh), never run by make check.
EXTRA_PROGRAMS = bench/bench_config bench/bench_jobstart
bench_bench_config_LDADD = lib/libautoexp.la
bench_bench_jobstart_CPPFLAGS = $(AM_CPPFLAGS) -DAE_PRESETS_SRC='"$(abs_top_srcdir)/config"'
bench_bench_jobstart_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS) $(JANSSON_CFLAGS)
bench_bench_jobstart_LDADD = lib/libautoexp.la
CLEANFILES += $(EXTRA_PROGRAMS)
EXTRA_DIST += bench/run.sh bench/gen_config.py bench/omegaconf_config.py
EXTRA_DIST += bench/bench_helper.sh bench/gen_megatron_log.py bench/helper_bench.py bench/re_loop.py \
	bench/bench_multinode.sh
