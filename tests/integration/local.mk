# Integration tests on a real local Slurm. They run when AUTOEXP_INTEGRATION=1
# (set by contrib/run-tests.sh, the README's test command) and are skipped
# otherwise (exit 77): they need root and the Slurm daemons.
TEST_EXTENSIONS = .tap
TAP_LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/tests/tap-driver.sh
TAP_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)'; \
	export top_srcdir top_builddir;

integration_tests = tests/integration/foundation.tap tests/integration/provenance.tap \
	tests/integration/helper.tap \
	tests/integration/cooldown.tap tests/integration/steps.tap \
	tests/integration/multinode.tap tests/integration/multinode_jobs.tap \
	tests/integration/multinode_failures.tap \
	tests/integration/cooldown_monitoring.tap \
	tests/integration/cooldown_request.tap tests/integration/timecheck.tap \
	tests/integration/runs.tap tests/integration/restart.tap \
	tests/integration/restart_more.tap
TESTS += $(integration_tests)
EXTRA_DIST += tests/tap-driver.sh $(integration_tests) tests/integration/cluster.sh tests/integration/lib.sh
