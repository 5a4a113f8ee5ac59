/* schedule: schedule.ini from memory; every problem with its exact "file:line: message". */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "check_diag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "schedule.h"
#include "util.h"

#define F "schedule.ini"


static char *replace(const char *base, const char *old, const char *new)
{
	const char *at = strstr(base, old);
	char *out;

	assert_non_null(at);
	out = malloc(strlen(base) - strlen(old) + strlen(new) + 1);
	assert_non_null(out);
	memcpy(out, base, (size_t)(at - base));
	strcpy(out + (at - base), new);
	strcat(out, at + strlen(old));
	return out;
}

static void test_good(void **state)
{
	static const char text[] =
		"; mødeplan\r\n"                                                     /* 1 */
		"[2027-09-10]\r\n"                                                   /* 2 */
		"time = 09:30-14:00\r\n"                                             /* 3 */
		"place = Holbæk Rådhus, Kanalstræde 2, 4300 Holbæk\r\n"              /* 4 */
		"agenda = Velkomst og frokost\r\n"                                   /* 5 */
		"agenda = Besøg på et botilbud ; kun hvis vejret tillader\r\n"       /* 6 */
		"guests = Gitte.Fog@Holbaek.example, bo.lerche@holbaek.example\r\n"  /* 7 */
		"guests = ny@holbaek.example;anden@holbaek.example\r\n"              /* 8 */
		"\r\n"                                                               /* 9 */
		"[2027-03-05]\r\n"                                                   /* 10 */
		"time = 10.00 - 13.00\r\n"                                           /* 11 */
		"place = Online\r\n"                                                 /* 12 */
		"online_url = https://moede.netvaerk.example/r?id=7#abc\r\n"         /* 13 */
		"\r\n"                                                               /* 14 */
		"[2027-05-14]\r\n"                                                   /* 15 */
		"moved_from = 2027-05-07\r\n"                                        /* 16 */
		"TIME = 10:00-13:00\r\n"                                             /* 17 */
		"place = online\r\n"                                                 /* 18 */
		"status = Aflyst\r\n";                                               /* 19 */
	struct schedule s;
	struct diag d;
	const struct meeting *m;

	(void)state;
	diag_init(&d);
	assert_int_equal(schedule_parse_buf(&s, text, strlen(text), F, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(s.n, 3);
	/* sorted by date */
	assert_string_equal(s.meetings[0].date, "2027-03-05");
	assert_string_equal(s.meetings[1].date, "2027-05-14");
	assert_string_equal(s.meetings[2].date, "2027-09-10");

	m = schedule_find(&s, "2027-09-10");
	assert_ptr_equal(m, &s.meetings[2]);
	assert_int_equal(m->year, 2027);
	assert_int_equal(m->month, 9);
	assert_int_equal(m->day, 10);
	assert_int_equal(m->start_min, 9 * 60 + 30);
	assert_int_equal(m->end_min, 14 * 60);
	assert_string_equal(m->place, "Holbæk Rådhus, Kanalstræde 2, 4300 Holbæk");
	assert_false(meeting_is_online(m));
	assert_null(m->online_url);
	assert_int_equal(m->n_agenda, 2);
	assert_string_equal(m->agenda[0], "Velkomst og frokost");
	assert_string_equal(m->agenda[1], "Besøg på et botilbud");
	assert_int_equal(m->n_guests, 4);
	assert_string_equal(m->guests[0], "gitte.fog@holbaek.example");
	assert_string_equal(m->guests[1], "bo.lerche@holbaek.example");
	assert_string_equal(m->guests[2], "ny@holbaek.example");
	assert_string_equal(m->guests[3], "anden@holbaek.example");
	assert_string_equal(m->moved_from, "");
	assert_int_equal(m->status, MEETING_PLANNED);
	assert_int_equal(m->line, 2);

	m = schedule_find(&s, "2027-03-05");
	assert_non_null(m);
	assert_int_equal(m->start_min, 600);
	assert_int_equal(m->end_min, 780);
	assert_true(meeting_is_online(m));
	assert_string_equal(m->online_url, "https://moede.netvaerk.example/r?id=7#abc");
	assert_int_equal(m->n_agenda, 0);
	assert_int_equal(m->line, 10);

	m = schedule_find(&s, "2027-05-14");
	assert_non_null(m);
	assert_string_equal(m->moved_from, "2027-05-07");
	assert_int_equal(m->status, MEETING_CANCELLED);

	assert_null(schedule_find(&s, "2027-05-07"));
	schedule_release(&s);
	schedule_release(&s);
	assert_int_equal(s.n, 0);

	/* an empty schedule is valid: nothing planned yet */
	assert_int_equal(schedule_parse_buf(&s, "; intet endnu\n", 14, F, &d), 0);
	assert_int_equal(s.n, 0);
	schedule_release(&s);
	diag_release(&d);
}

static const char base[] =
	"[2027-03-05]\n"                                  /* 1 */
	"time = 10:00-13:00\n"                            /* 2 */
	"place = online\n"                                /* 3 */
	"\n"                                              /* 4 */
	"[2027-05-07]\n"                                  /* 5 */
	"time = 10:00-13:00\n"                            /* 6 */
	"place = Køge Rådhus, Torvet 1, 4600 Køge\n";     /* 7 */

static const struct bad_case {
	const char *label;
	const char *old, *new; /* applied to 'base' */
	const char *want[5];
} bad_cases[] = {
	{ "time without minutes", "time = 10:00-13:00", "time = 10-13",
	  { F ":2: bad time '10-13': write it as 10:00-13:00" } },
	{ "time ending before it starts", "time = 10:00-13:00", "time = 13:00-10:00",
	  { F ":2: bad time '13:00-10:00': write it as 10:00-13:00" } },
	{ "an ESC in an agenda line", "place = online\n", "place = online\nagenda = Velkommen \x1b[31mrødt\n",
	  { F ":4: a control character (U+001B) on this line: delete it (an editor may show it as nothing at all)" } },
	{ "a C1 control (U+009B) in UTF-8 and a backspace", "place = online\n",
	  "place = online\nagenda = Oplæg\xC2\x9B\nagenda = Drøftelse\b\n",
	  { F ":4: a control character (U+009B) on this line: delete it (an editor may show it as nothing at all)",
	    F ":5: a control character (U+0008) on this line: delete it (an editor may show it as nothing at all)" } },
	{ "missing time", "time = 10:00-13:00\n", "",
	  { F ":1: meeting [2027-03-05] has no time: add time = 10:00-13:00" } },
	{ "missing place", "place = Køge Rådhus, Torvet 1, 4600 Køge\n", "",
	  { F ":5: meeting [2027-05-07] has no place: add place = online, or the address" } },
	{ "empty meeting", "[2027-05-07]\ntime = 10:00-13:00\nplace = Køge Rådhus, Torvet 1, 4600 Køge\n",
	  "[2027-05-07]\n",
	  { F ":5: meeting [2027-05-07] has no time: add time = 10:00-13:00",
	    F ":5: meeting [2027-05-07] has no place: add place = online, or the address" } },
	{ "no such date", "[2027-05-07]", "[2027-02-29]",
	  { F ":5: bad meeting date [2027-02-29]: write the section name as YYYY-MM-DD, a real date" } },
	{ "Danish date", "[2027-05-07]", "[7. maj 2027]",
	  { F ":5: bad meeting date [7. maj 2027]: write the section name as YYYY-MM-DD, a real date" } },
	{ "repeated date", "[2027-05-07]", "[2027-03-05]",
	  { F ":5: meeting [2027-03-05] is already at line 1: merge the two sections" } },
	{ "key before any section", "[2027-03-05]\n", "place = online\n[2027-03-05]\n",
	  { F ":1: 'place' is outside any section: move it below a [section] line" } },
	{ "bad section header", "[2027-05-07]", "2027-05-07]",
	  { F ":5: bad section header '2027-05-07]': write it as [name]" } },
	{ "typo in a key", "time = 10:00-13:00\n", "tid = 10:00-13:00\n",
	  { F ":2: unknown key 'tid' in [2027-03-05]: did you mean 'time'?",
	    F ":1: meeting [2027-03-05] has no time: add time = 10:00-13:00" } },
	{ "unknown key", "place = online\n", "place = online\nreferent = Jesper\n",
	  { F ":4: unknown key 'referent' in [2027-03-05]: the keys are time, place, online_url, agenda, guests, "
	      "guest_item, moved_from and status" } },
	{ "repeated key", "place = online\n", "place = online\ntime = 11:00-12:00\n",
	  { F ":4: 'time' is already set at line 2: keep one of them" } },
	{ "empty agenda item", "place = online\n", "place = online\nagenda =\n",
	  { F ":4: 'agenda' is empty: give it a value or remove the line" } },
	{ "bad status", "place = online\n", "place = online\nstatus = udsat\n",
	  { F ":4: bad status 'udsat': the only status is cancelled (or aflyst); remove the line for a planned "
	      "meeting" } },
	{ "link without scheme", "place = online\n", "place = online\nonline_url = moede.netvaerk.example/x\n",
	  { F ":4: bad online_url 'moede.netvaerk.example/x': write the whole link, starting with https://" } },
	{ "bad guest address", "place = online\n", "place = online\nguests = a@kommune.example, ikke-en-adresse\n",
	  { F ":4: bad guest address 'ikke-en-adresse': write plain addresses separated by commas" } },
	{ "repeated guest", "place = online\n",
	  "place = online\nguests = a@kommune.example\nguests = b@kommune.example A@Kommune.example\n",
	  { F ":5: guest 'a@kommune.example' is listed twice for [2027-03-05]: remove one" } },
	{ "bad moved_from", "place = online\n", "place = online\nmoved_from = 7/5\n",
	  { F ":4: bad moved_from '7/5': write the old date as YYYY-MM-DD" } },
	{ "moved from itself", "place = online\n", "place = online\nmoved_from = 2027-03-05\n",
	  { F ":4: moved_from is the meeting's own date 2027-03-05: write the date it was moved from, or remove the "
	      "line" } },
	{ "moved from a meeting still planned", "place = Køge", "moved_from = 2027-03-05\nplace = Køge",
	  { F ":5: [2027-05-07] is moved from 2027-03-05, but [2027-03-05] is still at line 1: remove that "
	      "section" } },
	{ "not UTF-8", "place = Køge", "place = K\xF8ge",
	  { F ":7: not valid UTF-8 text: save the file as UTF-8",
	    F ":5: meeting [2027-05-07] has no place: add place = online, or the address" } },
	{ "several problems at once", "time = 10:00-13:00\nplace = online\n",
	  "time = 10:00-12:60\nplace = online\nstatus = flyttet\nguests = x@\n",
	  { F ":2: bad time '10:00-12:60': write it as 10:00-13:00",
	    F ":4: bad status 'flyttet': the only status is cancelled (or aflyst); remove the line for a planned "
	    "meeting",
	    F ":5: bad guest address 'x@': write plain addresses separated by commas" } },
};

/* guest_item: the guest must be one of the meeting's guests and the item one of its agenda lines. */
static const char gbase[] =
	"[2027-03-05]\n"                                  /* 1 */
	"time = 10:00-13:00\n"                            /* 2 */
	"place = online\n"                                /* 3 */
	"agenda = Velkommen\n"                            /* 4 */
	"agenda = Oplæg\n"                                /* 5 */
	"guests = gaest@uni.example\n"                    /* 6 */
	"GUEST_ITEM\n";                                   /* 7 */

static const struct bad_case guest_item_cases[] = {
	{ "not a guest of the meeting", "GUEST_ITEM", "guest_item = anden@uni.example 2",
	  { F ":7: guest_item: 'anden@uni.example' is not a guest of [2027-03-05]: add them to its guests line" } },
	{ "no such agenda item", "GUEST_ITEM", "guest_item = gaest@uni.example 3",
	  { F ":7: guest_item: [2027-03-05] has no agenda item 3 (it has 2): count the agenda lines from 1" } },
	{ "item zero", "GUEST_ITEM", "guest_item = gaest@uni.example 0",
	  { F ":7: bad guest_item 'gaest@uni.example 0': write the guest's address and the number of the agenda "
	      "item, as guest_item = navn@kommune.dk 2" } },
	{ "no item", "GUEST_ITEM", "guest_item = gaest@uni.example",
	  { F ":7: bad guest_item 'gaest@uni.example': write the guest's address and the number of the agenda "
	      "item, as guest_item = navn@kommune.dk 2" } },
	{ "Danish item", "GUEST_ITEM", "guest_item = gaest@uni.example punkt 2",
	  { F ":7: bad guest_item 'gaest@uni.example punkt 2': write the guest's address and the number of the "
	      "agenda item, as guest_item = navn@kommune.dk 2" } },
	{ "item and junk", "GUEST_ITEM", "guest_item = gaest@uni.example 2b",
	  { F ":7: bad guest_item 'gaest@uni.example 2b': write the guest's address and the number of the agenda "
	      "item, as guest_item = navn@kommune.dk 2" } },
	{ "name instead of address", "GUEST_ITEM", "guest_item = Gitte 2",
	  { F ":7: bad guest_item 'Gitte 2': write the guest's address and the number of the agenda item, as "
	      "guest_item = navn@kommune.dk 2" } },
	{ "twice under one item", "GUEST_ITEM", "guest_item = gaest@uni.example 2\nguest_item = GAEST@uni.example 2",
	  { F ":8: guest_item: 'gaest@uni.example' is already under item 2: remove one" } },
	{ "no agenda at all", "agenda = Velkommen\nagenda = Oplæg\nguests = gaest@uni.example\nGUEST_ITEM",
	  "guests = gaest@uni.example\nguest_item = gaest@uni.example 1",
	  { F ":5: guest_item: [2027-03-05] has no agenda item 1 (it has 0): count the agenda lines from 1" } },
	{ "empty", "GUEST_ITEM", "guest_item =",
	  { F ":7: 'guest_item' is empty: give it a value or remove the line" } },
};

static void run_case(const char *text, const char *const *want, const char *label)
{
	struct schedule s;
	struct diag d;

	diag_init(&d);
	assert_int_equal(schedule_parse_buf(&s, text, strlen(text), F, &d), -1);
	check_diag(&d, want, label);
	/* what could be read is still there, and never has a NULL place */
	for (size_t i = 0; i < s.n; i++)
		assert_non_null(s.meetings[i].place);
	schedule_release(&s);
	diag_release(&d);
}

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		char *text = replace(base, c->old, c->new);

		run_case(text, c->want, c->label);
		free(text);
	}
}

static void test_guest_item_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(guest_item_cases) / sizeof(guest_item_cases[0]); i++) {
		const struct bad_case *c = &guest_item_cases[i];
		char *text = replace(gbase, c->old, c->new);

		run_case(text, c->want, c->label);
		free(text);
	}
}

static void test_guest_item_good(void **state)
{
	/* the guest_item lines may come before the guests and agenda they name */
	static const char text[] =
		"[2027-03-05]\n"
		"guest_item = Gaest@Uni.example, 2\n"
		"guest_item = to@kommune.example 1\n"
		"guest_item = gaest@uni.example\t3\n"
		"time = 10:00-13:00\n"
		"place = online\n"
		"agenda = Velkommen\n"
		"agenda = Oplæg\n"
		"agenda = Drøftelse\n"
		"guests = gaest@uni.example, to@kommune.example\n"
		"[2027-05-07]\n"
		"time = 10:00-13:00\n"
		"place = online\n";
	static const struct { const char *email; size_t item; int line; } want[] = {
		{ "gaest@uni.example", 2, 2 },
		{ "to@kommune.example", 1, 3 },
		{ "gaest@uni.example", 3, 4 },
	};
	struct schedule s;
	struct diag d;
	const struct meeting *m;

	(void)state;
	diag_init(&d);
	assert_int_equal(schedule_parse_buf(&s, text, strlen(text), F, &d), 0);
	m = schedule_find(&s, "2027-03-05");
	assert_non_null(m);
	assert_int_equal(m->n_guest_items, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(m->guest_items[i].email, want[i].email);
		assert_int_equal(m->guest_items[i].item, want[i].item);
		assert_int_equal(m->guest_items[i].line, want[i].line);
	}
	m = schedule_find(&s, "2027-05-07");
	assert_int_equal(m->n_guest_items, 0);
	assert_null(m->guest_items);
	schedule_release(&s);

	/* a bad line is reported and dropped; the good one stays */
	assert_int_equal(schedule_parse_buf(&s, text, strlen(text) - strlen("[2027-05-07]\ntime = 10:00-13:00\n"
			 "place = online\n") - strlen("guests = gaest@uni.example, to@kommune.example\n"), F, &d), -1);
	assert_int_equal(d.n, 3);
	assert_int_equal(s.meetings[0].n_guest_items, 0);
	schedule_release(&s);
	diag_release(&d);
}

static void test_two_moves(void **state)
{
	static const char text[] =
		"[2027-03-12]\n"
		"moved_from = 2027-04-02\n"
		"time = 10:00-13:00\n"
		"place = online\n"
		"[2027-04-09]\n"
		"moved_from = 2027-04-02\n"
		"time = 10:00-13:00\n"
		"place = online\n";
	static const char *const want[] = {
		F ":5: [2027-04-09] and [2027-03-12] (line 1) are both moved from 2027-04-02: only one meeting can "
		"take its place",
		NULL,
	};

	(void)state;
	run_case(text, want, "two meetings moved from one date");
}

static void test_limits(void **state)
{
	struct schedule s;
	struct diag d;
	struct buf b;
	char want[128];

	(void)state;
	diag_init(&d);
	buf_init(&b);
	/* 501 meetings: the 501st is refused, once */
	for (int i = 0; i < 501; i++) {
		int y = 2030 + i / 300, doy = i % 300, m = 1 + doy / 28, day = 1 + doy % 28;
		buf_addf(&b, "[%04d-%02d-%02d]\ntime = 10:00-13:00\nplace = online\n", y, m, day);
	}
	assert_int_equal(schedule_parse_buf(&s, b.data, b.len, F, &d), -1);
	assert_int_equal(s.n, 500);
	assert_int_equal(d.n, 1);
	snprintf(want, sizeof(want), F ":%d: more than 500 meetings: remove old ones", 500 * 3 + 1);
	assert_string_equal(d.msgs[0], want);
	schedule_release(&s);
	diag_release(&d);
	buf_release(&b);
}

static void test_example_file(void **state)
{
	char *dir = util_dirname(__FILE__);
	char *path = xasprintf("%s/../../config/schedule.ini", dir);
	struct schedule s;
	struct diag d;

	(void)state;
	free(dir);
	if (access(path, R_OK) != 0) {
		free(path);
		skip();
	}
	diag_init(&d);
	if (schedule_load(&s, path, &d) < 0)
		diag_print(&d);
	assert_int_equal(d.n, 0);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.meetings[3].status, MEETING_CANCELLED);
	assert_string_equal(s.meetings[1].moved_from, "2027-05-07");
	schedule_release(&s);
	diag_release(&d);
	free(path);

	/* a missing file is one message naming it */
	assert_int_equal(schedule_load(&s, "/nonexistent/schedule.ini", &d), -1);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.msgs[0], "/nonexistent/schedule.ini: cannot open '/nonexistent/schedule.ini': No such "
			    "file or directory");
	schedule_release(&s);
	diag_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_guest_item_bad),
		cmocka_unit_test(test_guest_item_good),
		cmocka_unit_test(test_two_moves),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_example_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
