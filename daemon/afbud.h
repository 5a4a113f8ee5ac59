/* Free-text replies to an invitation ("afbud", acceptances) in Danish: quote cutting and classification. No I/O.
 *
 * The classifier only records what a member clearly wrote. Anything it is not sure of (a question, a condition,
 * partial attendance, afbud and acceptance in one mail, someone writing on another's behalf) is AFBUD_UNCLEAR
 * with a reason, so a human reads it. Assumption for the templates: the subjects of our own invitations contain
 * no attendance wording ("Husk at melde afbud" belongs in the body, where replies quote it and it is cut). */
#ifndef TOVHOLDER_AFBUD_H
#define TOVHOLDER_AFBUD_H

#include <stddef.h>

#define AFBUD_NEWEST_MAX (64 * 1024)   /* afbud_newest_text keeps at most this much new text */
#define AFBUD_SCAN_MAX   8192          /* afbud_classify reads this much of the newest text */
#define AFBUD_SUBJECT_MAX 1024         /* ... and this much of the subject */
#define AFBUD_MAX_DATES  4

enum afbud_answer { AFBUD_UNCLEAR, AFBUD_DECLINE, AFBUD_ACCEPT, AFBUD_TENTATIVE };

struct afbud_date {
	int day, month, year;   /* year 0 when the text gave none */
};

struct afbud_result {
	enum afbud_answer answer;
	char *substitute;        /* "min kollega NAME deltager i stedet": NAME (as written), else NULL; also set
				  * when the answer is UNCLEAR, for the human who reads it */
	struct afbud_date dates[AFBUD_MAX_DATES];
	size_t n_dates;          /* meeting dates the subject and text name, subject first, no duplicates */
	const char *reason;      /* UNCLEAR: why, in English (static string); NULL otherwise */
	int question;            /* 1 when the newest text asks something ('?'): worth a human's look even when
				  * the answer is clear ("Jeg deltager. Er der et link?") */
};

/* The newest text of a reply: cuts quoted text — lines starting with '>', Outlook's Danish header block
 * ("Fra: … / Sendt: … / Til: … / Emne: …", also "From:/Sent:/To:/Subject:" and "Fra: …" followed by "Dato:"),
 * "-----Oprindelig meddelelse-----", "-----Original Message-----", "Den … skrev …:", "On … wrote:", a
 * signature after "-- " and "Sendt fra min iPhone". An attribution line followed by '>'-quoted lines is dropped
 * with them, so a bottom-posted answer survives. CR LF or LF in, LF out, trimmed; at most AFBUD_NEWEST_MAX
 * bytes. Never NULL; caller frees. */
char *afbud_newest_text(const char *text);

/* Classifies the newest text (already cut) plus the subject (reply prefixes "SV:", "RE:", … are stripped here);
 * either may be NULL. Never fails; fills *ret, which the caller releases with afbud_result_release. Reads at
 * most AFBUD_SCAN_MAX bytes of text, so it is linear and bounded on any input. */
void afbud_classify(const char *subject, const char *newest_text, struct afbud_result *ret);
/* Frees what afbud_classify allocated and zeroes *r; NULL is a no-op. */
void afbud_result_release(struct afbud_result *r);

/* The subject without its reply/forward prefixes (SV:, VS:, RE:, AW:, FW:, Fwd:, WG:, any case, repeated,
 * "Re[2]:"): a pointer into subject. */
const char *afbud_strip_subject(const char *subject);

/* Out-of-office and automatic-reply subjects ("Automatisk svar", "Fraværsbesked", "Out of Office", "Autosvar",
 * "Automatic reply", "Ikke på kontoret", …) → 1, else 0 (also for NULL). */
int afbud_is_autoreply_subject(const char *subject);

/* A copy for matching text without regard to case: ASCII and the Latin-1 capitals (Æ Ø Å …) lower-cased, Unicode
 * spaces, dashes and quotes made ASCII (as afbud_classify reads text). Caller frees. */
char *afbud_lower(const char *s);

/* "decline", "accept", "tentative" or "unclear", for logs and tests. */
const char *afbud_answer_name(enum afbud_answer a);

#endif
