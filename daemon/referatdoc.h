/* The referat draft as a document (txt, Markdown, HTML, docx): heading, place, attendance lines, guests per
 * agenda item and the agenda with room for the minutes, in the form of the network's own minutes. Pure. */
#ifndef TOVHOLDER_REFERATDOC_H
#define TOVHOLDER_REFERATDOC_H

#include <stddef.h>

#include "err.h"
#include "referat.h"

enum referatdoc_format { REFERATDOC_TXT, REFERATDOC_MD, REFERATDOC_HTML, REFERATDOC_DOCX };

/* A guest who comes for one agenda item (schedule.ini "guest_item = EMAIL N"). */
struct referatdoc_guest {
	const char *email;
	size_t item;              /* 1-based; items outside the agenda are ignored */
};

/* Everything the draft shows; all borrowed. */
struct referatdoc {
	const char *group;        /* the group's name; NULL or "": the heading is "REFERAT den …" */
	int year, month, day;
	int start_min, end_min;   /* minutes after local midnight */
	const char *place;        /* "online" (any case) or the address */
	const char *online_url;   /* NULL or "" when none */
	const char *const *agenda;
	size_t n_agenda;
	const char *secretary;    /* as referat_lines takes it */
	const struct referat_person *people;
	size_t n_people;
	const struct referatdoc_guest *guests;
	size_t n_guests;
};

/* "txt", "md" (or "markdown"), "html", "docx", any case. 0, or -1 for anything else. */
int referatdoc_format_parse(const char *name, enum referatdoc_format *ret);
/* "REFERAT - Netværksgruppe Børn og Unge den 5. marts 2027 kl. 10.00-13.00". Caller frees. */
char *referatdoc_heading(const struct referatdoc *d);
/* "Virtuelt møde i TEAMS" (a Teams link), "Virtuelt møde via HOST" (another link), "Virtuelt møde" (online
 * without a link), "Adresse: PLACE" (with " (og virtuelt …)" when there is also a link). Caller frees. */
char *referatdoc_place(const struct referatdoc *d);
/* The attendance lines of referat_lines, with every guest who comes (ACCEPTED or PRESENT) for an agenda item
 * taken off Deltagere and written on a line of its own right after it:
 *   "Samt under punkt 2 Gitte Fog (Aalborg Universitet) og under punkt 3 Bo Lerche og Ida Smed (Næstved)"
 * A guest who sent afbud or stayed away stays on Afbud or Fraværende. Caller frees. */
char *referatdoc_lines(const struct referatdoc *d);
/* The whole draft. Text formats are UTF-8 and NUL-terminated; docx is a ZIP (Office Open XML). *ret is the
 * caller's to free, *ret_len its length. -1 with err only when the docx cannot be packed. */
int referatdoc_render(const struct referatdoc *d, enum referatdoc_format f, char **ret, size_t *ret_len,
		      struct err *err);

#endif
