/* autoreply: every marker of the table, and what is not one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "autoreply.h"
#include "inmail.h"

static void test_markers(void **state)
{
	static const struct {
		const char *headers;
		const char *why;
	} cases[] = {
		{ "Auto-Submitted: auto-replied\n", "Auto-Submitted header" },
		{ "Auto-Submitted: auto-generated; owner-email=\"x@y.example\"\n", "Auto-Submitted header" },
		{ "Auto-Submitted: No\n", NULL },
		{ "Auto-Submitted: no (a human)\n", NULL },
		{ "Auto-Submitted: \n", NULL },
		{ "X-Autoreply: yes\n", "X-Autoreply header" },
		{ "X-Autoreply: no\n", NULL },
		{ "X-Autorespond: x\n", "X-Autorespond header" },
		{ "Precedence: BULK\n", "Precedence header" },
		{ "Precedence: list\n", "Precedence header" },
		{ "Precedence: junk\n", "Precedence header" },
		{ "Precedence: auto_reply\n", "Precedence header" },
		{ "Precedence: first-class\n", NULL },
		/* iCloud: no Auto-Submitted, only X-Apple-Action */
		{ "Subject: Ferie\nX-Apple-Action: VACATION\n", "X-Apple-Action: VACATION" },
		{ "X-Apple-Action: vacation/forward\n", NULL },
		/* Exchange: the pair, never X-Auto-Response-Suppress alone */
		{ "Subject: Ferie\nX-Auto-Response-Suppress: All\nX-MS-Exchange-Inbox-Rules-Loop: a@x.example\n",
		  "Exchange inbox-rule reply" },
		{ "Subject: SV: Invitation\nX-Auto-Response-Suppress: All\n", NULL },
		{ "Subject: SV: Invitation\nX-MS-Exchange-Inbox-Rules-Loop: a@x.example\n", NULL },
		/* subject prefixes, last resort */
		{ "Subject: Automatisk svar: Invitation\n", "out-of-office subject" },
		{ "Subject: AUTOMATISK SVAR: x\n", "out-of-office subject" },
		{ "Subject: =?utf-8?Q?Frav=C3=A6rsbesked?=\n", "out-of-office subject" },
		{ "Subject: =?utf-8?Q?FRAV=C3=86RSBESKED:_ferie?=\n", "out-of-office subject" },
		{ "Subject: =?utf-8?Q?Frav=C3=A6rende:_Invitation?=\n", "out-of-office subject" },
		{ "Subject:  Autosvar: x\n", "out-of-office subject" },
		{ "Subject: Out of Office: x\n", "out-of-office subject" },
		{ "Subject: Automatic reply: x\n", "out-of-office subject" },
		{ "Subject: Auto reply: Invitation\n", "out-of-office subject" },
		{ "Subject: AutoReply: x\n", "out-of-office subject" },
		{ "Subject: Auto: x\n", "out-of-office subject" },
		{ "Subject: Automatische Antwort: Einladung\n", "out-of-office subject" },
		{ "Subject: =?utf-8?Q?R=C3=A9ponse_automatique_:_Invitation?=\n", "out-of-office subject" },
		{ "Subject: =?utf-8?Q?R=C3=89PONSE_AUTOMATIQUE_:_x?=\n", "out-of-office subject" },
		{ "Subject: Automatiskt svar: Inbjudan\n", "out-of-office subject" },
		{ "Subject: Automatisch antwoord: Uitnodiging\n", "out-of-office subject" },
		{ "Subject: Automobil til mødet\n", NULL },
		{ "Subject: Re: Automatisk svar\n", NULL },
		{ "\n", NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct inmail m;
		struct err err;
		const char *why = "untouched";

		assert_int_equal(inmail_parse(&m, cases[i].headers, strlen(cases[i].headers), &err), 0);
		if (autoreply_detect(&m, &why) != (cases[i].why != NULL))
			fail_msg("'%s': wrong verdict", cases[i].headers);
		assert_string_equal(why, cases[i].why ? cases[i].why : "untouched");
		inmail_release(&m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_markers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
