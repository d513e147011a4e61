# The core library: no Slurm dependency. Linked into the plugin, the helper and the CLI.
noinst_LTLIBRARIES += lib/libautoexp.la
lib_libautoexp_la_SOURCES = \
	lib/base/ae_error.c lib/base/ae_error.h \
	lib/base/ae_strbuf.c lib/base/ae_strbuf.h \
	lib/base/ae_proc.c lib/base/ae_proc.h \
	lib/config/ae_node.c lib/config/ae_node.h \
	lib/base/ae_sha256.c lib/base/ae_sha256.h \
	lib/provenance/ae_capture.c lib/provenance/ae_capture.h \
	lib/provenance/ae_secret.c lib/provenance/ae_secret.h \
	lib/provenance/ae_sharing.c lib/provenance/ae_sharing.h \
	lib/base/ae_safedir.c lib/base/ae_safedir.h \
	lib/base/ae_fdpath.c lib/base/ae_fdpath.h \
	lib/provenance/ae_provenance.c lib/provenance/ae_provenance.h \
	lib/submit/ae_submit.c lib/submit/ae_submit.h \
	lib/provenance/ae_jobstart.c lib/provenance/ae_jobstart.h \
	lib/provenance/ae_run.c lib/provenance/ae_run.h \
	lib/provenance/ae_resume.c lib/provenance/ae_resume.h \
	lib/provenance/ae_runlock.c lib/provenance/ae_runlock.h \
	lib/provenance/ae_endrecord.c lib/provenance/ae_endrecord.h \
	lib/provenance/ae_taskdir.c lib/provenance/ae_taskdir.h \
	lib/config/ae_searchpath.c lib/config/ae_searchpath.h \
	lib/config/ae_args.c lib/config/ae_args.h \
	lib/config/ae_yaml.c lib/config/ae_yaml_emit.c lib/config/ae_yaml_emit.h lib/config/ae_yaml_scalar.c lib/config/ae_yaml_scalar.h lib/config/ae_json.c \
	lib/config/ae_interp.c lib/config/ae_interp_parse.c lib/config/ae_interp_parse.h lib/config/ae_resolvers.c lib/config/ae_resolvers.h \
	lib/config/ae_merge.c lib/config/ae_merge.h lib/config/ae_compose.c lib/config/ae_override.c lib/config/ae_override_parse.c lib/config/ae_override_parse.h lib/config/ae_override_cast.c lib/config/ae_override_cast.h \
	lib/config/ae_yaml.h lib/config/ae_json.h lib/config/ae_interp.h lib/config/ae_compose.h lib/config/ae_override.h \
	lib/monitor/ae_event.c lib/monitor/ae_event.h \
	lib/base/ae_fsutil.c lib/base/ae_fsutil.h lib/base/ae_fsbatch.c lib/base/ae_fsbatch.h lib/monitor/ae_follow.c lib/monitor/ae_follow.h lib/monitor/ae_journal.c lib/monitor/ae_journal.h lib/monitor/ae_journal_lock.c lib/monitor/ae_journal_lock.h \
	lib/monitor/ae_fields.c lib/monitor/ae_fields.h lib/base/ae_spawn.c lib/base/ae_spawn.h \
	lib/monitor/ae_template.c lib/monitor/ae_template.h lib/monitor/ae_condition.c lib/monitor/ae_condition.h \
	lib/monitor/ae_vars.c lib/monitor/ae_vars.h \
	lib/monitor/ae_action.c lib/monitor/ae_action.h lib/monitor/ae_rules.c lib/monitor/ae_rules.h \
	lib/monitor/ae_prefilter.c lib/monitor/ae_prefilter.h \
	lib/monitor/ae_engine.c lib/monitor/ae_engine.h lib/monitor/ae_monitor_config.c lib/monitor/ae_monitor_config.h \
	lib/submit/ae_sbatch.c lib/submit/ae_sbatch.h lib/provenance/ae_request.c lib/provenance/ae_request.h lib/submit/ae_cooldown.c lib/submit/ae_cooldown.h \
	lib/submit/ae_cooldown_config.c lib/submit/ae_cooldown_config.h \
	lib/monitor/ae_cooldown_spec.c lib/monitor/ae_cooldown_spec.h \
	lib/monitor/ae_restart_spec.c lib/monitor/ae_restart_spec.h \
	lib/submit/ae_restart.c lib/submit/ae_restart.h \
	lib/submit/ae_restart_guard.c lib/submit/ae_restart_guard.h \
	lib/submit/ae_restart_record.c lib/submit/ae_restart_record.h \
	lib/submit/ae_resubmit.c lib/submit/ae_resubmit.h \
	lib/monitor/ae_engine_journal.c lib/monitor/ae_engine_journal.h \
	lib/monitor/ae_endstate.c lib/monitor/ae_endstate.h \
	lib/monitor/ae_logfacts.c lib/monitor/ae_logfacts.h \
	lib/monitor/ae_state_events.c lib/monitor/ae_state_events.h \
	lib/config/ae_diff.c lib/config/ae_diff.h \
	lib/provenance/ae_jobtime.c lib/provenance/ae_jobtime.h \
	lib/provenance/ae_joblog.c lib/provenance/ae_joblog.h \
	lib/submit/ae_timecheck.c lib/submit/ae_timecheck.h
lib_libautoexp_la_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS) $(JANSSON_CFLAGS) $(PCRE2_CFLAGS)
lib_libautoexp_la_LIBADD = $(YAML_LIBS) $(JANSSON_LIBS) $(PCRE2_LIBS) -lm
