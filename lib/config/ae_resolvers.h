/* ae_resolvers: the builtin resolvers (${oc.NAME:args}) and the Python
 * value semantics they need (str(), repr(float), int(), float(),
 * truthiness), kept exact because configs written for the Python
 * predecessor depend on them.
 *
 * Resolvers that need the config tree (oc.select, oc.dict.keys,
 * oc.dict.values, oc.decode, oc.create) and oc.env (which ae_interp may
 * defer) are listed here but evaluated by ae_interp.
 */
#ifndef AE_RESOLVERS_H
#define AE_RESOLVERS_H

#include <stddef.h>

#include "ae_node.h"

/* Environment lookup used by oc.env: returns the value or NULL when unset.
 * The default (NULL callback) is getenv(). */
typedef const char *(*ae_env_fn)(const char *name, void *ctx);

/* How one resolution goes (ae_interp takes it; the resolvers read it). */
typedef struct ae_resolve_opts {
	/* The value of ${oc.timestring:} for this resolution, e.g.
	 * "20251216_095550_123". NULL: take the current UTC time once, so every
	 * use within one resolution agrees. */
	const char *timestring;
	ae_env_fn env;
	void *env_ctx;
	/* When set, oc.env is not evaluated (submission-time checking, where
	 * the job's environment is not known yet): its arguments are still
	 * checked, and every value that depends on it is kept as written
	 * (the string with its "${...}") for a later resolution. */
	int defer_env;
	/* Budgets of one resolution, so that a config which expands without
	 * bound (a string of ten references to a string of ten references,
	 * and so on) fails with an error instead of exhausting memory; the
	 * capture resolved in slurmstepd at job start is such untrusted
	 * input. max_bytes and max_nodes bound what interpolations create in
	 * total: the strings they build, the copies of what they refer to,
	 * resolver results, oc.create and oc.decode included; the config's own
	 * values copied into the result are not counted. max_string bounds
	 * one string built by interpolation. 0 takes the default. */
	size_t max_bytes;  /* default AE_RESOLVE_MAX_BYTES */
	size_t max_string; /* default AE_RESOLVE_MAX_STRING */
	size_t max_nodes;  /* default AE_RESOLVE_MAX_NODES */
} ae_resolve_opts;

/* The budgets' defaults: far above any real config (a Megatron-size one
 * makes a few hundred nodes and a few KiB; docs/config.md). */
#define AE_RESOLVE_MAX_BYTES  ((size_t)16 << 20)
#define AE_RESOLVE_MAX_STRING ((size_t)1 << 20)
#define AE_RESOLVE_MAX_NODES  ((size_t)250000)

/* A value passed to or returned by a resolver. */
typedef struct ae_rval {
	ae_node *node; /* owned */
	/* The value is a DictConfig/ListConfig in OmegaConf terms (it came
	 * from the config or from oc.create), not a plain list/dict written
	 * in the arguments. oc.div/oc.divi only work elementwise on those. */
	int config;
	/* For a container of the config: the container as written (not
	 * resolved), which is what str() shows in OmegaConf; else NULL. */
	const ae_node *orig;
} ae_rval;

typedef struct ae_resolver_call {
	const char *name;
	const ae_rval *argv; /* borrowed */
	size_t argc;
	const ae_resolve_opts *opts; /* never NULL */
	const char *timestring;      /* the value for this resolution */
} ae_resolver_call;

/* Fill *out (caller owns out->node; out->orig may be set to the orig of an
 * argument returned as is) or return -1 with a message in msg. */
typedef int (*ae_resolver_fn)(const ae_resolver_call *call, ae_rval *out,
                              char *msg, size_t msgsize);

enum {
	AE_RESOLVER_TREE = 1u << 0,        /* evaluated by ae_interp */
	AE_RESOLVER_ENV = 1u << 1,         /* oc.env: may be deferred */
	AE_RESOLVER_UNSUPPORTED = 1u << 2, /* known but refused (oc.eval) */
};

typedef struct ae_resolver {
	const char *name;
	ae_resolver_fn fn; /* NULL for AE_RESOLVER_TREE */
	int min_args;
	int max_args; /* -1: any number */
	unsigned flags;
	const char *why; /* message for AE_RESOLVER_UNSUPPORTED */
} ae_resolver;

/* The builtin resolver called `name`, or NULL when there is none. */
const ae_resolver *ae_resolver_find(const char *name);

/* Check the argument count; 0 or -1 with a message. */
int ae_resolver_check_argc(const ae_resolver *r, size_t argc, char *msg,
                           size_t msgsize);

/* Python's repr(float) (shortest round trip; exponent below 1e-4 and from
 * 1e16 on: 1e-05, 0.0001, 100.0, 1e+16, inf, nan). buf: >= 32 bytes. */
void ae_py_float_repr(double d, char *buf, size_t size);

/* Python's str() / repr() of a value: None, True, 1.5, 'text', [1, 'a'],
 * {'k': 2}. Returns a malloc'ed string (caller frees) or NULL on ENOMEM. */
char *ae_py_str(const ae_node *v);
char *ae_py_repr(const ae_node *v);

/* Python truthiness. */
int ae_py_truthy(const ae_node *v);

/* Python float(v) / int(v). Return 0, or -1 for what Python reports as a
 * TypeError/ValueError (the predecessor's resolvers catch those), or -2
 * for an error they do not catch (int(inf): OverflowError; and an int
 * beyond 64 bits, which Python would allow). msg gets the reason. */
int ae_py_float(const ae_node *v, double *out, char *msg, size_t msgsize);
int ae_py_int(const ae_node *v, long long *out, char *msg, size_t msgsize);

#endif /* AE_RESOLVERS_H */
