# The SPANK plugin: thin glue per SPANK context, calling lib/.
if HAVE_SLURM
slurmplugin_LTLIBRARIES = spank/autoexp.la
spank_autoexp_la_SOURCES = \
	spank/plugin.c \
	spank/options.c spank/options.h \
	spank/context.c spank/context.h \
	spank/allocator.c spank/allocator.h \
	spank/jobstart.c spank/jobstart.h spank/jobend.c spank/jobend.h \
	spank/helper_launch.c spank/helper_launch.h \
	spank/spank_api.c spank/spank_api.h
spank_autoexp_la_CPPFLAGS = $(AM_CPPFLAGS) $(SLURM_CPPFLAGS)
spank_autoexp_la_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS) $(JANSSON_CFLAGS) $(PCRE2_CFLAGS)
# Only the SPANK entry points and plugin_* identity symbols are visible to Slurm.
spank_autoexp_la_LDFLAGS = -module -avoid-version -shared -rpath '$(slurmplugindir)' \
	-export-symbols-regex '^(slurm_spank_|plugin_)'
spank_autoexp_la_LIBADD = lib/libautoexp.la
endif
