# The autoexp CLI (autoexp(1)): its sources are here, the program is still
# built as helper/autoexp, where the tests, bench and integration scripts
# call it.
bin_PROGRAMS += helper/autoexp
helper_autoexp_SOURCES = cli/autoexp.c cli/cmd_args.c cli/cmd_args.h \
	cli/cmd_diff.c cli/cmd_diff.h cli/cmd_replay.c cli/cmd_replay.h
helper_autoexp_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
helper_autoexp_LDADD = lib/libautoexp.la
