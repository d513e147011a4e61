# Shipped configs: installed under $(pkgdatadir)/config, the last entry of the search path.
nobase_dist_pkgdata_DATA += config/examples/demo.yaml
