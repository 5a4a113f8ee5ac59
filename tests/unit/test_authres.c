/* authres: Authentication-Results fields as Google, Exchange Online and Postfix with OpenDKIM/OpenDMARC write
 * them (shapes from Google's "Show original" pages, Microsoft's "Anti-spam message headers in Microsoft 365",
 * RFC 8601 §2.2 and appendix B, RFC 7489 §11.2; the domains are invented), the field the service added, and the
 * verdict on the From domain. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "buf.h"

#define GOOGLE                                                                                                  \
	"mx.google.com;\r\n       dkim=pass header.i=@faxe.example header.s=20230601 header.b=Xa1b2C3d;\r\n"     \
	"       spf=pass (google.com: domain of anne@faxe.example designates 192.0.2.1 as permitted sender) "  \
	"smtp.mailfrom=anne@faxe.example;\r\n       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=faxe.example"
#define EXCHANGE                                                                                                \
	"spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=faxe.example; dkim=pass (signature was verified) "      \
	"header.d=faxe.example;dmarc=pass action=none header.from=faxe.example;compauth=pass reason=100"
#define OPENDKIM                                                                                                \
	"mx.kommune.example; dkim=pass (2048-bit key; unprotected) header.d=faxe.example header.i=@faxe.example " \
	"header.a=rsa-sha256 header.s=sel1 header.b=AbCdEfGh; dkim-atps=neutral"

struct parse_case {
	const char *what, *value;
	int rc;
	const char *id;
	size_t n_results;
	const char *method0, *result0, *prop0_name, *prop0_value;
};

static const struct parse_case parse_cases[] = {
	{ "Google", GOOGLE, 0, "mx.google.com", 3, "dkim", "pass", "header.i", "@faxe.example" },
	{ "Exchange Online: no authserv-id, action= dropped", EXCHANGE, 0, "", 4, "spf", "pass", "smtp.mailfrom",
	  "faxe.example" },
	{ "OpenDKIM: a ';' inside a comment", OPENDKIM, 0, "mx.kommune.example", 2, "dkim", "pass", "header.d",
	  "faxe.example" },
	{ "OpenDMARC", "mx.kommune.example; dmarc=fail (p=reject dis=none) header.from=faxe.example", 0,
	  "mx.kommune.example", 1, "dmarc", "fail", "header.from", "faxe.example" },
	{ "RFC 8601 B.2: none", "example.org 1; none", 0, "example.org", 0, NULL, NULL, NULL, NULL },
	{ "RFC 8601 B.4: versions, comments, reason", "example.com; spf=pass smtp.mailfrom=example.net; "
	  "auth=pass (cram-md5) smtp.auth=sender@example.net; sender-id/1=pass header.from=example.net", 0,
	  "example.com", 3, "spf", "pass", "smtp.mailfrom", "example.net" },
	{ "reason= and a quoted value", "mx.kommune.example; dkim=fail reason=\"signature did not verify\" "
	  "header.d=\"faxe.example\"", 0, "mx.kommune.example", 1, "dkim", "fail", "header.d", "faxe.example" },
	{ "case folded", "MX.Google.COM; DMARC=PASS header.FROM=Faxe.Example", 0, "mx.google.com", 1, "dmarc",
	  "pass", "header.from", "faxe.example" },
	{ "CFWS everywhere", " (c) mx.kommune.example (c) ; (c) spf (c) = (c) pass (c) smtp (c) . (c) mailfrom (c) "
	  "= (c) faxe.example (c) ", 0, "mx.kommune.example", 1, "spf", "pass", "smtp.mailfrom", "faxe.example" },
	{ "empty", "", -1, "", 0, NULL, NULL, NULL, NULL },
	{ "an unclosed comment", "mx.kommune.example; spf=pass (oops smtp.mailfrom=faxe.example", -1,
	  "mx.kommune.example", 0, NULL, NULL, NULL, NULL },
	{ "no result", "mx.kommune.example; spf= smtp.mailfrom=faxe.example", -1, "mx.kommune.example", 0, NULL,
	  NULL, NULL, NULL },
	{ "junk between id and results", "mx.kommune.example junk; spf=pass", -1, "mx.kommune.example", 0, NULL,
	  NULL, NULL, NULL },
	{ "a property without a value separator", "mx.kommune.example; spf=pass smtp.mailfrom faxe.example", -1,
	  "mx.kommune.example", 1, "spf", "pass", NULL, NULL },
	{ "a control character", "mx.kommune.example; spf=pass\x1b[2J smtp.mailfrom=faxe.example", -1,
	  "mx.kommune.example", 1, "spf", "pass", NULL, NULL },
	{ "comments nested too deep", "mx.kommune.example; spf=pass ((((((((((deep)))))))))) smtp.mailfrom=x.example",
	  -1, "mx.kommune.example", 1, "spf", "pass", NULL, NULL },
};

static void test_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		struct authres a;
		int rc = authres_parse(c->value, &a);

		if (rc != c->rc)
			fail_msg("%s: rc %d, expected %d", c->what, rc, c->rc);
		if (rc == 0 || c->id[0]) {
			if (strcmp(a.authserv_id, c->id) != 0)
				fail_msg("%s: id '%s', expected '%s'", c->what, a.authserv_id, c->id);
		}
		if (rc < 0) {
			assert_true(a.flags & AUTHRES_MALFORMED);
			continue;
		}
		if (a.n_results != c->n_results)
			fail_msg("%s: %zu results, expected %zu", c->what, a.n_results, c->n_results);
		if (!c->method0)
			continue;
		assert_string_equal(a.results[0].method, c->method0);
		assert_string_equal(a.results[0].result, c->result0);
		assert_true(a.results[0].n_props >= 1);
		assert_string_equal(a.results[0].props[0].name, c->prop0_name);
		assert_string_equal(a.results[0].props[0].value, c->prop0_value);
	}
}

/* Caps: results beyond AUTHRES_MAX_RESULTS are counted as too many (never written past the array); a value
 * over AUTHRES_MAX_VALUE makes the field malformed; properties beyond AUTHRES_MAX_PROPS are dropped. */
static void test_caps(void **state)
{
	struct authres a;
	struct buf b;

	(void)state;
	buf_init(&b);
	buf_adds(&b, "mx.kommune.example");
	for (int i = 0; i < AUTHRES_MAX_RESULTS + 5; i++)
		buf_addf(&b, "; spf=pass smtp.mailfrom=d%d.example", i);
	assert_int_equal(authres_parse(b.data, &a), 0);
	assert_int_equal(a.n_results, AUTHRES_MAX_RESULTS);
	assert_true(a.flags & AUTHRES_TOO_MANY);

	buf_reset(&b);
	buf_adds(&b, "mx.kommune.example; dkim=pass header.d=");
	for (int i = 0; i < AUTHRES_MAX_VALUE + 1; i++)
		buf_addch(&b, 'a');
	assert_int_equal(authres_parse(b.data, &a), -1);

	buf_reset(&b);
	buf_adds(&b, "mx.kommune.example; dkim=pass");
	for (int i = 0; i < AUTHRES_MAX_PROPS + 3; i++)
		buf_addf(&b, " header.x%d=v", i);
	assert_int_equal(authres_parse(b.data, &a), 0);
	assert_int_equal(a.results[0].n_props, AUTHRES_MAX_PROPS);

	/* a field of a million '(' costs one pass and is malformed */
	buf_reset(&b);
	buf_adds(&b, "mx.kommune.example; spf=pass ");
	for (int i = 0; i < 1000000; i++)
		buf_addch(&b, '(');
	assert_int_equal(authres_parse(b.data, &a), -1);
	buf_release(&b);
}

/* The service's own field is the topmost from it; a sender can only write fields below it. */
static void test_find(void **state)
{
	struct authres a;
	const char *forged_below[] = { "mx.google.com; dmarc=fail header.from=faxe.example", GOOGLE };
	const char *other_on_top[] = { "mx.relay.example; dmarc=pass header.from=faxe.example",
				       "mx.google.com; dmarc=fail header.from=faxe.example" };
	const char *only_forged[] = { "mx.angriber.example; dmarc=pass header.from=faxe.example" };
	const char *exchange[] = { EXCHANGE, "mx.google.com; dmarc=fail header.from=faxe.example" };
	const char *exchange_below[] = { "mx.angriber.example; dmarc=pass header.from=faxe.example", EXCHANGE };
	const char *malformed_top[] = { "mx.google.com; dmarc=", GOOGLE };
	const char *many[AUTHRES_MAX_FIELDS + 1];

	(void)state;
	assert_int_equal(authres_find(forged_below, 2, AUTHRES_SERVICE_ID, "mx.google.com", &a), 0);
	assert_string_equal(a.results[0].result, "fail");
	assert_int_equal(authres_find(other_on_top, 2, AUTHRES_SERVICE_ID, "MX.Google.com", &a), 1);
	assert_int_equal(authres_find(only_forged, 1, AUTHRES_SERVICE_ID, "mx.google.com", &a), -1);
	assert_int_equal(authres_find(exchange, 2, AUTHRES_SERVICE_EXCHANGE, NULL, &a), 0);
	assert_string_equal(a.results[2].method, "dmarc");
	assert_int_equal(authres_find(exchange_below, 2, AUTHRES_SERVICE_EXCHANGE, NULL, &a), -1);
	assert_int_equal(authres_find(malformed_top, 2, AUTHRES_SERVICE_ID, "mx.google.com", &a), -1);
	assert_int_equal(authres_find(forged_below, 2, AUTHRES_SERVICE_NONE, NULL, &a), -1);
	assert_int_equal(authres_find(NULL, 0, AUTHRES_SERVICE_ID, "mx.google.com", &a), -1);
	/* beyond AUTHRES_MAX_FIELDS nothing is read */
	for (size_t i = 0; i < AUTHRES_MAX_FIELDS; i++)
		many[i] = "mx.angriber.example; dmarc=pass header.from=faxe.example";
	many[AUTHRES_MAX_FIELDS] = GOOGLE;
	assert_int_equal(authres_find(many, AUTHRES_MAX_FIELDS + 1, AUTHRES_SERVICE_ID, "mx.google.com", &a), -1);
}

struct verdict_case {
	const char *what, *value, *from_domain;
	enum authres_verdict verdict;
};

static const struct verdict_case verdict_cases[] = {
	{ "Google pass", GOOGLE, "faxe.example", AUTHRES_CONFIRMED },
	{ "Google pass for another From domain", GOOGLE, "greve.example", AUTHRES_UNALIGNED },
	{ "Exchange pass", EXCHANGE, "faxe.example", AUTHRES_CONFIRMED },
	{ "Exchange bestguesspass (no DMARC record, but aligned)", "spf=pass (sender IP is 192.0.2.1) "
	  "smtp.mailfrom=faxe.example; dkim=none (message not signed) header.d=none;dmarc=bestguesspass action=none "
	  "header.from=faxe.example;compauth=pass reason=109", "faxe.example", AUTHRES_CONFIRMED },
	{ "Exchange fail, oreject", "spf=fail (sender IP is 192.0.2.66) smtp.mailfrom=faxe.example; dkim=none "
	  "(message not signed) header.d=none;dmarc=fail action=oreject header.from=faxe.example;compauth=fail "
	  "reason=000", "faxe.example", AUTHRES_DMARC_FAIL },
	{ "Google dmarc=fail with an unaligned spf pass", "mx.google.com; spf=pass (google.com: domain of "
	  "x@angriber.example designates 192.0.2.66 as permitted sender) smtp.mailfrom=x@angriber.example; "
	  "dmarc=fail (p=QUARANTINE sp=NONE dis=QUARANTINE) header.from=faxe.example", "faxe.example",
	  AUTHRES_DMARC_FAIL },
	{ "fail wins over an aligned pass beside it", "mx.kommune.example; dkim=pass header.d=faxe.example; "
	  "dmarc=fail header.from=faxe.example", "faxe.example", AUTHRES_DMARC_FAIL },
	{ "a dmarc=fail naming no domain counts", "mx.kommune.example; dmarc=fail", "faxe.example",
	  AUTHRES_DMARC_FAIL },
	{ "a dmarc=fail about another domain does not decide", "mx.kommune.example; dmarc=fail "
	  "header.from=greve.example; dkim=pass header.d=faxe.example", "faxe.example", AUTHRES_CONFIRMED },
	{ "OpenDKIM aligned dkim pass", OPENDKIM, "faxe.example", AUTHRES_CONFIRMED },
	{ "dkim pass from a subdomain aligns (relaxed)", "mx.kommune.example; dkim=pass header.d=mail.faxe.example",
	  "faxe.example", AUTHRES_CONFIRMED },
	{ "dkim pass for the parent of the From domain aligns", "mx.kommune.example; dkim=pass header.d=faxe.example",
	  "post.faxe.example", AUTHRES_CONFIRMED },
	{ "a pass for a top-level domain aligns with nothing", "mx.kommune.example; dkim=pass header.d=example",
	  "faxe.example", AUTHRES_UNALIGNED },
	{ "a look-alike suffix is not aligned", "mx.kommune.example; spf=pass smtp.mailfrom=evilfaxe.example",
	  "faxe.example", AUTHRES_UNALIGNED },
	{ "spf softfail is not a pass", "mx.kommune.example; spf=softfail smtp.mailfrom=faxe.example", "faxe.example",
	  AUTHRES_UNALIGNED },
	{ "dmarc=none and nothing else", "mx.kommune.example; dmarc=none header.from=faxe.example", "faxe.example",
	  AUTHRES_UNALIGNED },
	{ "none at all", "mx.kommune.example; none", "faxe.example", AUTHRES_UNALIGNED },
	{ "a dkim pass without a domain", "mx.kommune.example; dkim=pass", "faxe.example", AUTHRES_UNALIGNED },
};

static void test_verdict(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(verdict_cases) / sizeof(verdict_cases[0]); i++) {
		const struct verdict_case *c = &verdict_cases[i];
		struct authres a;
		char why[128];
		enum authres_verdict v;

		if (authres_parse(c->value, &a) < 0)
			fail_msg("%s: does not parse", c->what);
		v = authres_verdict(&a, c->from_domain, why, sizeof(why));
		if (v != c->verdict)
			fail_msg("%s: verdict %d, expected %d (%s)", c->what, v, c->verdict, why);
		assert_non_null(strstr(why, c->from_domain));
	}
}

static void test_aligned(void **state)
{
	(void)state;
	assert_true(authres_aligned("faxe.example", "FAXE.example"));
	assert_true(authres_aligned("a.b.faxe.example", "faxe.example"));
	assert_true(authres_aligned("faxe.example", "a.faxe.example"));
	assert_false(authres_aligned("xfaxe.example", "faxe.example"));
	assert_false(authres_aligned("faxe.example", "example"));
	assert_false(authres_aligned("", "faxe.example"));
	assert_false(authres_aligned("faxe.example", ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_verdict),
		cmocka_unit_test(test_aligned),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
