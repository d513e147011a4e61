# Demo, test cluster and packaging helpers.
EXTRA_DIST += contrib/plugstack.conf.example
dist_noinst_SCRIPTS += contrib/demo.sh contrib/run-tests.sh contrib/install-deps.sh contrib/build.sh
