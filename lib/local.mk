# The core library: no Slurm dependency. Linked into the plugin, the helper and the CLI.
noinst_LTLIBRARIES += lib/libautoexp.la
lib_libautoexp_la_SOURCES = \
	lib/ae_error.c lib/ae_error.h \
	lib/ae_node.c lib/ae_node.h \
	lib/ae_sha256.c lib/ae_sha256.h \
	lib/ae_capture.c lib/ae_capture.h \
	lib/ae_secret.c lib/ae_secret.h \
	lib/ae_safedir.c lib/ae_safedir.h \
	lib/ae_searchpath.c lib/ae_searchpath.h \
	lib/ae_yaml.h lib/ae_json.h lib/ae_interp.h lib/ae_compose.h lib/ae_override.h
lib_libautoexp_la_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS) $(JANSSON_CFLAGS) $(PCRE2_CFLAGS)
lib_libautoexp_la_LIBADD = $(YAML_LIBS) $(JANSSON_LIBS) $(PCRE2_LIBS) -lm
