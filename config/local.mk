# Shipped configs: installed under $(pkgdatadir)/config, the last entry of the search path.
nobase_dist_pkgdata_DATA += config/examples/demo.yaml
# Monitoring presets (group `monitoring`) and the cooldown example.
nobase_dist_pkgdata_DATA += config/monitoring/megatron_basic.yaml \
	config/monitoring/megatron_production.yaml \
	config/monitoring/megatron_cooldown_single.yaml \
	config/monitoring/megatron_cooldown_multi.yaml \
	config/examples/megatron_single_cooldown.yaml
