/* Unit tests for afbud.c: a table of Danish replies with the answer, substitute and dates each must give;
 * quote cutting for every client family; subject prefixes; autoreply subjects; bounded work on huge input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "afbud.h"
#include "util.h"

#define D AFBUD_DECLINE
#define A AFBUD_ACCEPT
#define T AFBUD_TENTATIVE
#define U AFBUD_UNCLEAR

static const struct ccase {
	const char *subject;
	const char *text;
	enum afbud_answer want;
	const char *sub;      /* the substitute's name, NULL for none */
	const char *dates;    /* "d.m.y;…" as found, "" for none */
	const char *reason;   /* UNCLEAR: a part of the reason; NULL otherwise */
} cases[] = {
	/* afbud in many wordings */
	{ NULL, "Jeg må desværre melde afbud til mødet fredag.", D, NULL, "", NULL },
	{ "SV: Netværksmøde fredag d. 7. marts 2027", "Kan desværre ikke deltage d. 7/3.", D, NULL, "7.3.2027", NULL },
	{ NULL, "Hej Karin\n\nJeg kan desværre ikke deltage i mødet.\n\nMvh\nJens", D, NULL, "", NULL },
	{ NULL, "Jeg er forhindret.", D, NULL, "", NULL },
	{ NULL, "Jeg bliver desværre forhindret d. 12. september.", D, NULL, "12.9.0", NULL },
	{ NULL, "Jeg har desværre ikke mulighed for at deltage denne gang.", D, NULL, "", NULL },
	{ NULL, "Jeg må desværre sige nej tak til mødet den 14/11.", D, NULL, "14.11.0", NULL },
	{ NULL, "Afbud fra mig.", D, NULL, "", NULL },
	{ "SV: Afbud til mødet", "Mvh Jens", D, NULL, "", NULL },
	{ "Sv: sv: AFBUD netværksmøde", "", D, NULL, "", NULL },
	{ NULL, "Jeg deltager ikke.", D, NULL, "", NULL },
	{ NULL, "Jeg kommer ikke på fredag, da jeg er på kursus.", D, NULL, "", NULL },
	{ NULL, "Jeg når det desværre ikke.", D, NULL, "", NULL },
	{ NULL, "Jeg ser mig nødsaget til at melde afbud til mødet d. 7. marts 2027.", D, NULL, "7.3.2027", NULL },
	{ NULL, "Jeg er syg og kan ikke komme i dag.", D, NULL, "", NULL },
	{ NULL, "Jeg er på ferie den dag, så jeg melder afbud.", D, NULL, "", NULL },
	{ NULL, "Det kan jeg desværre ikke.", D, NULL, "", NULL },
	{ NULL, "Jeg må melde fra til netværksmødet fredag den 7/3.", D, NULL, "7.3.0", NULL },
	{ NULL, "Hermed afbud til mødet 07.03.2027.", D, NULL, "7.3.2027", NULL },
	{ NULL, "Jeg sender afbud til mødet 7.3.", D, NULL, "7.3.0", NULL },
	{ NULL, "Desværre kan jeg ikke være med d. 2. maj.", D, NULL, "2.5.0", NULL },
	{ NULL, "JEG ER DESVÆRRE DOBBELTBOOKET.", D, NULL, "", NULL },
	{ NULL, "Kommer desværre ikke.", D, NULL, "", NULL },
	{ NULL, "Jeg er på ferie d. 7/3-27.", D, NULL, "7.3.2027", NULL },
	{ NULL, "Jeg er desværre på ferie den dag.", D, NULL, "", NULL },
	{ NULL, "Jeg er på ferie.", U, NULL, "", "without a meeting reference" },
	{ NULL, "Det kan desværre ikke lade sig gøre for mig at deltage.", D, NULL, "", NULL },
	{ NULL, "Jeg vil desværre ikke kunne deltage – beklager!", D, NULL, "", NULL },
	/* acceptance */
	{ NULL, "Jeg deltager gerne.", A, NULL, "", NULL },
	{ NULL, "Tak for invitationen, jeg deltager.", A, NULL, "", NULL },
	{ NULL, "Jeg kommer.", A, NULL, "", NULL },
	{ NULL, "Deltager gerne i mødet d. 7. marts.", A, NULL, "7.3.0", NULL },
	{ NULL, "Jeg er med!", A, NULL, "", NULL },
	{ NULL, "Ses på fredag!", A, NULL, "", NULL },
	{ NULL, "Jeg kan godt deltage.", A, NULL, "", NULL },
	{ NULL, "Jeg deltager online via Teams.", A, NULL, "", NULL },
	{ NULL, "Jeg kommer gerne til mødet den 12. september 2027.", A, NULL, "12.9.2027", NULL },
	{ NULL, "Hej Karin\nDeltager.\nMvh Jens", A, NULL, "", NULL },
	{ NULL, "Vi ses til mødet.", A, NULL, "", NULL },
	{ NULL, "Jeg deltager i stedet for Birte Holm, som er på barsel.", A, NULL, "", NULL },
	{ NULL, "Jeg bekræfter hermed min deltagelse.", A, NULL, "", NULL },
	{ NULL, "Jeg regner med at deltage.", A, NULL, "", NULL },
	{ NULL, "Vi ses fredag kl. 9.10. Jeg glæder mig.", A, NULL, "", NULL },
	{ NULL, "Jeg deltager gerne kl. 10.00 som planlagt.", A, NULL, "", NULL },
	{ "SV: Netværksmøde d. 2. okt 2027", "Jeg er med.\nEr der et link til Teams?", A, NULL, "2.10.2027", NULL },
	/* maybe */
	{ NULL, "Jeg deltager måske.", T, NULL, "", NULL },
	{ NULL, "Jeg kan muligvis deltage.", T, NULL, "", NULL },
	{ NULL, "Jeg regner med at deltage, men det afhænger af et andet møde.", T, NULL, "", NULL },
	{ NULL, "Jeg er ikke sikker på, om jeg kan nå det.", T, NULL, "", NULL },
	{ NULL, "Jeg ved endnu ikke, om jeg kan komme d. 14/11.", T, NULL, "14.11.0", NULL },
	{ NULL, "Jeg forsøger at komme, men kan ikke love noget.", T, NULL, "", NULL },
	{ NULL, "Jeg kommer formentlig.", T, NULL, "", NULL },
	/* for a human */
	{ NULL, "Skal jeg melde afbud?", U, NULL, "", "question" },
	{ NULL, "Skal jeg melde afbud til mødet d. 12. sep.", U, NULL, "12.9.0", "question" },
	{ NULL, "Tak for referatet.", U, NULL, "", "no attendance wording" },
	{ NULL, "Jeg kan ikke vente med at se jer alle sammen!", U, NULL, "", "no attendance wording" },
	{ NULL, "Tak!", U, NULL, "", "no attendance wording" },
	{ NULL, "Jeg deltager til kl. 11, så må gå.", U, NULL, "", "partial" },
	{ NULL, "Jeg kommer lidt senere.", U, NULL, "", "partial" },
	{ NULL, "Jeg kan kun deltage i den første time.", U, NULL, "", "partial" },
	{ NULL, "Jeg kan desværre ikke deltage, men jeg kommer gerne næste gang.", U, NULL, "",
	  "both afbud and acceptance" },
	{ NULL, "Hvis jeg ikke kommer, er det fordi jeg er syg.", U, NULL, "", "conditional" },
	{ NULL, "Birte kan ikke deltage.", U, NULL, "", "behalf" },
	{ NULL, "Min kollega deltager i stedet.", U, NULL, "", "substitute without a name" },
	{ NULL, "Jeg er på ferie i uge 10.", U, NULL, "", "without a meeting reference" },
	{ NULL, "", U, NULL, "", "empty text" },
	{ NULL, "Jeg kan desværre ikke finde linket.", U, NULL, "", "no attendance wording" },
	{ NULL, "Deltager du også, Karin?", U, NULL, "", "no attendance wording" },
	{ NULL, "Jeg kan nok ikke deltage, men jeg prøver at komme.", T, NULL, "", NULL },
	{ NULL, "Kan jeg deltage online i stedet", U, NULL, "", "question" },
	{ NULL, "Husk at melde afbud.", U, NULL, "", "no attendance wording" },
	{ NULL, "Jeg melder afbud til mødet 7/3, men kommer gerne d. 2/5.", U, NULL, "7.3.0;2.5.0",
	  "both afbud and acceptance" },
	/* substitutes */
	{ NULL, "Jeg kan desværre ikke deltage, men min kollega Birte Holm deltager i stedet.", D, "Birte Holm", "",
	  NULL },
	{ NULL, "Anne-Mette Vang kommer i stedet for mig.", D, "Anne-Mette Vang", "", NULL },
	{ NULL, "I stedet deltager Søren Ågård fra Familieafdelingen.", D, "Søren Ågård", "", NULL },
	{ NULL, "Jens Østergaard deltager for mig d. 7. marts.", D, "Jens Østergaard", "7.3.0", NULL },
	{ NULL, "Jeg er forhindret, så min leder Lise K. Bak kommer i stedet.", D, "Lise K. Bak", "", NULL },
	{ NULL, "Derfor deltager Ørnulf Dahl i stedet.", D, "Ørnulf Dahl", "", NULL },
	{ NULL, "Jeg sender min kollega Åse Lund.", D, "Åse Lund", "", NULL },
	{ NULL, "Kan min kollega Birte Holm deltage i stedet?", U, "Birte Holm", "", "question" },
	{ NULL, "Jeg er desværre forhindret, men Karin Lund fra min afdeling deltager i stedet for mig.", D, "Karin Lund",
	  "", NULL },
	{ NULL, "Jeg deltager ikke, men min souschef Hans Berg kommer.", D, "Hans Berg", "", NULL },
	{ NULL, "Jeg kan desværre ikke, men har bedt Birte Holm om at deltage.", D, "Birte Holm", "", NULL },
	{ NULL, "Birte Holm tager min plads.", D, "Birte Holm", "", NULL },
	{ NULL, "Min leder, Birte Holm, deltager i stedet.", D, "Birte Holm", "", NULL },
	{ NULL, "Jeg kommer ikke til mødet, men Birte Holm gør.", D, "Birte Holm", "", NULL },
	/* someone else's answer, or no substitute at all */
	{ NULL, "Jeg melder afbud for Birte Holm.", U, NULL, "", "behalf" },
	{ NULL, "Min kollega Birte Holm har desværre meldt afbud.", U, NULL, "", "behalf" },
	{ NULL, "Jeg sender afbud på vegne af min chef.", U, NULL, "", "behalf" },
	{ NULL, "Jeg tager Birte Holm med.", U, NULL, "", "no attendance wording" },
	/* more wordings that once went wrong */
	{ NULL, "Vil gerne deltage, men er desværre forhindret.", D, NULL, "", NULL },
	{ NULL, "Jeg glæder mig til at deltage.", A, NULL, "", NULL },
	{ NULL, "Jeg er ikke syg længere, så jeg kommer alligevel.", A, NULL, "", NULL },
	{ NULL, "Jeg deltager d. 7/3 men ikke d. 2/5.", U, NULL, "7.3.0;2.5.0", "both afbud and acceptance" },
	{ NULL, "Jeg er forhindret d. 7/3 og d. 2/5, men deltager d. 12/9.", U, NULL, "7.3.0;2.5.0;12.9.0",
	  "both afbud and acceptance" },
	{ NULL, "Jeg har en anden aftale.", U, NULL, "", "without a meeting reference" },
	{ NULL, "Kan ikke", D, NULL, "", NULL },
	{ NULL, "Jeg kan ikke på nuværende tidspunkt sige om jeg kan deltage.", U, NULL, "", NULL },
	{ NULL, "Jeg deltager ikke fysisk, men online.", U, NULL, "", NULL },
	{ "SV: Indkaldelse – meld afbud senest 1. marts", "Jeg deltager.", A, NULL, "1.3.0", NULL },
	{ "SV: Kan du deltage 7/3?", "Tak for invitationen.", U, NULL, "7.3.0", "no attendance wording" },
	/* dates in every form; never a time */
	{ NULL, "Jeg deltager gerne 7. marts, 2.5.27 og 2027-09-12.", A, NULL, "7.3.0;2.5.2027;12.9.2027", NULL },
	{ NULL, "Afbud til d. 7. marts 2027 og den 12. september.", D, NULL, "7.3.2027;12.9.0", NULL },
	{ NULL, "Jeg kan ikke d. 31/2 eller kl. 10.30.", D, NULL, "", NULL },
	{ NULL, "Jeg kan ikke fredag den 7/3, og 1/2 time før må jeg gå.", U, NULL, "7.3.0", "partial" },
	{ NULL, "Afbud 14/11 og 7.3. samt 5. maj 2028, 6/6 og 1. dec.", D, NULL, "14.11.0;7.3.0;5.5.2028;6.6.0", NULL },
	{ NULL, "Jeg deltager. Se https://example.org/7/3?x=1 og mail a.b@kommune.example", A, NULL, "", NULL },
};

static void fmt_dates(const struct afbud_result *r, char *out, size_t cap)
{
	size_t i, n = 0;

	out[0] = '\0';
	for (i = 0; i < r->n_dates && n < cap; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s%d.%d.%d", i ? ";" : "", r->dates[i].day, r->dates[i].month,
				      r->dates[i].year);
}

/* 0 when the case holds; else prints what differs and returns 1, so one run shows every failing case. */
static int check_case(const struct ccase *c, const char *text)
{
	struct afbud_result r;
	char dates[128];
	int bad;

	afbud_classify(c->subject, text, &r);
	fmt_dates(&r, dates, sizeof dates);
	bad = r.answer != c->want || (c->sub ? !r.substitute || strcmp(r.substitute, c->sub) : r.substitute != NULL) ||
	      strcmp(dates, c->dates) || (c->want == U) != (r.reason != NULL) ||
	      (c->reason && (!r.reason || !strstr(r.reason, c->reason)));
	if (bad)
		print_error("'%s' / '%s': got %s sub '%s' dates '%s' reason '%s'; want %s sub '%s' dates '%s' reason '%s'\n",
			 c->subject ? c->subject : "", text, afbud_answer_name(r.answer),
			 r.substitute ? r.substitute : "(none)", dates, r.reason ? r.reason : "(none)",
			 afbud_answer_name(c->want), c->sub ? c->sub : "(none)", c->dates, c->reason ? c->reason : "(none)");
	afbud_result_release(&r);
	assert_null(r.substitute);
	return bad;
}

static void test_table(void **state)
{
	size_t i, n[4] = { 0 }, subs = 0, dated = 0;
	int failed = 0;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		failed += check_case(&cases[i], cases[i].text);
		n[cases[i].want]++;
		subs += cases[i].sub != NULL;
		dated += cases[i].dates[0] != '\0';
	}
	assert_int_equal(failed, 0);
	/* the table keeps its breadth */
	assert_true(i >= 60);
	assert_true(n[D] >= 15 && n[A] >= 10 && n[T] >= 5 && n[U] >= 12 && subs >= 6 && dated >= 8);
}

/* Each case again through afbud_newest_text as the top of an Outlook reply: the quoted invitation below it,
 * full of afbud and acceptance wording, must change nothing. */
static void test_table_quoted(void **state)
{
	size_t i;
	int failed = 0;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *mail, *newest;

		if (!cases[i].text[0])
			continue;
		mail = xasprintf("%s\r\n\r\nFra: Karin Lund <karin.lund@kommune.example>\r\nSendt: 1. marts 2027 09:12\r\n"
				 "Til: Netværket <netvaerk@kommune.example>\r\nEmne: Netværksmøde 9. april 2027\r\n\r\n"
				 "Husk at melde afbud. Jeg deltager ikke selv, men Birte kommer i stedet for mig.\r\n",
				 cases[i].text);
		newest = afbud_newest_text(mail);
		failed += check_case(&cases[i], newest);
		free(newest);
		free(mail);
	}
	assert_int_equal(failed, 0);
}

static const struct qcase {
	const char *mail;
	const char *want;   /* the newest text */
	enum afbud_answer answer;
} qcases[] = {
	/* Outlook, Danish, with its rule line */
	{ "Jeg kommer gerne.\r\n\r\nMvh\r\nJens\r\n\r\n________________________________\r\n"
	  "Fra: Karin Lund <karin.lund@kommune.example>\r\nSendt: 3. marts 2027 10:00\r\n"
	  "Til: Jens Holt <jens.holt@kommune.example>\r\nEmne: Netværksmøde fredag d. 7. marts\r\n\r\n"
	  "Kære alle\r\nHusk at meld afbud senest onsdag, hvis I ikke kan deltage.\r\n",
	  "Jeg kommer gerne.\n\nMvh\nJens", A },
	/* bold headers from an HTML part, new Outlook's "Dato:" */
	{ "Kan desværre ikke deltage.\n\n*Fra:* Karin Lund <karin.lund@kommune.example>\n*Dato:* fredag, 5. marts 2027\n"
	  "*Til:* Jens Holt\n\nJeg deltager gerne\n",
	  "Kan desværre ikke deltage.", D },
	/* English Outlook */
	{ "Afbud herfra.\n\nFrom: Karin Lund\nSent: Friday, March 5, 2027 10:00\nTo: Jens Holt\nSubject: Møde\n\n"
	  "Jeg deltager\n",
	  "Afbud herfra.", D },
	/* '>'-quoted afbud under a new acceptance */
	{ "Jeg deltager.\n\n> Jeg må desværre melde afbud.\n> Mvh Jens\n", "Jeg deltager.", A },
	{ "Kan desværre ikke deltage.\n\n-----Oprindelig meddelelse-----\nFra: Karin Lund\nHusk at melde afbud\n"
	  "Jeg deltager gerne\n",
	  "Kan desværre ikke deltage.", D },
	{ "Deltager gerne\n\n-----Original Message-----\nFrom: Karin Lund\n\nKan ikke deltage\n", "Deltager gerne", A },
	/* Gmail, Danish, on one line and wrapped */
	{ "Jeg deltager gerne online.\n\nDen fre. 5. mar. 2027 kl. 10.00 skrev Karin Lund "
	  "<karin.lund@kommune.example>:\n\n> Kære alle\n> Meld venligst afbud\n",
	  "Jeg deltager gerne online.", A },
	{ "Jeg må melde afbud.\n\nDen fre. 5. mar. 2027 kl. 10.00 skrev Karin Lund <\nkarin.lund@kommune.example>:\n"
	  "> Jeg deltager\n",
	  "Jeg må melde afbud.", D },
	/* Apple Mail style attribution without '>' lines: still cut */
	{ "Jeg kommer.\n\nDen 5. mar. 2027 kl. 10.00 skrev Karin Lund <karin.lund@kommune.example>:\n\nKære alle, "
	  "meld afbud\n",
	  "Jeg kommer.", A },
	/* bottom-posted answer under an English attribution */
	{ "On Fri, Mar 5, 2027 at 10:00 AM Karin Lund <karin.lund@kommune.example> wrote:\n> Husk at melde afbud.\n\n"
	  "Jeg kommer gerne.\n",
	  "Jeg kommer gerne.", A },
	/* interleaved: "Karin skrev:" dropped with its quote */
	{ "Karin Lund skrev:\n> Kan du deltage?\nJeg deltager ikke.\n", "Jeg deltager ikke.", D },
	/* signature */
	{ "Jeg melder afbud.\n\n-- \nJens Holt\nAfdelingsleder\nJeg deltager i mange netværk\n", "Jeg melder afbud.", D },
	{ "Deltager gerne\n\nSendt fra min iPhone\n\n> Husk afbud\n", "Deltager gerne", A },
	{ "Jeg kommer\n\n---------- Forwarded message ---------\nFra: x\nKan ikke\n", "Jeg kommer", A },
	/* lines that look like quoting but are not: kept */
	{ "Fra: Holbæk kommer vi to.\nJens Holt skrev:\nJeg deltager.", "Fra: Holbæk kommer vi to.\nJens Holt skrev:\n"
	  "Jeg deltager.", A },
	{ "\xEF\xBB\xBF\n\n  Jeg deltager  \n\n", "Jeg deltager", A },
	{ "> alt citeret\n> Jeg deltager\n", "", U },
	{ "", "", U },
};

static void test_newest(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof qcases / sizeof qcases[0]; i++) {
		struct afbud_result r;
		char *got = afbud_newest_text(qcases[i].mail);

		if (strcmp(got, qcases[i].want))
			fail_msg("case %zu: newest text '%s', want '%s'", i, got, qcases[i].want);
		afbud_classify("SV: Netværksmøde", got, &r);
		if (r.answer != qcases[i].answer)
			fail_msg("case %zu: '%s' is %s, want %s", i, got, afbud_answer_name(r.answer),
				 afbud_answer_name(qcases[i].answer));
		afbud_result_release(&r);
		free(got);
	}
	{
		char *got = afbud_newest_text(NULL);

		assert_string_equal(got, "");
		free(got);
	}
}

static void test_subject(void **state)
{
	static const char *const strip[][2] = {
		{ "SV: SV: RE: Afbud", "Afbud" }, { "Sv:Afbud", "Afbud" }, { "AW: Fwd: VS: FW: x", "x" },
		{ "Re[2]: x", "x" }, { "Re : x", "x" }, { "SV(3): x", "x" }, { "Svar: x", "Svar: x" },
		{ "Revision: x", "Revision: x" }, { "SV:", "" }, { "re[]: x", "re[]: x" }, { "", "" },
	};
	static const struct {
		const char *s;
		int want;
	} auto_cases[] = {
		{ "Automatisk svar: Netværksmøde fredag", 1 }, { "Fraværsbesked: SV: Møde", 1 },
		{ "Out of Office: Meeting", 1 }, { "AUTOSVAR", 1 }, { "Automatic reply: Netværksmøde", 1 },
		{ "IKKE PÅ KONTORET: Møde", 1 }, { "Re: Out  of\tOffice", 1 }, { "SV: Afbud", 0 },
		{ "Fravær fredag", 0 }, { "SV: Netværksmøde 7. marts", 0 }, { NULL, 0 }, { "", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof strip / sizeof strip[0]; i++)
		if (strcmp(afbud_strip_subject(strip[i][0]), strip[i][1]))
			fail_msg("strip '%s': '%s', want '%s'", strip[i][0], afbud_strip_subject(strip[i][0]), strip[i][1]);
	assert_string_equal(afbud_strip_subject(NULL), "");
	for (i = 0; i < sizeof auto_cases / sizeof auto_cases[0]; i++)
		if (afbud_is_autoreply_subject(auto_cases[i].s) != auto_cases[i].want)
			fail_msg("autoreply '%s': want %d", auto_cases[i].s ? auto_cases[i].s : "(null)", auto_cases[i].want);
}

/* Only the first AFBUD_SCAN_MAX bytes are read: the afbud 1 MB further down is never seen, and the work stays
 * bounded whatever comes after. */
static void test_bounded(void **state)
{
	size_t big = 1024 * 1024, i;
	char *text = xmalloc(big + 64);
	struct afbud_result r;
	char *newest;
	clock_t t0 = clock();

	(void)state;
	strcpy(text, "Jeg deltager.\n");
	for (i = strlen(text); i < big; i++)
		text[i] = "kan ikke deltage, men "[i % 22];
	strcpy(text + big, "\nJeg kan ikke deltage.");
	afbud_classify(text, text, &r);
	assert_int_equal(r.answer, AFBUD_UNCLEAR);   /* the repeated wording is mixed within the first 8 KB */
	afbud_result_release(&r);
	memset(text + 20, ' ', big - 20);
	afbud_classify(NULL, text, &r);
	assert_int_equal(r.answer, AFBUD_ACCEPT);
	afbud_result_release(&r);
	/* 1 MB of lines that each look like the start of a quote header or an attribution */
	for (i = 0; i + 16 < big; i += 16)
		memcpy(text + i, i % 32 ? "Fra: x\n\n\n\n\n\n\n\n\n" : "Den 1 skrev x\n\n\n", 16);
	newest = afbud_newest_text(text);
	assert_true(strlen(newest) <= AFBUD_NEWEST_MAX);
	free(newest);
	free(text);
	/* generous even under valgrind; a quadratic scan of 1 MB would take minutes */
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 60.0);
}

/* The question flag: set for any '?' in the text (not in a web address), whatever the answer. */
static void test_question(void **state)
{
	static const struct {
		const char *text;
		enum afbud_answer answer;
		int question;
	} qs[] = {
		{ "Jeg er med.\nEr der et link til Teams?", A, 1 },
		{ "Jeg kan desværre ikke deltage. Kan jeg få referatet?", D, 1 },
		{ "Jeg deltager gerne.", A, 0 },
		{ "Jeg deltager: https://teams.example/join?id=7", A, 0 },
		{ "Tak for referatet?!", U, 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof qs / sizeof qs[0]; i++) {
		struct afbud_result r;

		afbud_classify(NULL, qs[i].text, &r);
		if (r.answer != qs[i].answer || r.question != qs[i].question)
			fail_msg("'%s': %s question %d", qs[i].text, afbud_answer_name(r.answer), r.question);
		afbud_result_release(&r);
	}
}

/* Random bytes and random Danish word soup: no crash, and the result is always consistent. */
static void test_random(void **state)
{
	static const char *const words[] = {
		"jeg", "kan", "ikke", "deltage", "afbud", "melder", "i", "stedet", "for", "mig", "Birte", "Holm",
		"kommer", "måske", "?", ".", ",", "\n", "\n\n", "7/3", "7.", "marts", "hvis", "kl.", "10.30", "Æ",
		"ø", "> ", "Fra:", "Sendt:", "Den", "skrev", ":", "-- \n", "min", "kollega", "deltager", "gerne",
		"ses", "fredag", "\xC3", "\xE2\x80", "2027", "-", "kun", "ferie", "er", "på", "Hun", "sender",
	};
	unsigned seed = 12345;
	int round;

	(void)state;
	for (round = 0; round < 2000; round++) {
		char text[600];
		size_t n = 0, k;
		struct afbud_result r;
		char *newest;

		while (n < sizeof text - 40) {
			seed = seed * 1103515245u + 12345u;
			if (round % 2) {
				text[n++] = (char)((seed >> 16) & 0xFF ? (seed >> 16) & 0xFF : 'x');
			} else {
				const char *w = words[(seed >> 16) % (sizeof words / sizeof words[0])];

				memcpy(text + n, w, strlen(w));
				n += strlen(w);
				text[n++] = ' ';
			}
		}
		text[n] = '\0';
		newest = afbud_newest_text(text);
		assert_true(strlen(newest) <= n);
		afbud_classify(text, newest, &r);
		assert_true(r.n_dates <= AFBUD_MAX_DATES);
		assert_true((r.answer == AFBUD_UNCLEAR) == (r.reason != NULL));
		for (k = 0; k < r.n_dates; k++)
			assert_true(r.dates[k].month >= 1 && r.dates[k].month <= 12 && r.dates[k].day >= 1 &&
				    r.dates[k].day <= 31);
		if (r.substitute)
			assert_true(strlen(r.substitute) > 0 && strlen(r.substitute) <= 100);
		afbud_result_release(&r);
		free(newest);
	}
	afbud_result_release(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_quoted),
		cmocka_unit_test(test_newest),
		cmocka_unit_test(test_subject),
		cmocka_unit_test(test_question),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
