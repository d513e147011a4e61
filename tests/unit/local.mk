# Unit tests: no Slurm needed. One program per area; add yours below.
unit_cflags = $(AM_CFLAGS) $(YAML_CFLAGS) $(JANSSON_CFLAGS) $(PCRE2_CFLAGS)
EXTRA_DIST += tests/unit/testutil.h

check_PROGRAMS += tests/unit/test_node
tests_unit_test_node_CFLAGS = $(unit_cflags)
tests_unit_test_node_LDADD = lib/libautoexp.la
TESTS += tests/unit/test_node
