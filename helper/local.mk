# The job-side helper daemon (autoexp-helper(8)).
libexec_PROGRAMS += helper/autoexp-helper
helper_autoexp_helper_SOURCES = helper/autoexp_helper.c \
	helper/helper_worker.c helper/helper_worker.h \
	helper/helper_states.c helper/helper_states.h \
	helper/helper_catchup.c helper/helper_catchup.h \
	helper/helper_supervisor.c helper/helper_supervisor.h \
	helper/helper_jobinfo.c helper/helper_jobinfo.h \
	helper/helper_log.c helper/helper_log.h \
	helper/helper_dirs.c helper/helper_dirs.h
helper_autoexp_helper_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS) $(JANSSON_CFLAGS) $(PCRE2_CFLAGS)
helper_autoexp_helper_LDADD = lib/libautoexp.la -lm

# Tests of the helper and of `autoexp replay` on temporary directories.
helper_tests = tests/helper/helper_follow.sh tests/helper/helper_drain.sh \
	tests/helper/helper_restart.sh tests/helper/helper_scontrol.sh \
	tests/helper/replay.sh tests/helper/helper_requeue.sh \
	tests/helper/helper_previous_log.sh tests/helper/helper_catchup.sh \
	tests/helper/helper_states.sh tests/helper/helper_swap.sh \
	tests/helper/helper_fulldisk.sh tests/helper/helper_cooldown_fulldisk.sh \
	tests/helper/helper_lease.sh tests/helper/helper_readonly.sh
TESTS += $(helper_tests)
EXTRA_DIST += $(helper_tests) tests/helper/lib.sh
dist_man_MANS += docs/autoexp-helper.8
