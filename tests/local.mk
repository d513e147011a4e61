include tests/unit/local.mk
include tests/integration/local.mk

TESTS += tests/plugin_symbols.sh
EXTRA_DIST += tests/plugin_symbols.sh

# Data-driven config suites: differential against OmegaConf, and bad inputs.
TESTS += tests/omegaconf/run.sh tests/bad-input/run.sh
EXTRA_DIST += tests/omegaconf tests/bad-input tests/integration/configs
