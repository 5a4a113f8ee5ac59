/* libFuzzer: a template as the coordinator may edit it (templates/NAME.txt and NAME.html): tmpl_check against the
 * documented names and without names, and tmpl_render as text and as HTML with a fixed set of variables and
 * lists. */
#include <stdlib.h>

#include "fuzz.h"
#include "tmpl.h"

static struct tmpl_vars *vars;

static struct tmpl_vars *fixed_vars(void)
{
	static const char *const dagsorden[] = { "Velkommen", "Nyt fra <Rammeaftale> & \"KKR\"", "Eventuelt" };
	static const char *const aendringer[] = { "Ny tid: 10:00-13:00" };
	struct tmpl_vars *v = tmpl_vars_new();

	tmpl_set(v, "gruppe", "Netværksgruppe Børn og Unge");
	tmpl_set(v, "navn", "Anna Testesen");
	tmpl_set(v, "organisation", "Faxe");
	tmpl_set(v, "dato", "fredag den 5. marts 2027");
	tmpl_set(v, "tid", "10:00-13:00");
	tmpl_set(v, "sted", "online");
	tmpl_set(v, "online", "ja");
	tmpl_set(v, "link", "https://meet.example/abc?x=1&y=2");
	tmpl_set(v, "tovholder", "Karin Lund");
	tmpl_set(v, "tovholder_email", "tovholder@netvaerk.example");
	tmpl_set(v, "referent", "");
	tmpl_set(v, "svarfrist", NULL);
	tmpl_set_list(v, "dagsorden", dagsorden, 3);
	tmpl_set_list(v, "aendringer", aendringer, 1);
	tmpl_set_list(v, "tom", NULL, 0);
	{
		static const char *const cols[] = { "deltager", "svar" };
		static const char *const cells[] = { "Anna <A>", "tilsagn", "Bo & Co", "afbud" };
		tmpl_set_rows(v, "personer", cols, 2, cells, 2);
	}
	/* the shared frame, and a partial that itself uses one (refused) or a list item (refused) */
	tmpl_set_partial(v, "top", "<title>{{gruppe}}</title>\n", 25, "_top.html");
	tmpl_set_partial(v, "igen", "{{> top}}", 9, "_igen.html");
	tmpl_set_partial(v, "punkt", "{{#dagsorden}}{{.}}{{/dagsorden}}{{deltager}}", 45, "_punkt.html");
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err err = { "" };
	struct diag d;
	char *src = xmalloc(size ? size : 1);

	if (!vars)
		vars = fixed_vars();
	if (size)
		memcpy(src, data, size);
	diag_init(&d);
	(void)tmpl_check(src, size, "indkaldelse.txt", tmpl_mail_vars, &d);
	diag_release(&d);
	diag_init(&d);
	int syntax_ok = tmpl_check(src, size, "indkaldelse.txt", NULL, &d) == 0;
	diag_release(&d);
	for (int esc = TMPL_TEXT; esc <= TMPL_HTML; esc++) {
		char *out = tmpl_render(src, size, "indkaldelse.txt", vars, (enum tmpl_escape)esc, &err);

		/* Bad syntax never renders. (The converse does not hold: tmpl_check knows names, not which are
		 * lists, so "{{#online}}{{.}}{{/online}}" passes it and fails to render, loudly.) */
		if (out && !syntax_ok)
			abort();
		if (out && strlen(out) > TMPL_MAX_OUTPUT)
			abort();
		free(out);
	}
	free(src);
	return 0;
}
