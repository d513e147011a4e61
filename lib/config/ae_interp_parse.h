/* ae_interp_parse: the OmegaConf 2.2 interpolation grammar, parsed into a
 * small syntax tree that ae_interp evaluates.
 *
 * The grammar is OmegaConf's OmegaConfGrammarLexer.g4/OmegaConfGrammarParser.g4
 * (an ANTLR grammar). There is no maintained C runtime for ANTLR 4, and the
 * grammar is small and regular, so it is parsed by hand here: one function
 * per lexer mode (top level, value, interpolation, quoted) doing ANTLR's
 * longest-match token choice, and recursive descent for the parser rules.
 *
 * Escapes are applied while parsing (they depend only on the neighbouring
 * tokens), so literal pieces hold their final text. Our one extension: "$${"
 * is an escape of "${" at top level and in quoted strings (not in unquoted
 * resolver arguments, where OmegaConf has no "\${" escape either).
 *
 * Ownership: a parse result owns all its nodes; free it with
 * ae_ip_tree_free().
 */
#ifndef AE_INTERP_PARSE_H
#define AE_INTERP_PARSE_H

#include <stddef.h>

/* Token kinds kept on primitive pieces: a primitive made of one token is
 * typed by it (OmegaConf's _createPrimitive). */
typedef enum ae_ip_tok {
	AE_IP_TOK_TEXT = 0, /* anything kept as text (ID, UNQUOTED_CHAR...) */
	AE_IP_TOK_NULL,
	AE_IP_TOK_INT,
	AE_IP_TOK_FLOAT,
	AE_IP_TOK_BOOL,
	AE_IP_TOK_ESC, /* already unescaped */
	AE_IP_TOK_WS,
} ae_ip_tok;

typedef struct ae_ip_interp ae_ip_interp;
typedef struct ae_ip_elem ae_ip_elem;

/* One piece of a text: a literal (final text) or an interpolation. */
typedef struct ae_ip_piece {
	ae_ip_interp *interp; /* NULL for a literal */
	const char *lit;      /* NUL-terminated literal text */
	size_t len;
	ae_ip_tok tok;
} ae_ip_piece;

/* The grammar's `text` (top level, quoted strings) and `primitive`. */
typedef struct ae_ip_text {
	ae_ip_piece *pieces;
	size_t n;
} ae_ip_text;

typedef enum ae_ip_elem_kind {
	AE_IP_PRIMITIVE,
	AE_IP_QUOTED,
	AE_IP_LIST,
	AE_IP_DICT,
} ae_ip_elem_kind;

struct ae_ip_elem {
	ae_ip_elem_kind kind;
	ae_ip_text text;    /* PRIMITIVE, QUOTED */
	ae_ip_elem **items; /* LIST items, DICT values */
	ae_ip_text *keys;   /* DICT keys */
	size_t n;
};

struct ae_ip_interp {
	int is_resolver;
	/* Node interpolation: the key path as pieces ("." "[" "]" are
	 * literals, keys literal or nested interpolations), to be joined and
	 * split again like OmegaConf does. Resolver: the name, same way. */
	ae_ip_text key;
	ae_ip_elem **args; /* resolver arguments */
	size_t nargs;
	const char *src; /* the interpolation's own text, "${...}" */
	size_t offset;   /* where it starts in the parsed string */
};

typedef struct ae_ip_tree ae_ip_tree;

/* Parse a config string value (the grammar's configValue). Returns the
 * tree, or NULL with a message in errbuf (which includes the offset). */
ae_ip_tree *ae_ip_parse_value(const char *s, size_t len, char *errbuf,
                              size_t errsize);
/* Parse one element (the grammar's singleElement; used by oc.decode). */
ae_ip_tree *ae_ip_parse_element(const char *s, size_t len, char *errbuf,
                                size_t errsize);
void ae_ip_tree_free(ae_ip_tree *tree);

/* The parsed value (for ae_ip_parse_value) or NULL. */
const ae_ip_text *ae_ip_tree_text(const ae_ip_tree *tree);
/* The parsed element (for ae_ip_parse_element) or NULL. */
const ae_ip_elem *ae_ip_tree_elem(const ae_ip_tree *tree);

#endif /* AE_INTERP_PARSE_H */
