/* html: HTML → text, table-driven, and the cap on what it writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "html.h"
#include "inmail.h"

static void test_html_to_text(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "<p>Hej</p><p>med dig</p>", "Hej\nmed dig\n" },
		{ "a<br>b<br/>c<BR>", "a\nb\nc\n" },
		{ "a<br><br><br><br>b", "a\n\nb\n" },                      /* one empty line at most */
		{ "&aelig;&oslash;&aring; &AElig;&Oslash;&Aring;", "æøå ÆØÅ\n" },
		{ "&#230;&#xE6;&#XE6; &amp; &lt;b&gt; &quot;x&quot; &apos;", "æææ & <b> \"x\" '\n" },
		{ "&nbsp;&nbsp;x", "  x\n" },                                /* &nbsp; is kept, unlike white space */
		{ "<p>&nbsp;</p><p>a</p><p>&nbsp;</p>", "a\n" },
		{ "a&nbsp;&nbsp;b", "a  b\n" },
		{ "Tom &amp Jerry &copy 2027", "Tom & Jerry © 2027\n" },     /* no ';' */
		{ "&unknown; &#; & x", "&unknown; &#; & x\n" },
		{ "&#150; &#0;", "– \xEF\xBF\xBD\n" },                       /* Windows-1252 range, NUL */
		{ "  lots   of\n\n  space\t here ", "lots of space here\n" },
		{ "<pre>  keep\n    this</pre>after", "  keep\n    this\nafter\n" },
		{ "<head><title>T</title><style>p{x:y}</style></head><body>Body</body>", "Body\n" },
		{ "<html><HEAD><meta charset=utf-8></HEAD><BODY>Body</BODY>", "Body\n" },
		{ "<script>alert('<p>x</p>')</script>ok", "ok\n" },
		{ "<style>a{}</style>ok<style>", "ok\n" },
		{ "<!-- comment <p>x</p> -->ok<!--[if mso]>junk<![endif]-->", "ok\n" },
		{ "<!DOCTYPE html><?xml version=\"1.0\"?>ok", "ok\n" },
		{ "<div>Svar</div><blockquote><div>citat 1</div><div>citat 2</div></blockquote><div>efter</div>",
		  "Svar\n> citat 1\n> citat 2\nefter\n" },
		{ "<blockquote>a<blockquote>b<br><br>c</blockquote></blockquote>", "> a\n> > b\n> >\n> > c\n" },
		{ "<div>Nej tak</div><hr tabindex=\"-1\"><div id=\"divRplyFwdMsg\"><b>Fra:</b> A &lt;a@x.example&gt;"
		  "<br><b>Sendt:</b> 1. marts<br><b>Emne:</b> M&oslash;de</div>",
		  "Nej tak\n________________________________\nFra: A <a@x.example>\nSendt: 1. marts\nEmne: Møde\n" },
		{ "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc\n" },
		{ "<a href=\"x>y\">link</a> <img src=x alt=y>", "link\n" },
		{ "1 < 2 and 3 > 2", "1 < 2 and 3 > 2\n" },
		{ "<p>unterminated <b", "unterminated\n" },
		{ "<o:p></o:p><p class=MsoNormal>Word<o:p></o:p></p>", "Word\n" },
		{ "x&shy;y", "xy\n" },
		{ "", "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = html_to_text(cases[i].in);
		if (strcmp(s, cases[i].out) != 0)
			fail_msg("html '%s':\n got '%s'\nwant '%s'", cases[i].in, s, cases[i].out);
		free(s);
	}
}

/* Over the cap (3 x INMAIL_MAX_SIZE) the text is cut, and nothing later is added after the cut: <hr> writes a
 * 33-octet line for 4 octets of input, so 10 MB of them pass the cap, one just over it, leaving room that a
 * short line after it would fill if the cut were not final. */
static void test_cap(void **state)
{
	size_t n = ((size_t)3 * INMAIL_MAX_SIZE / 33 + 1) * 4;
	char *in = malloc(n + 16), *s;

	(void)state;
	assert_non_null(in);
	for (size_t i = 0; i + 4 <= n; i += 4)
		memcpy(in + i, "<hr>", 4);
	strcpy(in + n / 4 * 4, "<p>END</p>");
	s = html_to_text(in);
	assert_true(strlen(s) <= (size_t)3 * INMAIL_MAX_SIZE);
	assert_true(strlen(s) > (size_t)3 * INMAIL_MAX_SIZE - 64);
	assert_null(strstr(s, "END"));
	free(s);
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_to_text),
		cmocka_unit_test(test_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
