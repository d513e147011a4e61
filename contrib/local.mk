# Demo, test cluster and packaging helpers.
EXTRA_DIST += contrib/plugstack.conf.example
dist_noinst_SCRIPTS += contrib/demo.sh contrib/run-tests.sh contrib/install-deps.sh contrib/build.sh \
	contrib/fuzz.sh contrib/analyze.py

# Megatron-LM stand-in for tests and the demo (libc and libm only).
# Installed as `megatron_sim`, a test tool, so that admins can try the
# plugin end to end without GPUs; built here, where the tests find it.
bin_PROGRAMS += contrib/megatron_sim
contrib_megatron_sim_SOURCES = contrib/megatron_sim.c
contrib_megatron_sim_LDADD = -lm
TESTS += tests/contrib/test_megatron_sim.sh
EXTRA_DIST += tests/contrib/test_megatron_sim.sh

# Static analysis (contrib/analyze.py, docs/testing.md): gcc -fanalyzer and
# scan-build on lib/, spank/ and helper/, compared with the known false
# positives in contrib/analyzer.supp.
EXTRA_DIST += contrib/analyzer.supp
if HAVE_SLURM
analyze_dirs = lib spank helper
else
analyze_dirs = lib helper
endif
.PHONY: analyze analyze-flags
analyze:
	$(PYTHON3) $(top_srcdir)/contrib/analyze.py '$(abs_top_builddir)'
# What contrib/analyze.py compiles, and with which preprocessor flags.
analyze-flags:
	@echo '$(analyze_dirs)'
	@echo $(DEFS) -I. $(AM_CPPFLAGS) $(CPPFLAGS) $(YAML_CFLAGS) \
		$(JANSSON_CFLAGS) $(PCRE2_CFLAGS) $(SLURM_CPPFLAGS)
