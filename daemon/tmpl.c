/* Template rendering: a small mustache subset for the Danish mail texts. No I/O.
 *
 * The source is first cut into tokens (text, variable, section open/close) by parse(), which also does the
 * mustache "standalone line" removal and every syntax check; a second pass checks that each name resolves;
 * only then is anything rendered. Section nesting is capped at TMPL_MAX_DEPTH by the parser, which is what
 * bounds the recursion in render_range(). The source is read by index below 'len' only, never as a C string,
 * because the fuzzer hands us buffers without a terminating NUL. */
#include "tmpl.h"
#include "buf.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A list of 10 items nested 8 deep with empty bodies would visit 10^8 tokens without producing a byte, so
 * the output cap alone does not bound the work; this does. */
#define TMPL_MAX_STEPS (1024UL * 1024)
#define TMPL_MAX_NAME 64

const char *const tmpl_mail_vars[] = {
	"gruppe", "navn", "organisation", "dato", "tid", "sted", "online", "link", "dagsorden",
	"tovholder", "tovholder_email", "referent", "aendringer", "svarfrist", "emne",
	/* the referent's mails (referat, fremmoede) */
	"linjer", "bilag", "efter_moedet",
	/* the tovholder's status mail: the table of invitees and of the mails waiting for review, the totals */
	"personer", "deltager", "svar", "kilde", "tidspunkt", "bemaerkning",
	"gennemsyn", "fra", "overskrift", "modtaget", "grund", "venter",
	"ikke_svaret", "stedfortraedere", "afviste", "har_ikke_svaret", "har_stedfortraedere", "har_afviste",
	"forslag", "kommentar", "har_forslag",
	"antal_inviterede", "antal_tilsagn", "antal_afbud", "antal_tentativ", "antal_autosvar", "antal_afvist",
	"antal_ikke_svaret", "antal_gennemsyn",
	"mappe_gennemsyn", "mappe_afbud", "mappe_tilsagn", "mappe_ignorer", "mappe_fremmoede",
	/* the answer to a Teams report moved into the attendance folder (teamsrapport) */
	"rapport", "fundet", "gaester", "ikke_placeret", "har_gaester", "har_ikke_placeret", "antal_fundet",
	"antal_ikke_placeret", NULL,
};

struct tmpl_var {
	char *name;
	char *value;   /* plain variable: never NULL ("" when empty) */
	char **items;  /* list variable (rows: the first column) */
	size_t nitems;
	int is_list;
	char **cols;   /* rows: the column names, and cells[row * ncols + col] */
	size_t ncols;
	char **cells;
};

struct tmpl_partial {
	char *name, *file, *src;
	size_t len;
};

struct tmpl_vars {
	struct tmpl_var *v;
	size_t n, alloc;
	struct tmpl_partial *p;
	size_t np;
};

enum tok_kind { TOK_TEXT, TOK_VAR, TOK_OPEN, TOK_INVERT, TOK_CLOSE, TOK_PARTIAL };

struct tok {
	enum tok_kind kind;
	size_t off, len;  /* TEXT: the bytes; tags: the name */
	int line;
	size_t end;       /* OPEN/INVERT: index of the matching CLOSE */
};

struct parse {
	const char *src;
	size_t len;
	const char *file;
	struct diag *d;
	struct tok *toks;
	size_t n, alloc;
	size_t stack[TMPL_MAX_DEPTH];  /* indexes of the open sections */
	size_t depth;
	size_t excess;                 /* sections opened beyond the cap: closed without name checks */
};

/* What a name resolves to in the current context. */
struct val {
	int kind;  /* 0 absent, 1 plain, 2 list */
	const char *s;
	const struct tmpl_var *list;
};

struct frame {
	const struct tmpl_var *list;
	size_t idx;
};

struct render {
	const struct parse *p;
	const struct tmpl_vars *v;
	enum tmpl_escape esc;
	struct buf *out;
	int in_partial;            /* partials do not nest: that bounds the recursion through them */
	struct frame frames[TMPL_MAX_DEPTH];
	size_t nframes;
	unsigned long steps;
	char nrbuf[24];
	struct err *err;
};

struct tmpl_vars *tmpl_vars_new(void)
{
	return xcalloc(1, sizeof(struct tmpl_vars));
}

static void var_clear(struct tmpl_var *t)
{
	free(t->value);
	for (size_t i = 0; i < t->nitems; i++)
		free(t->items[i]);
	for (size_t i = 0; i < t->nitems * t->ncols; i++)
		free(t->cells[i]);
	for (size_t i = 0; i < t->ncols; i++)
		free(t->cols[i]);
	free(t->items);
	free(t->cells);
	free(t->cols);
	t->value = NULL;
	t->items = NULL;
	t->cells = NULL;
	t->cols = NULL;
	t->nitems = 0;
	t->ncols = 0;
	t->is_list = 0;
}

void tmpl_vars_free(struct tmpl_vars *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		var_clear(&v->v[i]);
		free(v->v[i].name);
	}
	for (size_t i = 0; i < v->np; i++) {
		free(v->p[i].name);
		free(v->p[i].file);
		free(v->p[i].src);
	}
	free(v->p);
	free(v->v);
	free(v);
}

static const struct tmpl_var *vars_find(const struct tmpl_vars *v, const char *name, size_t len)
{
	for (size_t i = 0; v && i < v->n; i++)
		if (strlen(v->v[i].name) == len && memcmp(v->v[i].name, name, len) == 0)
			return &v->v[i];
	return NULL;
}

/* The slot for 'name', emptied, or a new one. */
static struct tmpl_var *vars_slot(struct tmpl_vars *v, const char *name)
{
	struct tmpl_var *t = (struct tmpl_var *)vars_find(v, name, strlen(name));

	if (t) {
		var_clear(t);
		return t;
	}
	if (v->n == v->alloc) {
		v->alloc = v->alloc ? 2 * v->alloc : 16;
		v->v = xrealloc(v->v, v->alloc * sizeof(*v->v));
	}
	t = &v->v[v->n++];
	memset(t, 0, sizeof(*t));
	t->name = xstrdup(name);
	return t;
}

void tmpl_set(struct tmpl_vars *v, const char *name, const char *value)
{
	struct tmpl_var *t = vars_slot(v, name);

	t->value = xstrdup(value ? value : "");
}

void tmpl_set_list(struct tmpl_vars *v, const char *name, const char *const *items, size_t n)
{
	struct tmpl_var *t = vars_slot(v, name);

	t->is_list = 1;
	t->items = xcalloc(n ? n : 1, sizeof(*t->items));
	for (size_t i = 0; i < n; i++)
		t->items[i] = xstrdup(items[i] ? items[i] : "");
	t->nitems = n;
}

void tmpl_set_rows(struct tmpl_vars *v, const char *name, const char *const *cols, size_t ncols,
		   const char *const *cells, size_t nrows)
{
	struct tmpl_var *t = vars_slot(v, name);

	t->is_list = 1;
	t->items = xcalloc(nrows ? nrows : 1, sizeof(*t->items));
	t->cols = xcalloc(ncols ? ncols : 1, sizeof(*t->cols));
	t->cells = xcalloc(nrows * ncols + 1, sizeof(*t->cells));
	for (size_t c = 0; c < ncols; c++)
		t->cols[c] = xstrdup(cols[c]);
	for (size_t i = 0; i < nrows * ncols; i++)
		t->cells[i] = xstrdup(cells[i] ? cells[i] : "");
	for (size_t r = 0; r < nrows; r++)
		t->items[r] = xstrdup(ncols && cells[r * ncols] ? cells[r * ncols] : "");
	t->nitems = nrows;
	t->ncols = ncols;
}

void tmpl_set_partial(struct tmpl_vars *v, const char *name, const char *src, size_t len, const char *file)
{
	struct tmpl_partial *pt = NULL;

	for (size_t i = 0; i < v->np && !pt; i++)
		if (strcmp(v->p[i].name, name) == 0)
			pt = &v->p[i];
	if (!pt) {
		v->p = xrealloc(v->p, (v->np + 1) * sizeof(*v->p));
		pt = &v->p[v->np++];
		pt->name = xstrdup(name);
	} else {
		free(pt->file);
		free(pt->src);
	}
	pt->file = xstrdup(file ? file : name);
	pt->src = xmalloc(len + 1);
	memcpy(pt->src, src, len);
	pt->src[len] = '\0';
	pt->len = len;
}

static const struct tmpl_partial *partial_find(const struct tmpl_vars *v, const char *name, size_t len)
{
	for (size_t i = 0; v && i < v->np; i++)
		if (strlen(v->p[i].name) == len && memcmp(v->p[i].name, name, len) == 0)
			return &v->p[i];
	return NULL;
}

/* --- parsing --- */

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int name_valid(const char *s, size_t len)
{
	if (len == 1 && s[0] == '.')
		return 1;
	if (len == 0 || len > TMPL_MAX_NAME)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

static int name_is(const struct parse *p, const struct tok *t, const char *name)
{
	return t->len == strlen(name) && memcmp(p->src + t->off, name, t->len) == 0;
}

static struct tok *tok_add(struct parse *p, enum tok_kind kind, size_t off, size_t len, int line)
{
	struct tok *t;

	if (p->n == p->alloc) {
		p->alloc = p->alloc ? 2 * p->alloc : 64;
		p->toks = xrealloc(p->toks, p->alloc * sizeof(*p->toks));
	}
	t = &p->toks[p->n++];
	t->kind = kind;
	t->off = off;
	t->len = len;
	t->line = line;
	t->end = 0;
	return t;
}

static void text_add(struct parse *p, size_t from, size_t to, int line)
{
	if (to > from)
		tok_add(p, TOK_TEXT, from, to - from, line);
}

static char sigil(enum tok_kind k)
{
	return k == TOK_INVERT ? '^' : k == TOK_CLOSE ? '/' : k == TOK_PARTIAL ? '>' : '#';
}

static void section_open(struct parse *p, size_t idx)
{
	const struct tok *t = &p->toks[idx];

	if (p->depth == TMPL_MAX_DEPTH || p->excess) {
		if (!p->excess)
			diag_add(p->d, p->file, t->line, "sections nested deeper than %d at '{{%c%.*s}}'",
				 TMPL_MAX_DEPTH, sigil(t->kind), (int)t->len, p->src + t->off);
		p->excess++;
		return;
	}
	p->stack[p->depth++] = idx;
}

static void section_close(struct parse *p, size_t idx)
{
	const struct tok *t = &p->toks[idx];
	const char *name = p->src + t->off;
	int n = (int)t->len;

	if (p->excess) {
		p->excess--;
		return;
	}
	if (p->depth == 0) {
		diag_add(p->d, p->file, t->line, "'{{/%.*s}}' closes no open section", n, name);
		return;
	}
	const struct tok *top = &p->toks[p->stack[p->depth - 1]];
	if (top->len == t->len && memcmp(p->src + top->off, name, t->len) == 0) {
		p->toks[p->stack[--p->depth]].end = idx;
		return;
	}
	diag_add(p->d, p->file, t->line, "'{{/%.*s}}' does not match '{{%c%.*s}}' from line %d", n, name,
		 sigil(top->kind), (int)top->len, p->src + top->off, top->line);
	/* Recover for the remaining checks: if an outer section has this name, close up to it. */
	for (size_t k = p->depth; k-- > 0;) {
		struct tok *o = &p->toks[p->stack[k]];
		if (o->len == t->len && memcmp(p->src + o->off, name, t->len) == 0) {
			o->end = idx;
			p->depth = k;
			return;
		}
	}
}

enum tag_class { TAG_BAD = -1, TAG_VAR, TAG_SECTION, TAG_COMMENT, TAG_PARTIAL };

/* Classifies the tag whose inside is src[a..b) at 'line'. A variable or section sets *ret_kind and the name in
 * src[*ret_a..*ret_b). A bad tag is reported. */
static enum tag_class tag_classify(struct parse *p, size_t a, size_t b, int line, enum tok_kind *ret_kind,
				   size_t *ret_a, size_t *ret_b)
{
	enum tok_kind kind = TOK_VAR;
	const char *s = p->src;
	size_t tag_a = a, tag_b = b;

	while (a < b && is_blank(s[a]))
		a++;
	while (b > a && is_blank(s[b - 1]))
		b--;
	if (a < b && s[a] == '!')
		return TAG_COMMENT;
	if (a < b && (s[a] == '#' || s[a] == '^' || s[a] == '/' || s[a] == '>')) {
		kind = s[a] == '#' ? TOK_OPEN : s[a] == '^' ? TOK_INVERT : s[a] == '/' ? TOK_CLOSE : TOK_PARTIAL;
		a++;
		while (a < b && is_blank(s[a]))
			a++;
	}
	if (!name_valid(s + a, b - a) || (kind == TOK_PARTIAL && s[a] == '.')) {
		size_t shown = tag_b - tag_a > 40 ? 40 : tag_b - tag_a;
		diag_add(p->d, p->file, line, "bad tag '{{%.*s}}'", (int)shown, s + tag_a);
		return TAG_BAD;
	}
	*ret_kind = kind;
	*ret_a = a;
	*ret_b = b;
	return kind == TOK_VAR ? TAG_VAR : kind == TOK_PARTIAL ? TAG_PARTIAL : TAG_SECTION;
}

/* If the tag src[tag..tag_end) is alone on its line (after 'text', where the last tag ended), sets *ret_ls
 * to the start of that line and returns the offset just after the line's end; else returns 0. */
static size_t standalone(const struct parse *p, size_t text, size_t tag, size_t tag_end, size_t *ret_ls)
{
	const char *s = p->src;
	size_t ls = tag, k = tag_end;

	while (ls > text && is_blank(s[ls - 1]))
		ls--;
	if (ls > 0 && s[ls - 1] != '\n')
		return 0;
	while (k < p->len && is_blank(s[k]))
		k++;
	if (k < p->len && s[k] == '\r' && k + 1 < p->len && s[k + 1] == '\n')
		k++;
	if (k < p->len && s[k] != '\n')
		return 0;
	*ret_ls = ls;
	return k < p->len ? k + 1 : p->len;
}

/* The offset of the "}}" closing the tag opened at 'i', or of the line end / source end when there is none. */
static size_t tag_end(const struct parse *p, size_t i)
{
	const char *s = p->src;
	size_t j = i + 2;

	while (j < p->len && s[j] != '\n' && !(s[j] == '}' && j + 1 < p->len && s[j + 1] == '}'))
		j++;
	return j;
}

/* Cuts the source into tokens; every syntax problem goes into p->d. */
static void parse(struct parse *p)
{
	const char *s = p->src;
	size_t i = 0, text = 0;
	int line = 1, text_line = 1;

	while (i < p->len) {
		if (s[i] == '\n') {
			line++;
			i++;
			continue;
		}
		if (s[i] != '{' || i + 1 >= p->len || s[i + 1] != '{') {
			i++;
			continue;
		}
		size_t j = tag_end(p, i);
		if (j >= p->len || s[j] == '\n') {
			diag_add(p->d, p->file, line, "unterminated tag '{{' (no '}}' on the same line)");
			i = j;  /* go on after it, to find more problems */
			continue;
		}
		enum tok_kind kind = TOK_VAR;
		size_t na = 0, nb = 0, ls = i, after = 0;
		enum tag_class c = tag_classify(p, i + 2, j, line, &kind, &na, &nb);
		if (c == TAG_SECTION || c == TAG_COMMENT || c == TAG_PARTIAL)
			after = standalone(p, text, i, j + 2, &ls);
		if (!after) {
			ls = i;
			after = j + 2;
		}
		text_add(p, text, ls, text_line);
		if (c == TAG_VAR || c == TAG_SECTION || c == TAG_PARTIAL) {
			tok_add(p, kind, na, nb - na, line);
			if (kind == TOK_OPEN || kind == TOK_INVERT)
				section_open(p, p->n - 1);
			else if (kind == TOK_CLOSE)
				section_close(p, p->n - 1);
		}
		if (after > j + 2 && s[after - 1] == '\n')
			line++;
		i = text = after;
		text_line = line;
	}
	text_add(p, text, p->len, text_line);
	for (size_t k = 0; k < p->depth; k++) {
		const struct tok *t = &p->toks[p->stack[k]];
		diag_add(p->d, p->file, t->line, "unclosed section '{{%c%.*s}}'", sigil(t->kind), (int)t->len,
			 p->src + t->off);
	}
}

static void parse_init(struct parse *p, const char *src, size_t len, const char *file, struct diag *d)
{
	memset(p, 0, sizeof(*p));
	p->src = src ? src : "";
	p->len = src ? len : 0;
	p->file = file ? file : "template";
	p->d = d;
}

/* --- rendering --- */

static int render_fail(struct render *r, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int render_fail(struct render *r, int line, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(r->err, "%s:%d: %s", r->p->file, line, msg);
}

/* "." and "nr" belong to the innermost list section being repeated; every other name to the variables. */
static struct val lookup(struct render *r, const struct tok *t)
{
	struct val v = { 0, NULL, NULL };
	const struct tmpl_var *tv;

	if (r->nframes && (name_is(r->p, t, ".") || name_is(r->p, t, "nr"))) {
		const struct frame *f = &r->frames[r->nframes - 1];
		v.kind = 1;
		if (name_is(r->p, t, ".")) {
			v.s = f->list->items[f->idx];
		} else {
			snprintf(r->nrbuf, sizeof(r->nrbuf), "%zu", f->idx + 1);
			v.s = r->nrbuf;
		}
		return v;
	}
	if (name_is(r->p, t, "."))
		return v;
	/* a column of a table being repeated, the innermost first */
	for (size_t k = r->nframes; k-- > 0;) {
		const struct frame *f = &r->frames[k];
		for (size_t c = 0; c < f->list->ncols; c++)
			if (name_is(r->p, t, f->list->cols[c])) {
				v.kind = 1;
				v.s = f->list->cells[f->idx * f->list->ncols + c];
				return v;
			}
	}
	tv = vars_find(r->v, r->p->src + t->off, t->len);
	if (tv && tv->is_list) {
		v.kind = 2;
		v.list = tv;
	} else if (tv) {
		v.kind = 1;
		v.s = tv->value;
	}
	return v;
}

/* The kind a name will have when rendered, known before rendering: open[0..depth) are the enclosing sections,
 * each the list it repeats or NULL. A list's variable goes to *ret_list. */
static int static_kind(const struct render *r, const struct tok *t, const struct tmpl_var *const *open,
		       size_t depth, const struct tmpl_var **ret_list)
{
	const struct tmpl_var *tv;
	int in_list = 0;

	for (size_t k = depth; k-- > 0;) {
		if (!open[k])
			continue;
		in_list = 1;
		for (size_t c = 0; c < open[k]->ncols; c++)
			if (name_is(r->p, t, open[k]->cols[c]))
				return 1;
	}
	if (name_is(r->p, t, "."))
		return in_list ? 1 : 0;
	if (in_list && name_is(r->p, t, "nr"))
		return 1;
	tv = vars_find(r->v, r->p->src + t->off, t->len);
	*ret_list = tv && tv->is_list ? tv : NULL;
	return !tv ? 0 : tv->is_list ? 2 : 1;
}

/* Every name must resolve wherever it stands, rendered or not: a typo inside {{#online}} must fail on the
 * test with online="" too, not only on the day of the first online meeting. */
static int names_check(struct render *r)
{
	const struct tmpl_var *open[TMPL_MAX_DEPTH];
	size_t depth = 0;

	for (size_t i = 0; i < r->p->n; i++) {
		const struct tok *t = &r->p->toks[i];
		const struct tmpl_var *list = NULL;
		const char *name = r->p->src + t->off;
		int n = (int)t->len;
		if (t->kind == TOK_TEXT)
			continue;
		if (t->kind == TOK_CLOSE) {
			if (depth)
				depth--;
			continue;
		}
		if (t->kind == TOK_PARTIAL) {
			if (r->in_partial)
				return render_fail(r, t->line, "'{{>%.*s}}' inside a partial: partials do not nest", n,
						   name);
			if (!partial_find(r->v, name, t->len))
				return render_fail(r, t->line, "unknown partial '%.*s'", n, name);
			continue;
		}
		int k = static_kind(r, t, open, depth, &list);
		if (k == 0 && t->kind != TOK_INVERT) {
			if (name_is(r->p, t, "."))
				return render_fail(r, t->line, "'{{.}}' outside a list section");
			return render_fail(r, t->line, "unknown variable '%.*s'", n, name);
		}
		if (t->kind == TOK_VAR) {
			if (k == 2)
				return render_fail(r, t->line, "'%.*s' is a list: write {{#%.*s}}{{.}}{{/%.*s}}", n,
						   name, n, name, n, name);
			continue;
		}
		if (depth == TMPL_MAX_DEPTH)  /* the parser already refused this */
			return render_fail(r, t->line, "sections nested deeper than %d", TMPL_MAX_DEPTH);
		open[depth++] = t->kind == TOK_OPEN && k == 2 ? list : NULL;
	}
	return 0;
}

static int emit(struct render *r, int line, const char *s, size_t len)
{
	if (buf_add(r->out, s, len) < 0)
		return render_fail(r, line, "output over %d kB", TMPL_MAX_OUTPUT / 1024);
	return 0;
}

static int emit_value(struct render *r, int line, const char *s)
{
	const char *run = s;

	if (r->esc == TMPL_TEXT)
		return emit(r, line, s, strlen(s));
	for (; *s; s++) {
		const char *rep;
		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		if (emit(r, line, run, (size_t)(s - run)) < 0 || emit(r, line, rep, strlen(rep)) < 0)
			return -1;
		run = s + 1;
	}
	return emit(r, line, run, (size_t)(s - run));
}

static int render_range(struct render *r, size_t from, size_t to, int depth);

/* {{> name}}: the partial's own source, parsed and rendered into the same output with the same variables (not
 * the list item being repeated). Its messages name its own file. */
static int render_partial(struct render *r, const struct tok *t)
{
	const struct tmpl_partial *pt = partial_find(r->v, r->p->src + t->off, t->len);
	struct render sub;
	struct parse p;
	struct diag d;
	int rc = -1;

	if (!pt || r->in_partial)  /* names_check refused both */
		return render_fail(r, t->line, "bad partial '%.*s'", (int)t->len, r->p->src + t->off);
	diag_init(&d);
	parse_init(&p, pt->src, pt->len, pt->file, &d);
	parse(&p);
	if (d.n) {
		err_set(r->err, "%s", d.msgs[0]);
		goto out;
	}
	sub = *r;
	sub.p = &p;
	sub.nframes = 0;
	sub.in_partial = 1;
	if (names_check(&sub) == 0 && render_range(&sub, 0, p.n, 0) == 0)
		rc = 0;
	r->steps = sub.steps;
out:
	free(p.toks);
	diag_release(&d);
	return rc;
}

/* Renders tokens [from, to). 'depth' is bounded by TMPL_MAX_DEPTH because the parser refuses deeper
 * nesting; the check here only guards that promise. */
static int render_range(struct render *r, size_t from, size_t to, int depth)
{
	if (depth > TMPL_MAX_DEPTH)
		return err_set(r->err, "%s: sections nested deeper than %d", r->p->file, TMPL_MAX_DEPTH);
	for (size_t i = from; i < to; i++) {
		const struct tok *t = &r->p->toks[i];
		struct val v;
		if (++r->steps > TMPL_MAX_STEPS)
			return render_fail(r, t->line, "template expands too much (over %lu steps)", TMPL_MAX_STEPS);
		if (t->kind == TOK_TEXT) {
			if (emit(r, t->line, r->p->src + t->off, t->len) < 0)
				return -1;
			continue;
		}
		if (t->kind == TOK_CLOSE)
			continue;
		if (t->kind == TOK_PARTIAL) {
			if (render_partial(r, t) < 0)
				return -1;
			continue;
		}
		v = lookup(r, t);
		if (t->kind == TOK_VAR) {
			if (v.kind != 1)
				return render_fail(r, t->line, "unknown variable '%.*s'", (int)t->len,
						   r->p->src + t->off);
			if (emit_value(r, t->line, v.s) < 0)
				return -1;
			continue;
		}
		int empty = v.kind == 0 || (v.kind == 1 && !v.s[0]) || (v.kind == 2 && !v.list->nitems);
		if (t->kind == TOK_INVERT || v.kind == 1) {
			if ((t->kind == TOK_INVERT) == empty && render_range(r, i + 1, t->end, depth + 1) < 0)
				return -1;
		} else if (v.kind == 2) {
			for (size_t k = 0; k < v.list->nitems; k++) {
				if (r->nframes == TMPL_MAX_DEPTH)
					return render_fail(r, t->line, "sections nested deeper than %d", TMPL_MAX_DEPTH);
				r->frames[r->nframes].list = v.list;
				r->frames[r->nframes++].idx = k;
				int rc = render_range(r, i + 1, t->end, depth + 1);
				r->nframes--;
				if (rc < 0)
					return -1;
			}
		} else {
			return render_fail(r, t->line, "unknown variable '%.*s'", (int)t->len, r->p->src + t->off);
		}
		i = t->end;
	}
	return 0;
}

char *tmpl_render(const char *src, size_t len, const char *filename, const struct tmpl_vars *v,
		  enum tmpl_escape esc, struct err *err)
{
	struct diag d;
	struct parse p;
	struct render r;
	struct buf out;
	char *res = NULL;

	diag_init(&d);
	parse_init(&p, src, len, filename, &d);
	memset(&r, 0, sizeof(r));
	buf_init(&out);
	out.cap = TMPL_MAX_OUTPUT;
	r.out = &out;
	r.p = &p;
	r.v = v;
	r.esc = esc;
	r.err = err;
	if (p.len > TMPL_MAX_OUTPUT) {
		err_set(err, "%s: template over %d kB", p.file, TMPL_MAX_OUTPUT / 1024);
		goto out;
	}
	parse(&p);
	if (d.n) {
		err_set(err, "%s", d.msgs[0]);
		goto out;
	}
	if (names_check(&r) < 0 || render_range(&r, 0, p.n, 0) < 0)
		goto out;
	res = buf_detach(&out, NULL);
out:
	buf_release(&out);
	free(p.toks);
	diag_release(&d);
	return res;
}

static int known_has(const char *const *known, const char *name, size_t len)
{
	for (; *known; known++)
		if (strlen(*known) == len && memcmp(*known, name, len) == 0)
			return 1;
	return 0;
}

int tmpl_check(const char *src, size_t len, const char *filename, const char *const *known, struct diag *d)
{
	struct parse p;
	size_t before = d->n, depth = 0, repeating = 0;
	int opened[TMPL_MAX_DEPTH + 1];   /* per open section: 1 for {{#x}}, which may repeat a list */

	parse_init(&p, src, len, filename, d);
	if (p.len > TMPL_MAX_OUTPUT) {
		diag_add(d, p.file, 0, "template over %d kB", TMPL_MAX_OUTPUT / 1024);
		return -1;
	}
	parse(&p);
	for (size_t i = 0; i < p.n; i++) {
		const struct tok *t = &p.toks[i];
		if (t->kind == TOK_TEXT || t->kind == TOK_PARTIAL)
			continue;
		if (t->kind == TOK_CLOSE) {
			if (depth)
				repeating -= (size_t)opened[--depth];
			continue;
		}
		/* {{.}} and {{nr}} are the current item of a list: only inside a {{#x}}, never in a {{^x}}
		 * alone, which is rendered when x is empty */
		if (name_is(&p, t, ".")) {
			if (!repeating)
				diag_add(d, p.file, t->line, "'{{.}}' outside a {{#list}} section");
		} else if (!(repeating && name_is(&p, t, "nr")) && known &&
			   !known_has(known, p.src + t->off, t->len)) {
			diag_add(d, p.file, t->line, "unknown variable '%.*s'", (int)t->len, p.src + t->off);
		}
		if (t->kind != TOK_VAR && depth <= TMPL_MAX_DEPTH) {
			opened[depth++] = t->kind == TOK_OPEN;
			repeating += t->kind == TOK_OPEN;
		}
	}
	free(p.toks);
	return d->n > before ? -1 : 0;
}
