/* Recognising automatic replies. The markers are in two tables: header fields first (what the replying system
 * says about itself), localized subject prefixes last, for systems that say nothing (a human would not start a
 * subject with "Automatic reply:"). An automatic reply is noted as autosvar, never read as an answer. */
#include "autoreply.h"
#include "util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum how {
	HOW_NOT,   /* any non-empty value whose first word is not one of 'words' */
	HOW_IN,    /* a value whose first word is one of 'words' ('|' between them) */
};

static const struct marker {
	const char *field;
	enum how how;
	const char *words;
	const char *with;  /* a second field that must be there too, or NULL */
	const char *why;
} markers[] = {
	/* RFC 3834 §5: auto-replied, auto-generated, auto-notified … anything but "no" */
	{ "Auto-Submitted", HOW_NOT, "no", NULL, "Auto-Submitted header" },
	/* older practice RFC 3834 §3.1.8 warns about, still sent by vacation(1) and webmail responders */
	{ "Precedence", HOW_IN, "auto_reply|bulk|junk|list", NULL, "Precedence header" },
	/* de-facto headers of cPanel/Exim autoresponders and many webmails (GitLab's and Redmine's mail handlers
	 * read the same two); a value "no" is taken at its word */
	{ "X-Autoreply", HOW_NOT, "no", NULL, "X-Autoreply header" },
	{ "X-Autorespond", HOW_NOT, "no", NULL, "X-Autorespond header" },
	/* iCloud Mail's vacation reply: no Auto-Submitted, only this (issue 16) */
	{ "X-Apple-Action", HOW_IN, "vacation", NULL, "X-Apple-Action: VACATION" },
	/* Exchange: X-Auto-Response-Suppress alone only asks others not to auto-answer this mail (MS-OXCMAIL
	 * 2.2.3.2.14; sisimai issue 491 dropped it as a marker for that reason). With
	 * X-MS-Exchange-Inbox-Rules-Loop, which Exchange writes on mail an inbox rule generated, it is a rule's
	 * automatic reply. */
	{ "X-Auto-Response-Suppress", HOW_NOT, "", "X-MS-Exchange-Inbox-Rules-Loop", "Exchange inbox-rule reply" },
};

/* Out-of-office subject prefixes, lower-case (Latin-1 letters folded too), matched at the start of the decoded
 * subject. Outlook/Exchange write "<prefix>: <original subject>" in the language of the mailbox; the others
 * are the defaults of the systems named. */
static const char *const subject_prefixes[] = {
	"automatic reply",         /* Outlook/Exchange, English */
	"auto reply",              /* iCloud Mail (issue 16), Zimbra */
	"auto-reply", "autoreply", /* webmail responders (Roundcube managesieve default, Yahoo) */
	"auto response", "autoresponse",
	"auto:",                   /* HCL/Lotus Notes "AUTO: Name is out of the office" */
	"out of office",           /* Exchange 2003-2007 "Out of Office AutoReply:", Gmail users' own subject */
	"out of the office",
	"automatisk svar",         /* Outlook, Danish and Norwegian */
	"autosvar",                /* Danish webmail (One.com, Simply) */
	"fraværende", "fraværsbesked", /* Danish/Norwegian hand-set vacation subjects */
	"automatiskt svar",        /* Outlook, Swedish */
	"frånvarande",
	"automatische antwort",    /* Outlook, German */
	"abwesenheitsnotiz",       /* German Outlook Web/Exchange users, GMX and WEB.DE */
	"réponse automatique",     /* Outlook, French */
	"absence du bureau",
	"automatisch antwoord",    /* Outlook, Dutch */
	"afwezig",
	"automaattinen vastaus",   /* Outlook, Finnish */
	"respuesta automática",    /* Outlook, Spanish */
	"risposta automatica",     /* Outlook, Italian */
	"resposta automática",     /* Outlook, Portuguese */
	"odpowiedź automatyczna",  /* Outlook, Polish */
};

const char *const autoreply_header_fields[] = {
	"Auto-Submitted", "Precedence", "X-Autoreply", "X-Autorespond", "X-Apple-Action", "X-Auto-Response-Suppress",
	"X-MS-Exchange-Inbox-Rules-Loop", "Subject", NULL,
};

/* Case-folds ASCII and the Latin-1 capitals (Æ Ø Å Ä Ö É …) of a UTF-8 string, enough for subject prefixes. */
static char *fold_latin(const char *s)
{
	char *f = xstrdup(s);

	for (unsigned char *p = (unsigned char *)f; *p; p++) {
		if (*p == 0xC3 && p[1] >= 0x80 && p[1] <= 0x9E && p[1] != 0x97) {
			p[1] += 0x20;
			p++;
		} else if (*p < 0x80) {
			*p = (unsigned char)tolower(*p);
		}
	}
	return f;
}

/* 1 when the first word of 'value' ("auto-replied" of "auto-replied; owner-email=…") is one of 'words'. */
static int first_word_in(const char *value, const char *words)
{
	size_t len;

	value += strspn(value, " \t");
	len = strcspn(value, " \t;(");
	for (const char *w = words; *w;) {
		size_t wl = strcspn(w, "|");
		if (wl == len && strncasecmp(value, w, len) == 0)
			return 1;
		w += wl + (w[wl] == '|');
	}
	return 0;
}

static int marker_says(const struct inmail *m, const struct marker *mk)
{
	const char *v = inmail_header(m, mk->field);

	if (!v || (mk->with && !inmail_header(m, mk->with)))
		return 0;
	if (mk->how == HOW_IN)
		return first_word_in(v, mk->words);
	/* an empty value says nothing */
	return v[strspn(v, " \t")] && !first_word_in(v, mk->words);
}

static int subject_says(const struct inmail *m)
{
	const char *v = inmail_header(m, "Subject");
	char *dec, *f;
	int yes = 0;

	if (!v)
		return 0;
	dec = inmail_decode_words(v);
	f = fold_latin(dec + strspn(dec, " \t"));
	for (size_t i = 0; i < sizeof(subject_prefixes) / sizeof(subject_prefixes[0]) && !yes; i++)
		yes = strncmp(f, subject_prefixes[i], strlen(subject_prefixes[i])) == 0;
	free(f);
	free(dec);
	return yes;
}

int autoreply_detect(const struct inmail *m, const char **ret_why)
{
	const char *why = NULL;

	for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]) && !why; i++)
		if (marker_says(m, &markers[i]))
			why = markers[i].why;
	if (!why && subject_says(m))
		why = "out-of-office subject";
	if (why && ret_why)
		*ret_why = why;
	return why != NULL;
}
