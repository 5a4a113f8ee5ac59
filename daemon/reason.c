/* The review reasons in one table: what the log and `tovholder review` say (English; the sender-trust reasons
 * keep the Danish wording README and the trust issue gave them), and what the tovholder reads in a mail
 * (plain municipal Danish, no technical detail). %1-%4 are the arguments; %D1-%D4 in the Danish text show a
 * date YYYY-MM-DD the Danish way. */
#include "reason.h"
#include "buf.h"
#include "dansk.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *key;
	int nargs;
	const char *en, *da;
} table[REASON_COUNT] = {
	[REASON_NONE] = { "", 0, "", "" },
	[REASON_FROM_FIELDS] = { "from-fields", 1, "afsenderen kunne ikke bekræftes: mailen har %1 From-felter",
				 "Vi kunne ikke bekræfte afsenderen: mailen har %1 afsenderfelter, og en almindelig mail "
				 "har ét." },
	[REASON_FROM_ADDRESSES] = { "from-addresses", 1, "afsenderen kunne ikke bekræftes: From nævner %1 adresser",
				    "Vi kunne ikke bekræfte afsenderen: mailen nævner %1 afsendere." },
	[REASON_REPLY_TO_ONLY] = { "reply-to-only", 2,
				   "afsenderen kunne ikke bekræftes: svaret gælder %1, men er sendt fra %2 (Reply-To "
				   "alene er ikke nok)",
				   "Vi kunne ikke bekræfte afsenderen: svaret gælder %1, men er sendt fra %2." },
	[REASON_FORGERY] = { "forgery", 2, "possible forgery: the reply is for %1 but comes from %2",
			     "Måske forfalsket: svaret gælder %1, men mailen kommer fra %2." },
	[REASON_FORGERY_NO_FROM] = { "forgery-no-from", 1, "possible forgery: the reply is for %1 but comes from nobody",
				     "Måske forfalsket: svaret gælder %1, men mailen har ingen afsender." },
	[REASON_AUTH_UNREADABLE] = { "auth-unreadable", 1,
				     "afsenderen kunne ikke bekræftes: mailen har intet læsbart Authentication-Results-"
				     "felt fra %1",
				     "Vi kunne ikke bekræfte afsenderen: jeres mailserver (%1) har ikke skrevet på "
				     "mailen, om afsenderen er ægte." },
	[REASON_AUTH_DMARC_FAIL] = { "auth-dmarc-fail", 2, "afsenderen kunne ikke bekræftes: %1 siger dmarc=fail for %2",
				     "Vi kunne ikke bekræfte afsenderen: jeres mailserver (%1) siger, at mailen ikke "
				     "kommer fra %2." },
	[REASON_AUTH_UNALIGNED] = { "auth-unaligned", 2,
				    "afsenderen kunne ikke bekræftes: %1 fandt hverken DMARC, SPF eller DKIM i orden "
				    "for %2",
				    "Vi kunne ikke bekræfte afsenderen: jeres mailserver (%1) kunne ikke se, at mailen "
				    "kommer fra %2." },
	[REASON_NOT_INVITED] = { "not-invited", 2, "%1 answered for %2 but was not invited",
				 "%1 har svaret på mødet %D2, men er ikke inviteret." },
	[REASON_NO_LONGER_INVITED] = { "no-longer-invited", 2,
				       "%1 er ikke længere inviteret til mødet %2 (invitationen er aflyst for dem)",
				       "%1 er ikke længere inviteret til mødet %D2 (invitationen er aflyst for "
				       "personen)." },
	[REASON_WROTE_NOT_INVITED] = { "wrote-not-invited", 2, "%1 wrote about %2 but is not invited to it",
				       "%1 har skrevet om mødet %D2, men er ikke inviteret til det." },
	[REASON_CAL_UNKNOWN_MEETING] = { "cal-unknown-meeting", 1, "a calendar reply for a meeting we did not send (UID %1)",
					 "Et kalendersvar på et møde, som tjenesten ikke har sendt invitation til." },
	[REASON_CAL_NO_ATTENDEE] = { "cal-no-attendee", 1, "a calendar reply without an ATTENDEE for %1",
				     "Et kalendersvar på mødet %D1, som ikke siger, hvem der svarer." },
	[REASON_CAL_PARTSTAT] = { "cal-partstat", 3, "calendar answer %1 from %2 for %3",
				  "%2 har svaret på mødet %D3 i kalenderen, men uden tilsagn, afbud eller måske." },
	[REASON_CAL_UNDECODABLE] = { "cal-undecodable", 1, "the calendar part could not be decoded: %1",
				     "Kalenderdelen i mailen kunne ikke pakkes ud." },
	[REASON_CAL_UNREADABLE] = { "cal-unreadable", 1, "the calendar part could not be read: %1",
				    "Kalenderdelen i mailen kunne ikke læses: den er ødelagt, for stor, eller den "
				    "rummer noget, som intet kalenderprogram skriver (fx en tidszone, der skifter "
				    "hele tiden). Derfor er den ikke læst." },
	[REASON_COUNTER] = { "counter", 4, "%1 proposes a new time for %2: %3 to %4",
			     "%1 foreslår et nyt tidspunkt for mødet %D2: fra %3 til %4." },
	[REASON_PROPOSAL_RECORDED] = { "proposal-recorded", 3, "recorded %1 for %2, and %3 proposes a new time",
				       "Vi har noteret %1 til mødet %D2, og %3 foreslår et nyt tidspunkt." },
	[REASON_REFRESH_UNMATCHED] = { "refresh-unmatched", 1, "a request to resend an invitation we cannot match (UID %1)",
				       "En bøn om at få en invitation igen, som ikke passer til nogen af vores møder." },
	[REASON_CAL_OTHER_METHOD] = { "cal-other-method", 0,
				      "a calendar message that is not an answer (METHOD other than REPLY/COUNTER/REFRESH)",
				      "En kalendermail, som ikke er et svar på en invitation." },
	[REASON_BOUNCE_FOREIGN_IDS] = { "bounce-foreign-ids", 1,
					"a %1 that names no mail of ours (none of the Message-IDs it returns is one we "
					"sent)",
					"En besked fra en mailserver om en mail, som tjenesten ikke har sendt." },
	[REASON_BOUNCE_NOT_SERVER] = { "bounce-not-server", 1,
				       "a %1 that names no mail of ours (it returns no Message-ID and does not come from "
				       "a mail server)",
				       "En besked om en mail, der ikke kunne afleveres, men den kommer ikke fra en "
				       "mailserver og viser ikke, hvilken mail det drejer sig om." },
	[REASON_BOUNCE_NOT_MAILED] = { "bounce-not-mailed", 1,
				       "a %1 that names no mail of ours (it returns no Message-ID, and we sent nothing "
				       "lately to the addresses it names)",
				       "En besked om en mail, der ikke kunne afleveres, til adresser, som tjenesten ikke "
				       "har skrevet til for nylig." },
	[REASON_BOUNCE_NO_ADDRESS] = { "bounce-no-address", 1,
				       "a %1 that names no mail of ours (it returns no Message-ID and names no address)",
				       "En besked om en mail, der ikke kunne afleveres, uden adresse og uden vores mail." },
	[REASON_DATES_SEVERAL] = { "dates-several", 1, "the mail names dates of %1 meetings",
				   "Mailen nævner datoer for %1 møder, så vi ved ikke, hvilket møde den gælder." },
	[REASON_DATE_NO_MEETING] = { "date-no-meeting", 2, "the mail names a date with no meeting (%1/%2)",
				     "Mailen nævner den %1/%2, men der er intet møde den dag." },
	[REASON_NO_MEETING] = { "no-meeting", 0, "the mail does not say which meeting it is about",
				"Mailen siger ikke, hvilket møde den gælder." },
	[REASON_NO_TEXT] = { "no-text", 0, "no text to read", "Mailen har ingen tekst, vi kan læse." },
	[REASON_TEXT_UNDECODABLE] = { "text-undecodable", 1, "the text could not be decoded: %1",
				      "Mailens tekst kunne ikke pakkes ud." },
	[REASON_UNCLEAR_QUESTION] = { "unclear-question", 1, "unclear answer for %1: attendance wording inside a question",
				      "Svaret på mødet %D1 er ikke klart: det står i et spørgsmål." },
	[REASON_UNCLEAR_CONDITIONAL] = { "unclear-conditional", 1, "unclear answer for %1: conditional wording",
					 "Svaret på mødet %D1 er ikke klart: det afhænger af noget (fx »hvis«)." },
	[REASON_UNCLEAR_BEHALF] = { "unclear-behalf", 1, "unclear answer for %1: answer on behalf of someone else",
				    "Svaret på mødet %D1 er ikke klart: det er et svar på en andens vegne." },
	[REASON_UNCLEAR_UNNAMED] = { "unclear-unnamed", 1, "unclear answer for %1: a substitute without a name",
				     "Svaret på mødet %D1 er ikke klart: der kommer en stedfortræder, men mailen "
				     "nævner ikke hvem." },
	[REASON_UNCLEAR_PARTIAL] = { "unclear-partial", 1, "unclear answer for %1: partial attendance",
				     "Svaret på mødet %D1 er ikke klart: personen kommer kun en del af tiden." },
	[REASON_UNCLEAR_DECLINE_ACCEPT] = { "unclear-decline-accept", 1,
					    "unclear answer for %1: both afbud and acceptance wording",
					    "Svaret på mødet %D1 er ikke klart: mailen siger både afbud og tilsagn." },
	[REASON_UNCLEAR_DECLINE_TENTATIVE] = { "unclear-decline-tentative", 1,
					       "unclear answer for %1: both afbud and tentative wording",
					       "Svaret på mødet %D1 er ikke klart: mailen siger både afbud og måske." },
	[REASON_UNCLEAR_NO_REFERENCE] = { "unclear-no-reference", 1,
					  "unclear answer for %1: absence mentioned without a meeting reference",
					  "Svaret på mødet %D1 er ikke klart: mailen nævner fravær, men ikke mødet." },
	[REASON_UNCLEAR_EMPTY] = { "unclear-empty", 1, "unclear answer for %1: empty text",
				   "Svaret på mødet %D1 er ikke klart: mailen er tom." },
	[REASON_UNCLEAR_NO_WORDING] = { "unclear-no-wording", 1, "unclear answer for %1: no attendance wording",
					"Svaret på mødet %D1 er ikke klart: mailen siger hverken afbud eller tilsagn." },
	[REASON_UNCLEAR_OTHER] = { "unclear-other", 2, "unclear answer for %1: %2",
				   "Svaret på mødet %D1 er ikke klart." },
	[REASON_ALSO_QUESTION] = { "also-question", 2, "recorded %1 for %2, but the mail also asks a question",
				   "Vi har noteret %1 til mødet %D2, men mailen stiller også et spørgsmål." },
	[REASON_POISON] = { "poison", 0,
			    "reading this mail stopped tovholder last time (it crashed or took too long): it was not "
			    "read again",
			    "Sidst tjenesten læste mailen, gik den i stå. Derfor er mailen ikke læst igen." },
	[REASON_TOO_LARGE] = { "too-large", 1, "the mail is too large to read (%1 MB)",
			       "Mailen er for stor til at blive læst (%1 MB)." },
	[REASON_TNEF] = { "tnef", 0, "Outlook sent the answer as winmail.dat (TNEF) without a calendar part",
			  "Outlook har sendt svaret som en winmail.dat-fil uden kalenderdel, så vi kan ikke læse det." },
	[REASON_FOLDER_PART_FETCH] = { "folder-part-fetch", 1, "a part of the mail could not be fetched: %1",
				       "En del af mailen kunne ikke hentes fra mailserveren." },
	[REASON_FOLDER_PART_READ] = { "folder-part-read", 1, "a part of the mail could not be read: %1",
				      "En del af mailen kunne ikke læses." },
	[REASON_FOLDER_NO_MEETING] = { "folder-no-meeting", 1,
				       "the mail fits no meeting: %1 has no meeting ahead and the mail names no meeting "
				       "date",
				       "Mailen passer ikke til noget møde: %1 har intet møde forude, og mailen nævner "
				       "ingen mødedato." },
	[REASON_FOLDER_NO_SENDER] = { "folder-no-sender", 1,
				      "put in %1, but the mail has no single From address to record the answer for",
				      "Lagt i %1, men mailen har ikke én afsender at notere svaret på." },
	[REASON_FOLDER_STRANGER] = { "folder-stranger", 2,
				     "put in %1, but the sender %2 is not invited to any of the group's meetings",
				     "Lagt i %1, men afsenderen %2 er ikke inviteret til nogen af gruppens møder." },
	[REASON_FOLDER_CANCELLED] = { "folder-cancelled", 2, "put in %1, but the meeting %2 is cancelled",
				      "Lagt i %1, men mødet %D2 er aflyst." },
	[REASON_FOLDER_NOT_INVITED] = { "folder-not-invited", 3, "put in %1, but the sender %2 is not invited to the meeting %3",
					"Lagt i %1, men afsenderen %2 er ikke inviteret til mødet %D3." },
	[REASON_REPORT_NONE] = { "report-none", 1, "put in %1, but the mail has no Teams report (.csv) attached",
				 "Lagt i %1, men mailen har ingen Teams-rapport (.csv) vedhæftet." },
	[REASON_REPORT_TOO_LARGE] = { "report-too-large", 2, "the Teams report '%1' is too large (%2 MB)",
				      "Teams-rapporten '%1' er for stor (%2 MB)." },
	[REASON_REPORT_UNREADABLE] = { "report-unreadable", 2, "the Teams report '%1' could not be read: %2",
				       "Teams-rapporten '%1' kunne ikke læses. Hent den igen i Teams (.csv), og læg "
				       "den i en ny mail." },
	[REASON_REPORT_WRONG_DAY] = { "report-wrong-day", 3, "the Teams report '%1' is of '%2', not of the meeting %3",
				      "Teams-rapporten '%1' er fra %2, ikke fra mødet %D3." },
	[REASON_REPORT_AMBIGUOUS] = { "report-ambiguous", 2,
				      "the Teams report of '%1' may belong to %2 meetings: import it with 'tovholder "
				      "fremmøde DATE --teams FILE'",
				      "Teams-rapporten fra %1 kan høre til %2 møder. Bed den, der driver tjenesten, "
				      "om at indlæse den på det rigtige møde." },
	[REASON_REPORT_NO_MEETING_DAY] = { "report-no-meeting-day", 1,
					   "the Teams report is of '%1', and there was no meeting that day (or it has "
					   "not begun)",
					   "Teams-rapporten er fra %1, og der var intet møde den dag (eller mødet er "
					   "ikke begyndt)." },
	[REASON_REPORT_NO_MEETING] = { "report-no-meeting", 0, "there is no meeting held to note the Teams report on",
				       "Der er intet afholdt møde at notere Teams-rapporten på." },
	[REASON_REPORT_TOO_MANY] = { "report-too-many", 2, "put in %1, but the mail has more than %2 .csv files attached",
				     "Lagt i %1, men mailen har flere end %2 .csv-filer vedhæftet. Læg hver Teams-rapport "
				     "i en mail for sig." },
};

/* afbud.c's reasons for an unclear text, and the code each one is */
static const struct {
	const char *afbud;
	enum reason_code code;
} unclear[] = {
	{ "attendance wording inside a question", REASON_UNCLEAR_QUESTION },
	{ "conditional wording", REASON_UNCLEAR_CONDITIONAL },
	{ "answer on behalf of someone else", REASON_UNCLEAR_BEHALF },
	{ "a substitute without a name", REASON_UNCLEAR_UNNAMED },
	{ "partial attendance", REASON_UNCLEAR_PARTIAL },
	{ "both afbud and acceptance wording", REASON_UNCLEAR_DECLINE_ACCEPT },
	{ "both afbud and tentative wording", REASON_UNCLEAR_DECLINE_TENTATIVE },
	{ "absence mentioned without a meeting reference", REASON_UNCLEAR_NO_REFERENCE },
	{ "empty text", REASON_UNCLEAR_EMPTY },
	{ "no attendance wording", REASON_UNCLEAR_NO_WORDING },
};

static void set_arg(char *dst, const char *src)
{
	snprintf(dst, REASON_ARG_MAX, "%s", src ? src : "?");
}

void reason_vset(struct reason *r, enum reason_code code, va_list ap)
{
	memset(r, 0, sizeof(*r));
	r->code = (unsigned)code < REASON_COUNT ? code : REASON_NONE;
	for (int i = 0; i < table[r->code].nargs; i++)
		set_arg(r->args[i], va_arg(ap, const char *));
}

void reason_vexplain(struct reason *r, char *english, size_t n, enum reason_code code, va_list ap)
{
	reason_vset(r, code, ap);
	reason_text(r, 0, english, n);
}

void reason_set(struct reason *r, enum reason_code code, ...)
{
	va_list ap;

	va_start(ap, code);
	reason_vset(r, code, ap);
	va_end(ap);
}

static void add_date(struct buf *b, const char *arg)
{
	int y, m, d;
	char *long_date;

	if (util_parse_date(arg, &y, &m, &d) < 0) {
		buf_adds(b, arg);
		return;
	}
	long_date = dansk_date_long(y, m, d);
	buf_adds(b, long_date);
	free(long_date);
}

void reason_text(const struct reason *r, int danish, char *out, size_t n)
{
	const char *f = reason_format(r->code, danish);
	struct buf b;

	buf_init(&b);
	for (const char *p = f ? f : ""; *p; p++) {
		int date = p[0] == '%' && p[1] == 'D';
		const char *digit = p + 1 + date;
		if (p[0] == '%' && *digit >= '1' && *digit < '1' + REASON_MAX_ARGS) {
			const char *arg = r->args[*digit - '1'];
			if (date)
				add_date(&b, arg);
			else
				buf_adds(&b, arg);
			p = digit;
		} else {
			buf_addch(&b, *p);
		}
	}
	snprintf(out, n, "%s", b.data);
	buf_release(&b);
}

const char *reason_key(enum reason_code code)
{
	return (unsigned)code < REASON_COUNT ? table[code].key : "";
}

enum reason_code reason_of_key(const char *key)
{
	for (int c = 1; key && *key && c < REASON_COUNT; c++)
		if (strcmp(table[c].key, key) == 0)
			return (enum reason_code)c;
	return REASON_NONE;
}

enum reason_code reason_unclear(const char *afbud_reason)
{
	for (size_t i = 0; afbud_reason && i < sizeof(unclear) / sizeof(unclear[0]); i++)
		if (strcmp(unclear[i].afbud, afbud_reason) == 0)
			return unclear[i].code;
	return REASON_UNCLEAR_OTHER;
}

char *reason_args_join(const struct reason *r)
{
	struct buf b;

	buf_init(&b);
	for (int i = 0; i < table[r->code].nargs; i++) {
		if (i)
			buf_addch(&b, '\n');
		/* a line break inside an argument (outside text: a UID) would split it: a blank stands in */
		for (const char *p = r->args[i]; *p; p++)
			buf_addch(&b, *p == '\n' ? ' ' : *p);
	}
	return buf_detach(&b, NULL);
}

void reason_args_split(struct reason *r, const char *joined)
{
	const char *p = joined ? joined : "";

	for (int i = 0; i < REASON_MAX_ARGS; i++) {
		size_t len = strcspn(p, "\n");
		snprintf(r->args[i], REASON_ARG_MAX, "%.*s", (int)len, p);
		p += len + (p[len] == '\n');
	}
}

char *reason_danish(const char *key, const char *args, const char *english)
{
	struct reason r = { reason_of_key(key), { { 0 } } };
	char out[1024];

	if (r.code == REASON_NONE)
		return xstrdup(english ? english : "");
	reason_args_split(&r, args);
	reason_text(&r, 1, out, sizeof(out));
	return xstrdup(out);
}

const char *reason_format(enum reason_code code, int danish)
{
	if ((unsigned)code >= REASON_COUNT)
		return NULL;
	return danish ? table[code].da : table[code].en;
}

int reason_nargs(enum reason_code code)
{
	return (unsigned)code < REASON_COUNT ? table[code].nargs : 0;
}
