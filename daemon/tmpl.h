/* Templates: the Danish mail texts in templates/*.txt and *.html, rendered with variables. No I/O.
 *
 * Syntax: {{navn}} a variable; {{#liste}}…{{/liste}} repeats for each item of a list (inside it {{.}} is the
 * item and {{nr}} its 1-based number) or shows its body once when a plain variable is non-empty;
 * {{^navn}}…{{/navn}} shows its body when the variable is empty or absent; {{! comment }}. In HTML templates
 * every value is HTML-escaped. */
#ifndef TOVHOLDER_TMPL_H
#define TOVHOLDER_TMPL_H

#include <stddef.h>

#include "err.h"

struct tmpl_vars;

struct tmpl_vars *tmpl_vars_new(void);
void tmpl_vars_free(struct tmpl_vars *v);
/* Sets a variable (copied); value NULL means empty. */
void tmpl_set(struct tmpl_vars *v, const char *name, const char *value);
/* Sets a list variable (items copied). */
void tmpl_set_list(struct tmpl_vars *v, const char *name, const char *const *items, size_t n);

enum tmpl_escape { TMPL_TEXT, TMPL_HTML };

/* Renders 'src' (named 'filename' in messages). An unknown variable, an unclosed or mismatched section, or
 * output over 1 MB is an error "filename:line: message" in err; returns NULL then. Caller frees. */
char *tmpl_render(const char *src, size_t len, const char *filename, const struct tmpl_vars *v,
		  enum tmpl_escape esc, struct err *err);
/* Checks the syntax only (no variables needed), with known variable names given as a NULL-terminated list
 * (NULL: any name). Every problem goes into d. 0 or -1. */
int tmpl_check(const char *src, size_t len, const char *filename, const char *const *known, struct diag *d);

#endif
