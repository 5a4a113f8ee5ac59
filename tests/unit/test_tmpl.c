/* Unit tests for tmpl.c: rendering, every error with its line, tmpl_check, robustness on random input, and
 * every real template in templates/ (TOVHOLDER_TEMPLATES overrides the directory). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "tmpl.h"
#include "util.h"

#define BIG_VALUE (200 * 1024)   /* one fits under TMPL_MAX_OUTPUT, two do not */

static struct tmpl_vars *std_vars(void)
{
	static const char *const liste[] = { "a", "b", "c" };
	static const char *const liste2[] = { "x", "y" };
	static const char *const ti[] = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" };
	struct tmpl_vars *v = tmpl_vars_new();
	char *big = xmalloc(BIG_VALUE + 1);

	memset(big, 'x', BIG_VALUE);
	big[BIG_VALUE] = '\0';
	tmpl_set(v, "navn", "Anna Testesen");
	tmpl_set(v, "gruppe", "Netværksgruppe Børn og Unge");
	tmpl_set(v, "tom", "");
	tmpl_set(v, "null", NULL);
	tmpl_set(v, "html", "<b>\"Tom\" & 'Jerry'</b>");
	tmpl_set(v, "stor", big);
	tmpl_set_list(v, "liste", liste, 3);
	tmpl_set_list(v, "liste2", liste2, 2);
	tmpl_set_list(v, "tomliste", NULL, 0);
	tmpl_set_list(v, "ti", ti, 10);
	{
		static const char *const cols[] = { "a", "b" };
		static const char *const cells[] = { "x", "1", "<y>", "2" };
		tmpl_set_rows(v, "tabel", cols, 2, cells, 2);
		tmpl_set_rows(v, "tomtabel", cols, 2, NULL, 0);
	}
	tmpl_set_partial(v, "hoved", "Hej {{navn}}\n", 13, "_hoved.txt");
	tmpl_set_partial(v, "brudt", "ok\n{{#tom}}\n", 13, "_brudt.txt");
	tmpl_set_partial(v, "indlejret", "{{> hoved}}", 11, "_indlejret.txt");
	tmpl_set_partial(v, "punkt", "[{{.}}]", 7, "_punkt.txt");
	free(big);
	return v;
}

static const struct render_case {
	const char *src;
	enum tmpl_escape esc;
	const char *want;  /* NULL: an error */
	const char *err;   /* the exact message when want is NULL */
} render_cases[] = {
	/* variables */
	{ "Hej", TMPL_TEXT, "Hej", NULL },
	{ "", TMPL_TEXT, "", NULL },
	{ "Kære {{navn}}", TMPL_TEXT, "Kære Anna Testesen", NULL },
	{ "Kære {{ navn }}!", TMPL_TEXT, "Kære Anna Testesen!", NULL },
	{ "Møde i {{gruppe}}", TMPL_TEXT, "Møde i Netværksgruppe Børn og Unge", NULL },
	{ "[{{tom}}][{{null}}]", TMPL_TEXT, "[][]", NULL },
	{ "a { b } c }} {x}", TMPL_TEXT, "a { b } c }} {x}", NULL },
	{ "a{", TMPL_TEXT, "a{", NULL },
	{ "{{navn}}}", TMPL_TEXT, "Anna Testesen}", NULL },
	/* lists */
	{ "{{#liste}}{{nr}}. {{.}}\n{{/liste}}", TMPL_TEXT, "1. a\n2. b\n3. c\n", NULL },
	{ "{{#liste}}{{.}}/{{navn}};{{/liste}}", TMPL_TEXT, "a/Anna Testesen;b/Anna Testesen;c/Anna Testesen;",
	  NULL },
	{ "{{#liste}}{{#liste2}}{{nr}}{{.}}{{/liste2}}|{{nr}}{{.}};{{/liste}}", TMPL_TEXT,
	  "1x2y|1a;1x2y|2b;1x2y|3c;", NULL },
	{ "a{{#tomliste}}x{{/tomliste}}b", TMPL_TEXT, "ab", NULL },
	{ "{{^tomliste}}ingen{{/tomliste}}{{^liste}}nogle{{/liste}}", TMPL_TEXT, "ingen", NULL },
	{ "{{#liste}}{{#.}}[{{.}}]{{/.}}{{/liste}}", TMPL_TEXT, "[a][b][c]", NULL },
	/* conditionals and inverted sections */
	{ "{{#navn}}ja{{/navn}}", TMPL_TEXT, "ja", NULL },
	{ "{{#tom}}ja{{/tom}}{{#null}}ja{{/null}}", TMPL_TEXT, "", NULL },
	{ "{{^tom}}tom{{/tom}}", TMPL_TEXT, "tom", NULL },
	{ "{{^navn}}x{{/navn}}", TMPL_TEXT, "", NULL },
	{ "{{^ikke_sat}}ok{{/ikke_sat}}", TMPL_TEXT, "ok", NULL },
	{ "{{#navn}}{{#tom}}a{{/tom}}{{^tom}}b{{/tom}}{{/navn}}", TMPL_TEXT, "b", NULL },
	/* standalone lines disappear whole; other lines keep their tags' surroundings */
	{ "a\n{{#navn}}\nb\n{{/navn}}\nc\n", TMPL_TEXT, "a\nb\nc\n", NULL },
	{ "a\n{{#tom}}\nb\n{{/tom}}\nc\n", TMPL_TEXT, "a\nc\n", NULL },
	{ "a\r\n  {{#tom}}  \r\nb\r\n\t{{/tom}}\r\nc", TMPL_TEXT, "a\r\nc", NULL },
	{ "{{#navn}}\nx\n{{/navn}}", TMPL_TEXT, "x\n", NULL },
	{ "a {{#navn}}b{{/navn}}\n", TMPL_TEXT, "a b\n", NULL },
	{ "{{#navn}}b{{/navn}}\n", TMPL_TEXT, "b\n", NULL },
	{ "L:\n{{#liste}}\n- {{.}}\n{{/liste}}\nslut", TMPL_TEXT, "L:\n- a\n- b\n- c\nslut", NULL },
	{ "{{tom}}\nx", TMPL_TEXT, "\nx", NULL },
	{ "a{{! en note }}b", TMPL_TEXT, "ab", NULL },
	{ "a\n  {{! en note }}\nb", TMPL_TEXT, "a\nb", NULL },
	/* tables: each column is a variable of its row; {{.}} the first column */
	{ "{{#tabel}}{{nr}}:{{a}}/{{b}}/{{.}};{{/tabel}}", TMPL_TEXT, "1:x/1/x;2:<y>/2/<y>;", NULL },
	{ "<tr>{{#tabel}}<td>{{a}}</td>{{/tabel}}</tr>", TMPL_HTML, "<tr><td>x</td><td>&lt;y&gt;</td></tr>", NULL },
	{ "{{#tabel}}{{#liste2}}{{a}}{{.}}{{/liste2}}{{/tabel}}", TMPL_TEXT, "xxxy<y>x<y>y", NULL },
	{ "{{^tomtabel}}ingen{{/tomtabel}}{{#tomtabel}}{{a}}{{/tomtabel}}", TMPL_TEXT, "ingen", NULL },
	{ "{{#tabel}}{{/tabel}}{{a}}", TMPL_TEXT, NULL, "t.txt:1: unknown variable 'a'" },
	/* partials: the shared frame, rendered in place with the same variables; a standalone one takes its line */
	{ "{{> hoved}}", TMPL_TEXT, "Hej Anna Testesen\n", NULL },
	{ "a\n  {{>hoved}}\nb", TMPL_TEXT, "a\nHej Anna Testesen\nb", NULL },
	{ "{{#liste}}{{> hoved}}{{/liste}}", TMPL_TEXT, "Hej Anna Testesen\nHej Anna Testesen\nHej Anna Testesen\n",
	  NULL },
	{ "x\n{{> nej}}", TMPL_TEXT, NULL, "t.txt:2: unknown partial 'nej'" },
	{ "{{> brudt}}", TMPL_TEXT, NULL, "_brudt.txt:2: unclosed section '{{#tom}}'" },
	{ "{{> indlejret}}", TMPL_TEXT, NULL, "_indlejret.txt:1: '{{>hoved}}' inside a partial: partials do not nest" },
	{ "{{#liste}}{{> punkt}}{{/liste}}", TMPL_TEXT, NULL, "_punkt.txt:1: '{{.}}' outside a list section" },
	{ "{{> .}}", TMPL_TEXT, NULL, "t.txt:1: bad tag '{{> .}}'" },
	/* escaping */
	{ "{{html}}", TMPL_HTML, "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;", NULL },
	{ "{{html}}", TMPL_TEXT, "<b>\"Tom\" & 'Jerry'</b>", NULL },
	{ "<p class=\"x\">{{navn}} & co</p>", TMPL_HTML, "<p class=\"x\">Anna Testesen & co</p>", NULL },
	{ "<li>{{gruppe}}</li>", TMPL_HTML, "<li>Netværksgruppe Børn og Unge</li>", NULL },
	/* errors, each with its line */
	{ "a\n{{navm}}", TMPL_TEXT, NULL, "t.txt:2: unknown variable 'navm'" },
	{ "{{#tom}}\n{{typo}}\n{{/tom}}", TMPL_TEXT, NULL, "t.txt:2: unknown variable 'typo'" },
	{ "{{#navn}}\n  {{^tom}}\n{{nope}}\n{{/tom}}\n{{/navn}}", TMPL_TEXT, NULL, "t.txt:3: unknown variable 'nope'" },
	{ "\n\n{{#nix}}x{{/nix}}", TMPL_TEXT, NULL, "t.txt:3: unknown variable 'nix'" },
	{ "x\n{{.}}", TMPL_TEXT, NULL, "t.txt:2: '{{.}}' outside a list section" },
	{ "{{#navn}}{{.}}{{/navn}}", TMPL_TEXT, NULL, "t.txt:1: '{{.}}' outside a list section" },
	{ "{{nr}}", TMPL_TEXT, NULL, "t.txt:1: unknown variable 'nr'" },
	{ "{{liste}}", TMPL_TEXT, NULL, "t.txt:1: 'liste' is a list: write {{#liste}}{{.}}{{/liste}}" },
	{ "a\n{{#navn}}\nb", TMPL_TEXT, NULL, "t.txt:2: unclosed section '{{#navn}}'" },
	{ "a\n\n{{^tom}}\nb", TMPL_TEXT, NULL, "t.txt:3: unclosed section '{{^tom}}'" },
	{ "{{#navn}}\n{{/liste}}", TMPL_TEXT, NULL, "t.txt:2: '{{/liste}}' does not match '{{#navn}}' from line 1" },
	{ "x\n{{/navn}}", TMPL_TEXT, NULL, "t.txt:2: '{{/navn}}' closes no open section" },
	{ "a\nb {{navn\nc}}", TMPL_TEXT, NULL, "t.txt:2: unterminated tag '{{' (no '}}' on the same line)" },
	{ "{{navn}", TMPL_TEXT, NULL, "t.txt:1: unterminated tag '{{' (no '}}' on the same line)" },
	{ "ok\n{{", TMPL_TEXT, NULL, "t.txt:2: unterminated tag '{{' (no '}}' on the same line)" },
	{ "{{na vn}}", TMPL_TEXT, NULL, "t.txt:1: bad tag '{{na vn}}'" },
	{ "\n{{}}", TMPL_TEXT, NULL, "t.txt:2: bad tag '{{}}'" },
	{ "{{{navn}}}", TMPL_TEXT, NULL, "t.txt:1: bad tag '{{{navn}}'" },
	{ "{{#}}{{/}}", TMPL_TEXT, NULL, "t.txt:1: bad tag '{{#}}'" },
	{ "{{stor}}{{stor}}", TMPL_TEXT, NULL, "t.txt:1: output over 256 kB" },
	{ "a\n{{#liste}}\n{{stor}}\n{{/liste}}", TMPL_HTML, NULL, "t.txt:3: output over 256 kB" },
	{ "{{#ti}}{{#ti}}{{#ti}}{{#ti}}{{#ti}}{{#ti}}{{#ti}}{{#ti}}{{/ti}}{{/ti}}{{/ti}}{{/ti}}{{/ti}}{{/ti}}{{/ti}}"
	  "{{/ti}}", TMPL_TEXT, NULL, "t.txt:1: template expands too much (over 1048576 steps)" },
};

static void test_render_table(void **state)
{
	struct tmpl_vars *v = std_vars();

	(void)state;
	for (size_t i = 0; i < sizeof(render_cases) / sizeof(render_cases[0]); i++) {
		const struct render_case *c = &render_cases[i];
		struct err err = { "" };
		char *out = tmpl_render(c->src, strlen(c->src), "t.txt", v, c->esc, &err);
		if (c->want && !out)
			fail_msg("case %zu '%s': unexpected error: %s", i, c->src, err.msg);
		if (c->want && strcmp(out, c->want) != 0)
			fail_msg("case %zu '%s': got '%s', want '%s'", i, c->src, out, c->want);
		if (!c->want && out)
			fail_msg("case %zu '%s': rendered '%.60s', want error '%s'", i, c->src, out, c->err);
		if (!c->want && strcmp(err.msg, c->err) != 0)
			fail_msg("case %zu '%s': error '%s', want '%s'", i, c->src, err.msg, c->err);
		free(out);
	}
	/* one large value fits under the cap (the table shows that two do not) */
	struct err err = { "" };
	char *out = tmpl_render("{{stor}}", 8, "t.txt", v, TMPL_TEXT, &err);
	assert_non_null(out);
	assert_int_equal(strlen(out), BIG_VALUE);
	free(out);
	tmpl_vars_free(v);
}

/* Nesting: 8 levels render, the 9th is refused at the line where it opens. */
static void test_nesting_depth(void **state)
{
	struct tmpl_vars *v = std_vars();
	struct err err = { "" };
	struct buf_like {
		char s[512];
		size_t n;
	} b;
	char *out;

	(void)state;
	for (int depth = 8; depth <= 9; depth++) {
		b.n = 0;
		for (int i = 0; i < depth; i++)
			b.n += (size_t)snprintf(b.s + b.n, sizeof(b.s) - b.n, "{{#navn}}\n");
		b.n += (size_t)snprintf(b.s + b.n, sizeof(b.s) - b.n, "dybt\n");
		for (int i = 0; i < depth; i++)
			b.n += (size_t)snprintf(b.s + b.n, sizeof(b.s) - b.n, "{{/navn}}\n");
		out = tmpl_render(b.s, b.n, "n.txt", v, TMPL_TEXT, &err);
		if (depth == 8) {
			assert_non_null(out);
			assert_string_equal(out, "dybt\n");
		} else {
			assert_null(out);
			assert_string_equal(err.msg, "n.txt:9: sections nested deeper than 8 at '{{#navn}}'");
		}
		free(out);
	}
	tmpl_vars_free(v);
}

/* The source is read by length, not up to a NUL: a source cut inside a tag is unterminated. */
static void test_length_bound(void **state)
{
	struct tmpl_vars *v = std_vars();
	struct err err = { "" };
	const char *src = "Kære {{navn}} og {{tom}}";
	char *out = tmpl_render(src, 14, "l.txt", v, TMPL_TEXT, &err);

	(void)state;
	assert_string_equal(out, "Kære Anna Testesen");
	free(out);
	out = tmpl_render(src, 11, "l.txt", v, TMPL_TEXT, &err);
	assert_null(out);
	assert_string_equal(err.msg, "l.txt:1: unterminated tag '{{' (no '}}' on the same line)");
	tmpl_vars_free(v);
}

static void test_vars_replace(void **state)
{
	static const char *const items[] = { "p", "q" };
	struct tmpl_vars *v = tmpl_vars_new();
	struct err err = { "" };
	const char *src = "{{#x}}[{{.}}]{{/x}}";
	char *out;

	(void)state;
	tmpl_set(v, "x", "først");
	tmpl_set(v, "x", "sidst");
	out = tmpl_render("{{x}}", 5, "v.txt", v, TMPL_TEXT, &err);
	assert_string_equal(out, "sidst");
	free(out);
	tmpl_set_list(v, "x", items, 2);
	out = tmpl_render(src, strlen(src), "v.txt", v, TMPL_TEXT, &err);
	assert_string_equal(out, "[p][q]");
	free(out);
	tmpl_set(v, "x", NULL);
	out = tmpl_render("{{#x}}ja{{/x}}{{^x}}nej{{/x}}", 29, "v.txt", v, TMPL_TEXT, &err);
	assert_string_equal(out, "nej");
	free(out);
	out = tmpl_render("{{x}}", 5, "v.txt", NULL, TMPL_TEXT, &err);
	assert_null(out);
	assert_string_equal(err.msg, "v.txt:1: unknown variable 'x'");
	tmpl_vars_free(v);
	tmpl_vars_free(NULL);
}

static const struct check_case {
	const char *src;
	int use_known;        /* 1: tmpl_mail_vars, 0: NULL (any name) */
	const char *want[6];  /* every problem, in order; none: the template is fine */
} check_cases[] = {
	{ "Kære {{navn}}\n{{#dagsorden}}\n{{nr}}. {{.}}\n{{/dagsorden}}", 1, { NULL } },
	{ "{{#online}}{{link}}{{/online}}{{^svarfrist}}-{{/svarfrist}}", 1, { NULL } },
	{ "{{hvadsomhelst}}", 0, { NULL } },
	{ "{{navn}} {{nvan}}\n{{#dagsorden}}{{nr}}. {{.}}{{/dagsorden}}\n{{#x}}\n{{.}}", 1,
	  { "c.txt:3: unclosed section '{{#x}}'", "c.txt:1: unknown variable 'nvan'",
	    "c.txt:3: unknown variable 'x'" } },
	{ "{{a b}}\n{{/y}}\n{{#z}}\n{{oops", 0,
	  { "c.txt:1: bad tag '{{a b}}'", "c.txt:2: '{{/y}}' closes no open section",
	    "c.txt:4: unterminated tag '{{' (no '}}' on the same line)", "c.txt:3: unclosed section '{{#z}}'" } },
	{ "{{.}}\n{{nr}}", 1, { "c.txt:1: '{{.}}' outside a {{#list}} section", "c.txt:2: unknown variable 'nr'" } },
	{ "{{.}}", 0, { "c.txt:1: '{{.}}' outside a {{#list}} section" } },
	/* an inverted section is rendered when its list is empty: no current item (the fuzz target's find,
	 * tests/fuzz/corpus/tmpl/regress-inverted-section-dot) */
	{ "{{^dagsorden}}{{.}} {{nr}}{{/dagsorden}}", 1,
	  { "c.txt:1: '{{.}}' outside a {{#list}} section", "c.txt:1: unknown variable 'nr'" } },
	{ "{{#dagsorden}}{{^.}}-{{/.}}{{nr}}{{/dagsorden}}{{^aendringer}}{{#dagsorden}}{{.}}{{/dagsorden}}{{/aendringer}}",
	  1, { NULL } },
	{ "{{#a}}\n{{#b}}\n{{/a}}\n{{/b}}", 0,
	  { "c.txt:3: '{{/a}}' does not match '{{#b}}' from line 2", "c.txt:4: '{{/b}}' closes no open section" } },
	{ "{{^Navn}}x{{/Navn}}", 1, { "c.txt:1: unknown variable 'Navn'" } },
};

static void test_check_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(check_cases) / sizeof(check_cases[0]); i++) {
		const struct check_case *c = &check_cases[i];
		struct diag d;
		size_t nwant = 0;

		diag_init(&d);
		diag_add(&d, "before", 0, "an earlier problem");  /* problems are appended, not replaced */
		while (nwant < 6 && c->want[nwant])
			nwant++;
		int rc = tmpl_check(c->src, strlen(c->src), "c.txt", c->use_known ? tmpl_mail_vars : NULL, &d);
		if (rc != (nwant ? -1 : 0) || d.n != nwant + 1) {
			diag_print(&d);
			fail_msg("check case %zu: rc %d with %zu problems, want %zu", i, rc, d.n - 1, nwant);
		}
		assert_string_equal(d.msgs[0], "before: an earlier problem");
		for (size_t k = 0; k < nwant; k++)
			assert_string_equal(d.msgs[k + 1], c->want[k]);
		diag_release(&d);
	}
}

/* Random templates, each in a buffer of exactly its length (no NUL after it), so valgrind or ASan catch any
 * read past len; every failure must name the file. */
static void test_random_input(void **state)
{
	static const char alphabet[] = "{{}}#^/!. \n\r\tnavliste2nrtomxé";
	struct tmpl_vars *v = std_vars();
	uint32_t seed = 12345;

	(void)state;
	for (int iter = 0; iter < 20000; iter++) {
		seed = seed * 1103515245u + 12345u;
		size_t len = (seed >> 16) % 48;
		char *src = xmalloc(len ? len : 1);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			src[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		struct err err = { "" };
		char *out = tmpl_render(src, len, "f.txt", v, iter % 2 ? TMPL_HTML : TMPL_TEXT, &err);
		if (!out && strncmp(err.msg, "f.txt:", 6) != 0)
			fail_msg("iteration %d: error without the file name: '%s'", iter, err.msg);
		free(out);
		struct diag d;
		diag_init(&d);
		tmpl_check(src, len, "f.txt", tmpl_mail_vars, &d);
		for (size_t k = 0; k < d.n; k++)
			assert_true(strncmp(d.msgs[k], "f.txt:", 6) == 0);
		diag_release(&d);
		free(src);
	}
	tmpl_vars_free(v);
}

/* --- the real templates --- */

static const struct kind {
	const char *name;
	const char *subject;  /* the subject's start after "Emne: " */
	int asks_answer;      /* says how to answer: Accepter/Afvis, "afbud", a colleague */
	int removes_entry;    /* says the calendar entry goes away */
	int paper;            /* to the referent or the tovholder: 1 the lines and the attachment, 2 the status, 3 the
				 answer to a Teams report */
} kinds[] = {
	{ "indkaldelse", "Indkaldelse: ", 1, 0, 0 },
	{ "opdatering", "Opdateret: ", 1, 0, 0 },
	{ "aflysning", "Aflyst: ", 0, 1, 0 },
	{ "paamindelse", "Påmindelse: ", 1, 0, 0 },
	{ "praktisk", "Praktisk info: ", 1, 0, 0 },
	{ "fjernet", "Fjernet fra deltagerlisten: ", 0, 1, 0 },
	{ "referat", "Referat til mødet ", 0, 0, 1 },
	{ "fremmoede", "Fremmøde til referatet ", 0, 0, 1 },
	{ "status", "Status før mødet ", 0, 0, 2 },
	{ "teamsrapport", "Teams-rapporten er indlæst: ", 0, 0, 3 },
};

/* The paperwork's variables: variant 0 filled (and a value that must be escaped), 1 every list empty. */
static void paper_vars(struct tmpl_vars *v, int variant)
{
	static const char *const lines[] = { "Afbud: Bo Aagaard (Greve)", "Deltagere: Anne Mose Dahl (Faxe)",
					     "Referat: Cecilie Prøve (Testrup)" };
	static const char *const pcols[] = { "deltager", "svar", "kilde", "tidspunkt", "bemaerkning" };
	static const char *const pcells[] = { "Bo Aagaard (Greve)", "afbud", "mail", "01.03.2027 10:00",
					      "stedfortræder: Lise Holm" };
	static const char *const rcols[] = { "fra", "overskrift", "modtaget", "grund" };
	static const char *const rcells[] = { "x@y.example", "Re: <c>", "01.03.2027 10:00", "unclear answer" };
	static const char *const fcols[] = { "deltager", "tidspunkt", "kommentar" };
	static const char *const fcells[] = { "Lise Holm", "torsdag den 4. marts 2027 kl. 09.30-10.30", "Kan vi <flytte>?" };
	static const char *const flags[] = { "har_ikke_svaret", "har_stedfortraedere", "har_afviste", "har_forslag" };
	static const char *const counts[] = { "antal_inviterede", "antal_tilsagn", "antal_afbud", "antal_tentativ",
					      "antal_autosvar", "antal_afvist", "antal_ikke_svaret", "antal_gennemsyn" };
	static const char *const folders[] = { "mappe_gennemsyn", "mappe_afbud", "mappe_tilsagn", "mappe_ignorer",
					       "mappe_fremmoede" };
	static const char *const guests[] = { "Vera Konsulent <vera@konsulent.example>" };
	static const char *const unplaced[] = { "linje 7: Lise Holm – navnet passer på flere af de inviterede" };
	size_t n = variant == 0;

	tmpl_set_list(v, "linjer", lines, variant == 0 ? 3 : 0);
	tmpl_set(v, "bilag", "referat-2027-03-05.docx");
	tmpl_set(v, "efter_moedet", variant == 0 ? "ja" : NULL);
	tmpl_set_rows(v, "personer", pcols, 5, pcells, n);
	tmpl_set_rows(v, "gennemsyn", rcols, 4, rcells, n);
	tmpl_set(v, "venter", n ? "ja" : NULL);
	tmpl_set_list(v, "ikke_svaret", pcells, n);
	tmpl_set_list(v, "stedfortraedere", pcells, n);
	tmpl_set_list(v, "afviste", pcells, n);
	tmpl_set_rows(v, "forslag", fcols, 3, fcells, n);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		tmpl_set(v, flags[i], n ? "ja" : NULL);
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		tmpl_set(v, counts[i], variant == 0 ? "1" : "0");
	tmpl_set(v, "rapport", "Deltagerliste marts.csv");
	tmpl_set_list(v, "fundet", pcells, n);
	tmpl_set_list(v, "gaester", guests, n);
	tmpl_set_list(v, "ikke_placeret", unplaced, n);
	tmpl_set(v, "antal_fundet", variant == 0 ? "1" : "0");
	tmpl_set(v, "antal_ikke_placeret", variant == 0 ? "1" : "0");
	tmpl_set(v, "har_gaester", n ? "ja" : NULL);
	tmpl_set(v, "har_ikke_placeret", n ? "ja" : NULL);
	for (size_t i = 0; i < sizeof(folders) / sizeof(folders[0]); i++)
		tmpl_set(v, folders[i], "Tovholder/Mappe");
}

/* variant 0: online with a link, every list filled; 1: at an address, every optional value empty. */
static struct tmpl_vars *mail_vars(int variant)
{
	static const char *const agenda[] = { "Velkommen og godkendelse af dagsorden", "Nyt fra kommunerne",
					      "Eventuelt" };
	static const char *const changes[] = { "Tidspunktet er ændret til 12.00-15.00" };
	struct tmpl_vars *v = tmpl_vars_new();

	tmpl_set(v, "gruppe", "Netværksgruppe Børn og Unge");
	tmpl_set(v, "navn", "Anna Testesen");
	tmpl_set(v, "dato", "fredag den 5. marts 2027");
	tmpl_set(v, "tid", "10.00-13.00");
	tmpl_set(v, "tovholder", "Bo Eksempel");
	tmpl_set(v, "tovholder_email", "bo@kommune.example");
	if (variant == 0) {
		tmpl_set(v, "organisation", "Testrup Kommune");
		tmpl_set(v, "sted", "Online");
		tmpl_set(v, "online", "ja");
		tmpl_set(v, "link", "https://meet.example/j/123?pwd=a&b=<c>");
		tmpl_set_list(v, "dagsorden", agenda, 3);
		tmpl_set(v, "referent", "Cecilie Prøve (Testrup)");
		tmpl_set_list(v, "aendringer", changes, 1);
		tmpl_set(v, "svarfrist", "mandag den 1. marts 2027");
	} else {
		tmpl_set(v, "organisation", "");
		tmpl_set(v, "sted", "Rådhuset, Torvet 1, 4000 Testrup");
		tmpl_set(v, "online", "");
		tmpl_set(v, "link", "");
		tmpl_set_list(v, "dagsorden", NULL, 0);
		tmpl_set(v, "referent", "");
		tmpl_set_list(v, "aendringer", NULL, 0);
		tmpl_set(v, "svarfrist", "");
	}
	paper_vars(v, variant);
	return v;
}

static const char *templates_dir(void)
{
	const char *d = getenv("TOVHOLDER_TEMPLATES");

	return d && *d ? d : "templates";
}

/* The file, which tmpl_check must find clean against the documented names. Caller frees. */
static char *read_checked(const char *path, size_t *ret_len)
{
	struct err err = { "" };
	char *src = util_read_file(path, TMPL_MAX_OUTPUT, ret_len, &err);
	struct diag d;

	if (!src)
		fail_msg("%s: %s", path, err.msg);
	diag_init(&d);
	if (tmpl_check(src, *ret_len, path, tmpl_mail_vars, &d) < 0) {
		diag_print(&d);
		fail_msg("%s: tmpl_check found %zu problem(s)", path, d.n);
	}
	diag_release(&d);
	return src;
}

/* Every partial _NAME.EXT of the directory, as compose.c gives them; the number found. */
static int set_partials(struct tmpl_vars *v, const char *ext)
{
	DIR *dh = opendir(templates_dir());
	struct dirent *de;
	int n = 0;

	if (!dh)
		fail_msg("cannot open the template directory '%s'", templates_dir());
	while ((de = readdir(dh))) {
		const char *dot = strrchr(de->d_name, '.');
		if (de->d_name[0] != '_' || !dot || strcmp(dot + 1, ext) != 0)
			continue;
		char *path = xasprintf("%s/%s", templates_dir(), de->d_name);
		char *name = xstrndup(de->d_name + 1, (size_t)(dot - de->d_name) - 1);
		size_t len;
		char *src = read_checked(path, &len);
		tmpl_set_partial(v, name, src, len, path);
		n++;
		free(src);
		free(name);
		free(path);
	}
	closedir(dh);
	return n;
}

static void check_text_mail(const struct kind *k, const char *path, const char *out, int variant)
{
	const char *nl = strchr(out, '\n');

	if (strncmp(out, "Emne: ", 6) != 0 || strncmp(out + 6, k->subject, strlen(k->subject)) != 0)
		fail_msg("%s: the first line must be 'Emne: %s…', got '%.60s'", path, k->subject, out);
	if (!nl || nl[1] != '\n')
		fail_msg("%s: the subject line must be followed by one empty line", path);
	/* "Indkaldelse: GROUP DATE", or the paperwork's "Referat til mødet DATE – GROUP" */
	if (!strstr(out, "Netværksgruppe Børn og Unge fredag den 5. marts 2027\n") &&
	    !strstr(out, "fredag den 5. marts 2027 – Netværksgruppe Børn og Unge\n"))
		fail_msg("%s: the subject must name the group and the date", path);
	if (strstr(out, "\n\n\n"))
		fail_msg("%s (variant %d): two empty lines in a row:\n%s", path, variant, out);
	if (strstr(out, " .") || strstr(out, " ,") || strstr(out, "  "))
		fail_msg("%s (variant %d): a hole where an empty value was:\n%s", path, variant, out);
	if (k->paper < 2 && !strstr(out, "Venlig hilsen\nBo Eksempel\n"))
		fail_msg("%s: no 'Venlig hilsen' with the tovholder's name", path);
}

static void check_html_mail(const struct kind *k, const char *path, const char *out)
{
	static const char *const banned[] = { "Emne:", "<style", "<link", "<script", "src=", "url(", "@import" };

	if (strncmp(out, "<!DOCTYPE html>", 15) != 0)
		fail_msg("%s: must start with <!DOCTYPE html>", path);
	for (size_t i = 0; i < sizeof(banned) / sizeof(banned[0]); i++)
		if (strstr(out, banned[i]))
			fail_msg("%s: '%s' (inline styles only, nothing external)", path, banned[i]);
	if (!strstr(out, "name=\"viewport\""))
		fail_msg("%s: no viewport meta tag (phones)", path);
	if (strstr(out, "pwd=a&b") || strstr(out, "<c>"))
		fail_msg("%s: a value is not HTML-escaped", path);
	if (k->paper < 2 && !strstr(out, "Venlig hilsen"))
		fail_msg("%s: no 'Venlig hilsen'", path);
}

static void check_mail(const struct kind *k, const char *path, const char *ext, const char *out, int variant)
{
	if (strstr(out, "{{") || strstr(out, "}}"))
		fail_msg("%s: a tag is left in the output", path);
	if (!strstr(out, "Kære Anna Testesen"))
		fail_msg("%s: no 'Kære' with the recipient's name", path);
	if (k->asks_answer && (!strstr(out, "afbud") || !strstr(out, "Afvis") || !strstr(out, "kollega")))
		fail_msg("%s: must say how to answer (Accepter/Afvis, \"afbud\", a colleague)", path);
	if (k->asks_answer && !strstr(out, "10.00-13.00"))
		fail_msg("%s: no time", path);
	if (k->removes_entry && !strstr(out, "fjernet fra din kalender"))
		fail_msg("%s: must say the calendar entry is removed", path);
	if (variant == 0 && strcmp(k->name, "opdatering") == 0 && !strstr(out, "Tidspunktet er ændret til 12.00-15.00"))
		fail_msg("%s: the changes are missing", path);
	if (variant == 0 && strcmp(k->name, "praktisk") == 0 && !strstr(out, "meet.example/j/123"))
		fail_msg("%s: the online link is missing", path);
	if (variant == 1 && strcmp(k->name, "praktisk") == 0 && !strstr(out, "Rådhuset, Torvet 1"))
		fail_msg("%s: the address is missing", path);
	if (variant == 0 && strcmp(k->name, "praktisk") == 0 && !strstr(out, "Nyt fra kommunerne"))
		fail_msg("%s: the agenda is missing", path);
	if (k->paper == 1 && (!strstr(out, "referat-2027-03-05.docx") ||
			      (variant == 0 && !strstr(out, "Deltagere: Anne Mose Dahl (Faxe)"))))
		fail_msg("%s: the lines and the attached draft must be named", path);
	if (k->paper == 1 && strcmp(k->name, "referat") == 0 && variant == 0 && !strstr(out, "Nyt fra kommunerne"))
		fail_msg("%s: the agenda is missing", path);
	if (k->paper == 2 && variant == 0 && (!strstr(out, "Tovholder/Mappe") || !strstr(out, "unclear answer") ||
					      !strstr(out, "Bo Aagaard (Greve)")))
		fail_msg("%s: the status must show each invitee, each mail waiting and the folders", path);
	if (k->paper == 2 && strcmp(ext, "html") == 0 && variant == 0 && !strstr(out, "<table"))
		fail_msg("%s: the status shows the answers in a table", path);
	if (k->paper == 3 && variant == 0 && (!strstr(out, "Bo Aagaard (Greve)") || !strstr(out, "linje 7: Lise Holm") ||
					      !strstr(out, "Vera Konsulent") || !strstr(out, "Tovholder/Mappe") ||
					      !strstr(out, "Deltagere: Anne Mose Dahl (Faxe)")))
		fail_msg("%s: the answer must show whom each row was placed on, the guests, what was not placed and "
			 "the lines", path);
	if (k->paper == 3 && variant == 1 && !strstr(out, "Alle i rapporten er placeret."))
		fail_msg("%s: the answer must say when every row was placed", path);
	if (strcmp(ext, "txt") == 0)
		check_text_mail(k, path, out, variant);
	else
		check_html_mail(k, path, out);
}

static const struct kind *kind_of(const char *file, char *ext, size_t extsz)
{
	const char *dot = strrchr(file, '.');

	if (!dot || (strcmp(dot, ".txt") != 0 && strcmp(dot, ".html") != 0) || file[0] == '_')
		return NULL;  /* _NAME.EXT: a partial, rendered inside the templates that use it */
	snprintf(ext, extsz, "%s", dot + 1);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strlen(kinds[i].name) == (size_t)(dot - file) && strncmp(file, kinds[i].name, (size_t)(dot - file)) == 0)
			return &kinds[i];
	fail_msg("%s: a template of no known kind (add it to 'kinds' in this test)", file);
	return NULL;
}

static void test_template_files(void **state)
{
	const char *dir = templates_dir();
	DIR *dh = opendir(dir);
	struct dirent *de;
	unsigned seen[sizeof(kinds) / sizeof(kinds[0])] = { 0 };

	(void)state;
	if (!dh)
		fail_msg("cannot open the template directory '%s' (set TOVHOLDER_TEMPLATES)", dir);
	while ((de = readdir(dh))) {
		char ext[8];
		const struct kind *k = kind_of(de->d_name, ext, sizeof(ext));
		if (!k)
			continue;
		char *path = xasprintf("%s/%s", dir, de->d_name);
		struct err err = { "" };
		size_t len;
		char *src = read_checked(path, &len);
		for (int variant = 0; variant < 2; variant++) {
			struct tmpl_vars *v = mail_vars(variant);
			tmpl_set(v, "emne", "Emnet");
			if (set_partials(v, ext) < 1)
				fail_msg("%s: the shared partials (_top, _bund, _hilsen) are missing", dir);
			char *out = tmpl_render(src, len, path, v, strcmp(ext, "html") == 0 ? TMPL_HTML : TMPL_TEXT,
						&err);
			if (!out)
				fail_msg("%s: %s", path, err.msg);
			check_mail(k, path, ext, out, variant);
			free(out);
			tmpl_vars_free(v);
		}
		seen[k - kinds] |= strcmp(ext, "txt") == 0 ? 1 : 2;
		free(src);
		free(path);
	}
	closedir(dh);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (seen[i] != 3)
			fail_msg("%s/%s: both %s.txt and %s.html must exist", dir, kinds[i].name, kinds[i].name,
				 kinds[i].name);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_table),
		cmocka_unit_test(test_nesting_depth),
		cmocka_unit_test(test_length_bound),
		cmocka_unit_test(test_vars_replace),
		cmocka_unit_test(test_check_table),
		cmocka_unit_test(test_random_input),
		cmocka_unit_test(test_template_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
