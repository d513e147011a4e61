# The core library: no Slurm dependency. Linked into the plugin, the helper and the CLI.
noinst_LTLIBRARIES += lib/libautoexp.la
lib_libautoexp_la_SOURCES = \
	lib/ae_error.c lib/ae_error.h \
	lib/ae_strbuf.c lib/ae_strbuf.h \
	lib/ae_node.c lib/ae_node.h \
	lib/ae_sha256.c lib/ae_sha256.h \
	lib/ae_capture.c lib/ae_capture.h \
	lib/ae_secret.c lib/ae_secret.h \
	lib/ae_safedir.c lib/ae_safedir.h \
	lib/ae_provenance.c lib/ae_provenance.h \
	lib/ae_submit.c lib/ae_submit.h \
	lib/ae_jobstart.c lib/ae_jobstart.h \
	lib/ae_searchpath.c lib/ae_searchpath.h \
	lib/ae_args.c lib/ae_args.h \
	lib/ae_yaml.c lib/ae_yaml_emit.c lib/ae_yaml_scalar.c lib/ae_yaml_scalar.h lib/ae_json.c \
	lib/ae_interp.c lib/ae_interp_parse.c lib/ae_interp_parse.h lib/ae_resolvers.c lib/ae_resolvers.h \
	lib/ae_merge.c lib/ae_compose.c lib/ae_override.c lib/ae_override_parse.c \
	lib/ae_yaml.h lib/ae_json.h lib/ae_interp.h lib/ae_compose.h lib/ae_override.h \
	lib/ae_event.c lib/ae_event.h \
	lib/ae_fsutil.c lib/ae_fsutil.h lib/ae_fsbatch.c lib/ae_fsbatch.h lib/ae_follow.c lib/ae_follow.h lib/ae_journal.c lib/ae_journal.h \
	lib/ae_fields.c lib/ae_fields.h lib/ae_spawn.c lib/ae_spawn.h \
	lib/ae_template.c lib/ae_template.h lib/ae_condition.c lib/ae_condition.h \
	lib/ae_action.c lib/ae_action.h lib/ae_rules.c lib/ae_rules.h \
	lib/ae_engine.c lib/ae_engine.h lib/ae_monitor_config.c lib/ae_monitor_config.h \
	lib/ae_sbatch.c lib/ae_sbatch.h lib/ae_request.c lib/ae_request.h lib/ae_cooldown.c lib/ae_cooldown.h \
	lib/ae_cooldown_config.c lib/ae_cooldown_config.h \
	lib/ae_engine_journal.c lib/ae_engine_journal.h \
	lib/ae_diff.c lib/ae_diff.h
lib_libautoexp_la_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS) $(JANSSON_CFLAGS) $(PCRE2_CFLAGS)
lib_libautoexp_la_LIBADD = $(YAML_LIBS) $(JANSSON_LIBS) $(PCRE2_LIBS) -lm
