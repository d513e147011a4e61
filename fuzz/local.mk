# Fuzz targets (docs/testing.md), one program per target. The normal build
# links each with fuzz/replay_main.c, and `make check` runs it once on each
# of its seeds and on the inputs of fixed crashes (fuzz/regress). Configured
# with --enable-fuzz (CC=clang, contrib/fuzz.sh does it) they link with
# libFuzzer instead, and `make fuzz` runs each for FUZZ_TIME seconds.
fuzz_targets = fuzz/fuzz_yaml fuzz/fuzz_override fuzz/fuzz_interp \
	fuzz/fuzz_template fuzz/fuzz_rules fuzz/fuzz_engine \
	fuzz/fuzz_capture fuzz/fuzz_journal
check_PROGRAMS += $(fuzz_targets) fuzz/seedgen
TESTS += fuzz/run.sh
EXTRA_DIST += fuzz/run.sh fuzz/seeds.py fuzz/engine.yaml fuzz/corpus \
	fuzz/regress fuzz/dict

fuzz_cflags = $(AM_CFLAGS) $(YAML_CFLAGS) $(JANSSON_CFLAGS) $(PCRE2_CFLAGS)
fuzz_cppflags = $(AM_CPPFLAGS) -DAE_FUZZ_SRCDIR='"$(abs_top_srcdir)"'
fuzz_ldadd = lib/libautoexp.la -lm
if FUZZ
fuzz_main =
fuzz_ldflags = $(AM_LDFLAGS) -fsanitize=fuzzer
else
fuzz_main = fuzz/replay_main.c
fuzz_ldflags = $(AM_LDFLAGS)
endif

fuzz_fuzz_yaml_SOURCES = fuzz/fuzz_yaml.c fuzz/fuzz.h $(fuzz_main)
fuzz_fuzz_yaml_CPPFLAGS = $(fuzz_cppflags)
fuzz_fuzz_yaml_CFLAGS = $(fuzz_cflags)
fuzz_fuzz_yaml_LDFLAGS = $(fuzz_ldflags)
fuzz_fuzz_yaml_LDADD = $(fuzz_ldadd)

fuzz_fuzz_override_SOURCES = fuzz/fuzz_override.c fuzz/fuzz.h $(fuzz_main)
fuzz_fuzz_override_CPPFLAGS = $(fuzz_cppflags)
fuzz_fuzz_override_CFLAGS = $(fuzz_cflags)
fuzz_fuzz_override_LDFLAGS = $(fuzz_ldflags)
fuzz_fuzz_override_LDADD = $(fuzz_ldadd)

fuzz_fuzz_interp_SOURCES = fuzz/fuzz_interp.c fuzz/fuzz.h $(fuzz_main)
fuzz_fuzz_interp_CPPFLAGS = $(fuzz_cppflags)
fuzz_fuzz_interp_CFLAGS = $(fuzz_cflags)
fuzz_fuzz_interp_LDFLAGS = $(fuzz_ldflags)
fuzz_fuzz_interp_LDADD = $(fuzz_ldadd)

fuzz_fuzz_template_SOURCES = fuzz/fuzz_template.c fuzz/fuzz.h $(fuzz_main)
fuzz_fuzz_template_CPPFLAGS = $(fuzz_cppflags)
fuzz_fuzz_template_CFLAGS = $(fuzz_cflags)
fuzz_fuzz_template_LDFLAGS = $(fuzz_ldflags)
fuzz_fuzz_template_LDADD = $(fuzz_ldadd)

fuzz_fuzz_rules_SOURCES = fuzz/fuzz_rules.c fuzz/fuzz.h $(fuzz_main)
fuzz_fuzz_rules_CPPFLAGS = $(fuzz_cppflags)
fuzz_fuzz_rules_CFLAGS = $(fuzz_cflags)
fuzz_fuzz_rules_LDFLAGS = $(fuzz_ldflags)
fuzz_fuzz_rules_LDADD = $(fuzz_ldadd)

fuzz_fuzz_engine_SOURCES = fuzz/fuzz_engine.c fuzz/fuzz.h $(fuzz_main)
fuzz_fuzz_engine_CPPFLAGS = $(fuzz_cppflags)
fuzz_fuzz_engine_CFLAGS = $(fuzz_cflags)
fuzz_fuzz_engine_LDFLAGS = $(fuzz_ldflags)
fuzz_fuzz_engine_LDADD = $(fuzz_ldadd)

fuzz_fuzz_capture_SOURCES = fuzz/fuzz_capture.c fuzz/fuzz.h $(fuzz_main)
fuzz_fuzz_capture_CPPFLAGS = $(fuzz_cppflags)
fuzz_fuzz_capture_CFLAGS = $(fuzz_cflags)
fuzz_fuzz_capture_LDFLAGS = $(fuzz_ldflags)
fuzz_fuzz_capture_LDADD = $(fuzz_ldadd)

fuzz_fuzz_journal_SOURCES = fuzz/fuzz_journal.c fuzz/fuzz.h $(fuzz_main)
fuzz_fuzz_journal_CPPFLAGS = $(fuzz_cppflags)
fuzz_fuzz_journal_CFLAGS = $(fuzz_cflags)
fuzz_fuzz_journal_LDFLAGS = $(fuzz_ldflags)
fuzz_fuzz_journal_LDADD = $(fuzz_ldadd)

# Captures for the capture target's seeds, made as sbatch makes them.
fuzz_seedgen_SOURCES = fuzz/seedgen.c
fuzz_seedgen_CPPFLAGS = $(fuzz_cppflags)
fuzz_seedgen_CFLAGS = $(fuzz_cflags)
fuzz_seedgen_LDADD = $(fuzz_ldadd)

# make fuzz [FUZZ_TIME=seconds] [FUZZ_TARGETS='yaml rules...']: each target
# for FUZZ_TIME seconds, one after the other; fails on any crash, leak,
# timeout or out-of-memory (their inputs are kept in fuzz-out/artifacts).
FUZZ_TIME = 60
FUZZ_TARGETS =
.PHONY: fuzz
if FUZZ
fuzz: $(fuzz_targets) fuzz/seedgen contrib/megatron_sim
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	$(SHELL) $(top_srcdir)/fuzz/run.sh fuzz $(FUZZ_TIME) $(FUZZ_TARGETS)
else
fuzz:
	@echo "make fuzz needs a build configured with --enable-fuzz and" \
	      "CC=clang: run contrib/fuzz.sh [SECONDS] [TARGET...]" >&2; exit 1
endif
