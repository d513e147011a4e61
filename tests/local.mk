include tests/unit/local.mk
include tests/integration/local.mk

TESTS += tests/plugin_symbols.sh
EXTRA_DIST += tests/plugin_symbols.sh
