EXTRA_DIST += docs/ARCHITECTURE.md docs/test-cluster.md docs/testing.md
dist_doc_DATA += docs/config.md docs/provenance.md docs/cooldown.md docs/runs.md
dist_man_MANS += docs/autoexp.1
