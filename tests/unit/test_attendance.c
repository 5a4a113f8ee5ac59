/* attendance: placing a Teams report's participants on a meeting's invitees (address, UPN, name, organizer,
 * guests from the roster, a name two invitees share), and the referat's people from a recorded state. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attendance.h"
#include "util.h"

static struct store_invitation invs[] = {
	{ "anne.dahl@faxe.example", "Anne Mose Dahl", "Faxe", "medlem", 1, 0 },
	{ "dennis.kragh@holbaek.example", "Dennis Kragh", "Holbæk", "medlem", 1, 0 },
	{ "soeren.oersted@soroe.example", "Søren Ørsted", "Sorø", "medlem", 1, 0 },
	{ "lise.holm@koege.example", "Lise Holm", "Køge", "medlem", 1, 0 },
	{ "lise.holm@stevns.example", "Lise Holm", "Stevns", "medlem", 1, 0 },
	{ "bo.aagaard@greve.example", "Bo Aagaard", "Greve", "medlem", 0, 1 },   /* sent a CANCEL */
	{ "jesper.vang@solroed.example", "Jesper Vang", "Solrød", "sekretær", 1, 0 },
};

static struct person roster_people[] = {
	{ "Tue Bilde", "Region Sjælland", "tue.bilde@region.example", ROLE_GUEST, 2 },
	{ "Bo Aagaard", "Greve", "bo.aagaard@greve.example", ROLE_MEMBER, 3 },
};

static const struct match_case {
	const char *name, *email, *upn, *role;
	enum attendance_how how;
	const char *inv;          /* the invitee's address, or the roster person's, or NULL */
} cases[] = {
	{ "Anne Mose Dahl", "ANNE.DAHL@FAXE.EXAMPLE", "", "Presenter", ATTENDANCE_BY_EMAIL, "anne.dahl@faxe.example" },
	{ "A. M. Dahl", "", "anne.dahl@faxe.example", "", ATTENDANCE_BY_EMAIL, "anne.dahl@faxe.example" },
	{ "Kragh, Dennis", "", "", "Attendee", ATTENDANCE_BY_NAME, "dennis.kragh@holbaek.example" },
	{ "Soren Orsted", "soren@privat.example", "", "", ATTENDANCE_BY_NAME, "soeren.oersted@soroe.example" },
	{ "Anne Dahl", "", "", "", ATTENDANCE_BY_NAME, "anne.dahl@faxe.example" },
	{ "Lise Holm", "lise@privat.example", "", "", ATTENDANCE_AMBIGUOUS, NULL },
	{ "Karin Lund", "tovholder@netvaerk.example", "", "Attendee", ATTENDANCE_ORGANIZER, NULL },
	{ "Someone Else", "x@y.example", "", "Organizer", ATTENDANCE_ORGANIZER, NULL },
	{ "Tue Bilde", "tue.bilde@region.example", "", "", ATTENDANCE_GUEST, "tue.bilde@region.example" },
	{ "Bilde, Tue", "", "", "", ATTENDANCE_GUEST, "tue.bilde@region.example" },
	/* cancelled invitees are not placed on the meeting: the roster still knows them */
	{ "Bo Aagaard", "bo.aagaard@greve.example", "", "", ATTENDANCE_GUEST, "bo.aagaard@greve.example" },
	{ "Vera Konsulent", "vera@konsulent.example", "", "", ATTENDANCE_GUEST, NULL },
	{ "+4512****34", "", "", "", ATTENDANCE_GUEST, NULL },
	{ "Anne", "", "", "", ATTENDANCE_GUEST, NULL },
};

static void test_match(void **state)
{
	const size_t n = sizeof(cases) / sizeof(cases[0]);
	struct store_meeting mt = { .id = 1, .inv = invs, .n_inv = sizeof(invs) / sizeof(invs[0]) };
	struct roster roster = { roster_people, sizeof(roster_people) / sizeof(roster_people[0]) };
	struct teams_participant *ps = xcalloc(n, sizeof(*ps));
	struct teams_report r = { .people = ps, .n = n };
	struct attendance_match *m = xcalloc(n, sizeof(*m));

	(void)state;
	for (size_t i = 0; i < n; i++)
		ps[i] = (struct teams_participant){ (char *)cases[i].name, (char *)cases[i].email,
						    (char *)cases[i].upn, (char *)cases[i].role, 60, "", (int)i + 10 };
	attendance_match(&r, &mt, &roster, "tovholder@netvaerk.example", m);
	for (size_t i = 0; i < n; i++) {
		const char *got = m[i].inv ? m[i].inv->email : m[i].person ? m[i].person->email : NULL;
		if (m[i].how != cases[i].how || (got == NULL) != (cases[i].inv == NULL) ||
		    (got && strcmp(got, cases[i].inv) != 0))
			fail_msg("'%s' <%s>: how %d, placed on %s", cases[i].name, cases[i].email, m[i].how,
				 got ? got : "nobody");
	}
	assert_non_null(m[5].detail);
	assert_non_null(strstr(m[5].detail, "lise.holm@koege.example"));
	assert_non_null(strstr(m[5].detail, "lise.holm@stevns.example"));
	attendance_matches_free(m, n);
	free(ps);
}

/* Recorded in a real store: present, afbud with a substitute who came as a guest, absent, a guest. */
static void test_load(void **state)
{
	char path[] = "/tmp/test_attendance.XXXXXX";
	int fd = mkstemp(path);
	struct err err = { "" };
	struct store *st;
	struct store_meeting mt = { 0 };
	struct attendance a;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	st = store_open(path, &err);
	assert_non_null(st);
	mt.uid = "uid-1";
	snprintf(mt.date, sizeof(mt.date), "2027-03-05");
	mt.place = mt.online_url = mt.agenda = mt.organizer = mt.summary = "";
	assert_int_equal(store_put_meeting(st, &mt, &err), 0);
	mt.inv = invs;
	mt.n_inv = sizeof(invs) / sizeof(invs[0]);
	for (size_t i = 0; i < mt.n_inv; i++)
		assert_int_equal(store_put_invitation(st, mt.id, &invs[i], &err), 0);

	/* before anything is recorded: the answers */
	struct store_answer ans = { .meeting_id = mt.id, .email = "dennis.kragh@holbaek.example", .answer = "afbud",
				    .source = "manuel", .at = 100, .substitute = "Ulrik Hedegaard", .force = 1 };
	assert_int_equal(store_answer_put(st, &ans, &err), 1);
	ans.email = "anne.dahl@faxe.example";
	ans.answer = "tilsagn";
	ans.substitute = NULL;
	assert_int_equal(store_answer_put(st, &ans, &err), 1);
	assert_int_equal(attendance_load(st, &mt, &a, &err), 0);
	assert_false(a.confirmed);
	assert_int_equal(a.n, 6);
	assert_int_equal(a.people[0].answer, REFERAT_ACCEPTED);
	assert_int_equal(a.people[1].answer, REFERAT_DECLINED);
	assert_int_equal(a.people[2].answer, REFERAT_NO_ANSWER);
	assert_int_equal(attendance_present(&a, "anne.dahl@faxe.example"), -1);
	attendance_release(&a);

	/* after: Anne was not there (though she accepted), Søren was; Dennis sent afbud and Ulrik came for him */
	struct store_attendance row = { .email = "soeren.oersted@soroe.example", .present = 1, .source = "teams",
					.duration_s = 60 };
	assert_int_equal(store_attendance_put(st, mt.id, &row, &err), 1);
	struct store_attendance_extra g = { .kind = "guest", .source = "teams", .name = "Ulrik Hedegaard",
					    .org = "", .email = "", .duration_s = 60, .line = 12 };
	assert_int_equal(store_attendance_extra_add(st, mt.id, &g, &err), 0);
	g.name = "Vera Konsulent";
	g.email = "vera@konsulent.example";
	assert_int_equal(store_attendance_extra_add(st, mt.id, &g, &err), 0);
	g.kind = "unmatched";
	g.name = "Lise Holm";
	assert_int_equal(store_attendance_extra_add(st, mt.id, &g, &err), 0);
	assert_int_equal(attendance_load(st, &mt, &a, &err), 0);
	assert_true(a.confirmed);
	assert_int_equal(a.n_invitees, 6);
	assert_int_equal(a.n, 7);   /* Ulrik is on the line as Dennis' substitute; the unmatched row is not */
	assert_int_equal(a.people[0].answer, REFERAT_ABSENT);
	assert_int_equal(a.people[1].answer, REFERAT_DECLINED);
	assert_string_equal(a.people[1].substitute, "Ulrik Hedegaard");
	assert_int_equal(a.people[2].answer, REFERAT_PRESENT);
	assert_int_equal(a.people[5].is_secretary, 1);
	assert_string_equal(a.people[6].name, "Vera Konsulent");
	assert_true(a.people[6].is_guest);
	assert_int_equal(a.people[6].answer, REFERAT_PRESENT);
	assert_int_equal(attendance_present(&a, "soeren.oersted@soroe.example"), 1);
	assert_int_equal(attendance_present(&a, "anne.dahl@faxe.example"), 0);
	attendance_release(&a);

	/* a correction by hand wins over a report imported again */
	row.source = "manuel";
	row.present = 0;
	assert_int_equal(store_attendance_put(st, mt.id, &row, &err), 1);
	row.source = "teams";
	row.present = 1;
	assert_int_equal(store_attendance_put(st, mt.id, &row, &err), 0);
	assert_int_equal(attendance_load(st, &mt, &a, &err), 0);
	assert_int_equal(a.people[2].answer, REFERAT_ABSENT);
	attendance_release(&a);

	store_free(st);
	unlink(path);
	char *wal = xasprintf("%s-wal", path), *shm = xasprintf("%s-shm", path);
	unlink(wal);
	unlink(shm);
	free(wal);
	free(shm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
