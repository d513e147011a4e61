# Demo, test cluster and packaging helpers.
EXTRA_DIST += contrib/plugstack.conf.example
dist_noinst_SCRIPTS += contrib/demo.sh contrib/run-tests.sh contrib/install-deps.sh contrib/build.sh \
	contrib/fuzz.sh

# Megatron-LM stand-in for tests and the demo (libc and libm only).
# Installed as `megatron_sim`, a test tool, so that admins can try the
# plugin end to end without GPUs; built here, where the tests find it.
bin_PROGRAMS += contrib/megatron_sim
contrib_megatron_sim_SOURCES = contrib/megatron_sim.c
contrib_megatron_sim_LDADD = -lm
TESTS += tests/contrib/test_megatron_sim.sh
EXTRA_DIST += tests/contrib/test_megatron_sim.sh
