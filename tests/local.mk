include tests/unit/local.mk
include tests/integration/local.mk

TESTS += tests/plugin_symbols.sh tests/layers.sh tests/format.sh
EXTRA_DIST += tests/plugin_symbols.sh tests/layers.sh tests/format.sh

# Data-driven config suites: differential against OmegaConf, and bad inputs.
TESTS += tests/omegaconf/run.sh tests/bad-input/run.sh
# listed one by one: a directory here would also take the build tree's logs
EXTRA_DIST += tests/integration/configs \
	tests/omegaconf/run.sh \
	tests/bad-input/run.sh \
	tests/bad-input/cases/alias_bomb.yaml \
	tests/bad-input/cases/restart_bad_excluded.yaml \
	tests/bad-input/cases/restart_bad_mode.yaml \
	tests/bad-input/cases/restart_max_attempts_one.yaml \
	tests/bad-input/cases/restart_unknown_key.yaml \
	tests/bad-input/cases/cycle.yaml \
	tests/bad-input/cases/cycle_long.yaml \
	tests/bad-input/cases/cycle_self.yaml \
	tests/bad-input/cases/db/broken.yaml \
	tests/bad-input/cases/db/mysql.yaml \
	tests/bad-input/cases/db/needs_host.yaml \
	tests/bad-input/cases/defaults_bad_entry.yaml \
	tests/bad-input/cases/defaults_not_list.yaml \
	tests/bad-input/cases/duplicate_key.yaml \
	tests/bad-input/cases/duplicate_key_nested.yaml \
	tests/bad-input/cases/group_file_broken.yaml \
	tests/bad-input/cases/group_file_missing_key.yaml \
	tests/bad-input/cases/index_into_scalar.yaml \
	tests/bad-input/cases/index_out_of_range.yaml \
	tests/bad-input/cases/interp_bomb.yaml \
	tests/bad-input/cases/interp_bomb_nodes.yaml \
	tests/bad-input/cases/interp_double_dot.yaml \
	tests/bad-input/cases/interp_empty.yaml \
	tests/bad-input/cases/interp_to_missing_value.yaml \
	tests/bad-input/cases/interp_unterminated.yaml \
	tests/bad-input/cases/merge_key_scalar.yaml \
	tests/bad-input/cases/missing_default.yaml \
	tests/bad-input/cases/missing_in_resolver_arg.yaml \
	tests/bad-input/cases/missing_in_string.yaml \
	tests/bad-input/cases/missing_key.yaml \
	tests/bad-input/cases/missing_key_relative.yaml \
	tests/bad-input/cases/oc_create_alias_bomb.yaml \
	tests/bad-input/cases/oc_eval_refused.yaml \
	tests/bad-input/cases/override_add_existing.yaml \
	tests/bad-input/cases/override_bad_grammar.yaml \
	tests/bad-input/cases/override_delete_missing.yaml \
	tests/bad-input/cases/override_missing_interp.yaml \
	tests/bad-input/cases/override_missing_key.yaml \
	tests/bad-input/cases/override_sweep.yaml \
	tests/bad-input/cases/resolver_arity_if.yaml \
	tests/bad-input/cases/resolver_arity_sub.yaml \
	tests/bad-input/cases/resolver_env_no_name.yaml \
	tests/bad-input/cases/resolver_slice_bad_index.yaml \
	tests/bad-input/cases/resolver_sqrt_string.yaml \
	tests/bad-input/cases/resolver_unclosed_args.yaml \
	tests/bad-input/cases/root_is_list.yaml \
	tests/bad-input/cases/root_is_scalar.yaml \
	tests/bad-input/cases/state_event_unknown_action.yaml \
	tests/bad-input/cases/state_event_unknown_condition.yaml \
	tests/bad-input/cases/state_event_unknown_name.yaml \
	tests/bad-input/cases/syntax_bad_indent.yaml \
	tests/bad-input/cases/syntax_colon_in_plain.yaml \
	tests/bad-input/cases/syntax_unclosed_flow.yaml \
	tests/bad-input/cases/syntax_unclosed_quote.yaml \
	tests/bad-input/cases/tab_indent.yaml \
	tests/bad-input/cases/two_documents.yaml \
	tests/bad-input/cases/undefined_alias.yaml \
	tests/bad-input/cases/unknown_group_option.yaml \
	tests/bad-input/cases/unknown_resolver.yaml \
	tests/omegaconf/cases/composition.yaml \
	tests/omegaconf/cases/escapes.yaml \
	tests/omegaconf/cases/interpolation.yaml \
	tests/omegaconf/cases/overrides.yaml \
	tests/omegaconf/cases/resolvers.yaml \
	tests/omegaconf/cases/typing.yaml \
	tests/omegaconf/differential.py
