# Unit tests: no Slurm needed. One program per area; add yours below.
unit_cflags = $(AM_CFLAGS) $(YAML_CFLAGS) $(JANSSON_CFLAGS) $(PCRE2_CFLAGS)
EXTRA_DIST += tests/unit/testutil.h

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

check_PROGRAMS += tests/unit/test_safedir
tests_unit_test_safedir_CFLAGS = $(unit_cflags)
tests_unit_test_safedir_LDADD = lib/libautoexp.la
TESTS += tests/unit/test_safedir
