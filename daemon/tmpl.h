/* Templates: the Danish mail texts in templates/ (NAME.txt and NAME.html), rendered with variables. No I/O.
 *
 * Syntax: {{navn}} a variable; {{#liste}}…{{/liste}} repeats for each item of a list (inside it {{.}} is the
 * item and {{nr}} its 1-based number) or shows its body once when a plain variable is non-empty;
 * {{^navn}}…{{/navn}} shows its body when the variable is empty or absent; {{! comment }}; {{> navn}} the
 * partial of that name (tmpl_set_partial: the shared frame of every mail, templates/_NAME.EXT). In HTML templates
 * every value is HTML-escaped (& < > " '). A tag never spans lines. A line holding nothing but one section,
 * close or comment tag (and blanks) is dropped whole, as in mustache, so templates can be laid out readably.
 * Names are ASCII [A-Za-z0-9_]. A variable or {{#section}} that is not set at all is an error, so a typo in a
 * template fails loudly instead of sending a mail with a hole in it; {{^x}} accepts an absent x. */
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
/* Sets a table: a list whose items are rows of named columns (all copied), cells[row * ncols + col]. Inside
 * {{#name}}…{{/name}} each column is a variable of the current row ({{.}} is its first column). */
void tmpl_set_rows(struct tmpl_vars *v, const char *name, const char *const *cols, size_t ncols,
		   const char *const *cells, size_t nrows);
/* Sets a partial (copied): {{> name}} renders 'src' in its place with the same variables (not the list item
 * being repeated); messages about it name 'file'. A partial cannot use another partial. */
void tmpl_set_partial(struct tmpl_vars *v, const char *name, const char *src, size_t len, const char *file);

enum tmpl_escape { TMPL_TEXT, TMPL_HTML };

#define TMPL_MAX_DEPTH 8               /* sections nested deeper are an error */
/* Bytes of output (and of template source). An invitation renders to a few kB; a part over this is a
 * mistake in the template (a list inside a list), better refused at 'check' than sent to every invitee. */
#define TMPL_MAX_OUTPUT (256 * 1024)

/* The names every mail template in templates/ may use (documented in templates/README.md), NULL-terminated:
 * the 'known' list for tmpl_check (the columns of the tables included). Lists among them: dagsorden, aendringer,
 * linjer, ikke_svaret, stedfortraedere, afviste; tables: personer, gennemsyn. */
extern const char *const tmpl_mail_vars[];

/* Renders 'src' (named 'filename' in messages; src need not be NUL-terminated). An unknown variable, an
 * unclosed or mismatched section, an unterminated tag, nesting deeper than TMPL_MAX_DEPTH, or output over
 * TMPL_MAX_OUTPUT is an error "filename:line: message" in err (the first problem); returns NULL then. Caller frees. */
char *tmpl_render(const char *src, size_t len, const char *filename, const struct tmpl_vars *v,
		  enum tmpl_escape esc, struct err *err);
/* Checks the syntax only (no variables needed), with known variable names given as a NULL-terminated list
 * (NULL: any name; {{.}} and {{nr}} are allowed inside a {{#x}} section, not in a {{^x}} alone). It knows
 * names, not which are lists: "{{#online}}{{.}}{{/online}}" passes and then fails to render. Every problem
 * goes into d (appended). 0, or -1 when there was any. */
int tmpl_check(const char *src, size_t len, const char *filename, const char *const *known, struct diag *d);

#endif
