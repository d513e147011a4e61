# Unit tests: no Slurm needed. One program per area; add yours below.
unit_cflags = $(AM_CFLAGS) $(YAML_CFLAGS) $(JANSSON_CFLAGS) $(PCRE2_CFLAGS)
EXTRA_DIST += tests/unit/testutil.h tests/unit/interp_harness.h

check_PROGRAMS += tests/unit/test_node
tests_unit_test_node_CFLAGS = $(unit_cflags)
tests_unit_test_node_LDADD = lib/libautoexp.la
TESTS += tests/unit/test_node

check_PROGRAMS += tests/unit/test_searchpath
tests_unit_test_searchpath_CFLAGS = $(unit_cflags)
tests_unit_test_searchpath_LDADD = lib/libautoexp.la
TESTS += tests/unit/test_searchpath

check_PROGRAMS += tests/unit/test_capture
tests_unit_test_capture_CFLAGS = $(unit_cflags)
tests_unit_test_capture_LDADD = lib/libautoexp.la
TESTS += tests/unit/test_capture

check_PROGRAMS += tests/unit/test_secret
tests_unit_test_secret_CFLAGS = $(unit_cflags)
tests_unit_test_secret_LDADD = lib/libautoexp.la
TESTS += tests/unit/test_secret

check_PROGRAMS += tests/unit/test_sharing
tests_unit_test_sharing_CFLAGS = $(unit_cflags)
tests_unit_test_sharing_LDADD = lib/libautoexp.la
TESTS += tests/unit/test_sharing

check_PROGRAMS += tests/unit/test_safedir
tests_unit_test_safedir_CFLAGS = $(unit_cflags)
tests_unit_test_safedir_LDADD = lib/libautoexp.la
TESTS += tests/unit/test_safedir

check_PROGRAMS += tests/unit/test_proc
tests_unit_test_proc_CFLAGS = $(unit_cflags)
tests_unit_test_proc_LDADD = lib/libautoexp.la
TESTS += tests/unit/test_proc

check_PROGRAMS += tests/unit/test_merge tests/unit/test_override tests/unit/test_compose
tests_unit_test_merge_CFLAGS = $(unit_cflags)
tests_unit_test_merge_LDADD = lib/libautoexp.la
tests_unit_test_override_CFLAGS = $(unit_cflags)
tests_unit_test_override_LDADD = lib/libautoexp.la
tests_unit_test_compose_CFLAGS = $(unit_cflags)
tests_unit_test_compose_LDADD = lib/libautoexp.la
TESTS += tests/unit/test_merge tests/unit/test_override tests/unit/test_compose
EXTRA_DIST += tests/data/compose

check_PROGRAMS += tests/unit/test_interp tests/unit/test_resolvers \
	tests/unit/test_interp_budget
tests_unit_test_interp_CFLAGS = $(unit_cflags)
tests_unit_test_interp_LDADD = lib/libautoexp.la
tests_unit_test_resolvers_CFLAGS = $(unit_cflags)
tests_unit_test_resolvers_LDADD = lib/libautoexp.la
tests_unit_test_interp_budget_CFLAGS = $(unit_cflags)
tests_unit_test_interp_budget_LDADD = lib/libautoexp.la
TESTS += tests/unit/test_interp tests/unit/test_resolvers \
	tests/unit/test_interp_budget

check_PROGRAMS += tests/unit/test_yaml tests/unit/test_json
tests_unit_test_yaml_CFLAGS = $(unit_cflags)
tests_unit_test_yaml_LDADD = lib/libautoexp.la
tests_unit_test_json_CFLAGS = $(unit_cflags)
tests_unit_test_json_LDADD = lib/libautoexp.la
TESTS += tests/unit/test_yaml tests/unit/test_json
EXTRA_DIST += tests/data/yaml

check_PROGRAMS += tests/unit/test_args
tests_unit_test_args_CFLAGS = $(unit_cflags)
tests_unit_test_args_LDADD = lib/libautoexp.la
TESTS += tests/unit/test_args

check_PROGRAMS += tests/unit/test_jobstart
tests_unit_test_jobstart_CFLAGS = $(unit_cflags)
tests_unit_test_jobstart_LDADD = lib/libautoexp.la
TESTS += tests/unit/test_jobstart

# The monitoring rule engine.
check_PROGRAMS += tests/unit/test_template tests/unit/test_spawn \
	tests/unit/test_condition tests/unit/test_action tests/unit/test_rules \
	tests/unit/test_prefilter tests/unit/test_engine tests/unit/test_monitor_config
tests_unit_test_template_CFLAGS = $(unit_cflags)
tests_unit_test_template_LDADD = lib/libautoexp.la
tests_unit_test_spawn_CFLAGS = $(unit_cflags)
tests_unit_test_spawn_LDADD = lib/libautoexp.la
tests_unit_test_condition_CFLAGS = $(unit_cflags)
tests_unit_test_condition_LDADD = lib/libautoexp.la
tests_unit_test_action_CFLAGS = $(unit_cflags)
tests_unit_test_action_LDADD = lib/libautoexp.la
tests_unit_test_rules_CFLAGS = $(unit_cflags)
tests_unit_test_rules_LDADD = lib/libautoexp.la
tests_unit_test_prefilter_CFLAGS = $(unit_cflags)
tests_unit_test_prefilter_LDADD = lib/libautoexp.la
tests_unit_test_engine_CFLAGS = $(unit_cflags)
tests_unit_test_engine_LDADD = lib/libautoexp.la
tests_unit_test_monitor_config_CFLAGS = $(unit_cflags)
tests_unit_test_monitor_config_LDADD = lib/libautoexp.la
check_PROGRAMS += tests/unit/test_endstate
tests_unit_test_endstate_CFLAGS = $(unit_cflags)
tests_unit_test_endstate_LDADD = lib/libautoexp.la
TESTS += tests/unit/test_endstate
TESTS += tests/unit/test_template tests/unit/test_spawn \
	tests/unit/test_condition tests/unit/test_action tests/unit/test_rules \
	tests/unit/test_prefilter tests/unit/test_engine tests/unit/test_monitor_config
EXTRA_DIST += tests/data/megatron/production.yaml tests/data/megatron/current.log \
	tests/data/megatron/old.log tests/data/megatron/async.log \
	tests/data/megatron/errors.log

check_PROGRAMS += tests/unit/test_fsutil tests/unit/test_follow tests/unit/test_journal
tests_unit_test_fsutil_CFLAGS = $(unit_cflags)
tests_unit_test_fsutil_LDADD = lib/libautoexp.la
tests_unit_test_follow_CFLAGS = $(unit_cflags)
tests_unit_test_follow_LDADD = lib/libautoexp.la
tests_unit_test_journal_CFLAGS = $(unit_cflags)
tests_unit_test_journal_LDADD = lib/libautoexp.la
TESTS += tests/unit/test_fsutil tests/unit/test_follow tests/unit/test_journal

check_PROGRAMS += tests/unit/test_journal_lock
tests_unit_test_journal_lock_CFLAGS = $(unit_cflags)
tests_unit_test_journal_lock_LDADD = lib/libautoexp.la
TESTS += tests/unit/test_journal_lock

# RunAutoexpAction against a stand-in for sbatch (unit tests only; selected
# through the action's `sbatch` field, never through PATH).
check_PROGRAMS += tests/unit/sbatch_stub tests/unit/test_sbatch tests/unit/test_cooldown \
	tests/unit/test_request
tests_unit_test_request_CFLAGS = $(unit_cflags)
tests_unit_test_request_LDADD = lib/libautoexp.la
tests_unit_sbatch_stub_CFLAGS = $(AM_CFLAGS)
tests_unit_test_sbatch_CFLAGS = $(unit_cflags)
tests_unit_test_sbatch_LDADD = lib/libautoexp.la
tests_unit_test_cooldown_CPPFLAGS = $(AM_CPPFLAGS) \
	-DAE_SBATCH_STUB='"$(abs_top_builddir)/tests/unit/sbatch_stub"'
tests_unit_test_cooldown_CFLAGS = $(unit_cflags)
tests_unit_test_cooldown_LDADD = lib/libautoexp.la
TESTS += tests/unit/test_sbatch tests/unit/test_cooldown tests/unit/test_request

check_PROGRAMS += tests/unit/test_engine_journal tests/unit/test_helper_jobinfo
tests_unit_test_engine_journal_CFLAGS = $(unit_cflags)
tests_unit_test_engine_journal_LDADD = lib/libautoexp.la
tests_unit_test_helper_jobinfo_SOURCES = tests/unit/test_helper_jobinfo.c \
	helper/helper_jobinfo.c helper/helper_jobinfo.h
tests_unit_test_helper_jobinfo_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/helper
tests_unit_test_helper_jobinfo_CFLAGS = $(unit_cflags)
tests_unit_test_helper_jobinfo_LDADD = lib/libautoexp.la
TESTS += tests/unit/test_engine_journal tests/unit/test_helper_jobinfo

check_PROGRAMS += tests/unit/test_diff
tests_unit_test_diff_CFLAGS = $(unit_cflags)
tests_unit_test_diff_LDADD = lib/libautoexp.la
TESTS += tests/unit/test_diff

# At most once (ae_journal_decide, the engine's dry run) and the template
# variables of a job (ae_vars).
check_PROGRAMS += tests/unit/test_decide tests/unit/test_vars
tests_unit_test_decide_CFLAGS = $(unit_cflags)
tests_unit_test_decide_LDADD = lib/libautoexp.la
tests_unit_test_vars_CFLAGS = $(unit_cflags)
tests_unit_test_vars_LDADD = lib/libautoexp.la
TESTS += tests/unit/test_decide tests/unit/test_vars

# The time check at submission: --time and --signal as sbatch reads them,
# and the warnings against backend.megatron.
check_PROGRAMS += tests/unit/test_jobtime tests/unit/test_timecheck \
	tests/unit/test_joblog
tests_unit_test_jobtime_CFLAGS = $(unit_cflags)
tests_unit_test_jobtime_LDADD = lib/libautoexp.la
tests_unit_test_joblog_CFLAGS = $(unit_cflags)
tests_unit_test_joblog_LDADD = lib/libautoexp.la
tests_unit_test_timecheck_CFLAGS = $(unit_cflags)
tests_unit_test_timecheck_LDADD = lib/libautoexp.la
TESTS += tests/unit/test_jobtime tests/unit/test_timecheck \
	tests/unit/test_joblog

check_PROGRAMS += tests/unit/test_restart
tests_unit_test_restart_CFLAGS = $(unit_cflags)
tests_unit_test_restart_LDADD = lib/libautoexp.la
TESTS += tests/unit/test_restart

# The plugin's process work in slurmstepd (helper launch and stop, the end
# record), with Slurm's calls stubbed; runs as root, skipped otherwise.
if HAVE_SLURM
check_PROGRAMS += tests/unit/test_spank
tests_unit_test_spank_SOURCES = tests/unit/test_spank.c \
	spank/helper_launch.c spank/jobend.c spank/context.c
tests_unit_test_spank_CPPFLAGS = $(AM_CPPFLAGS) $(SLURM_CPPFLAGS) \
	-I$(top_srcdir)/spank \
	-DAE_TEST_HELPER='"$(abs_top_builddir)/helper/autoexp-helper"'
tests_unit_test_spank_CFLAGS = $(unit_cflags)
tests_unit_test_spank_LDADD = lib/libautoexp.la
TESTS += tests/unit/test_spank
endif
