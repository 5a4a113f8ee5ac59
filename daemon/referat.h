/* The attendance lines of a referat ("Afbud: …", "Deltagere: …", "Referat: …") in the form Danish minutes use. */
#ifndef TOVHOLDER_REFERAT_H
#define TOVHOLDER_REFERAT_H

#include <stddef.h>

enum referat_answer {
	REFERAT_NO_ANSWER,
	REFERAT_ACCEPTED,
	REFERAT_DECLINED,
	REFERAT_TENTATIVE,
	REFERAT_PRESENT,   /* PRESENT/ABSENT: confirmed after the meeting */
	REFERAT_ABSENT,
};

struct referat_person {
	const char *name;        /* UTF-8, printed as given; NULL or "": the e-mail address is shown */
	const char *org;         /* NULL or "": the name is written alone */
	const char *email;       /* may be NULL */
	int is_secretary;        /* the referent: only on the "Referat:" line, never among Deltagere */
	int is_guest;            /* role gæst: listed after every organisation, in the order given */
	enum referat_answer answer;
	const char *substitute;  /* DECLINED/ABSENT with a colleague coming instead: the colleague's name, else NULL */
};

/* The attendance lines, each ending in "\n", in this order:
 *   Afbud:       DECLINED
 *   Deltagere:   ACCEPTED or PRESENT, and substitutes as "NAME (Org) for MEMBER"; "Deltagere: ingen" when empty
 *   Referat:     the referent; "Referat: ingen" when there is none
 *   Fraværende:  ABSENT
 *   Måske:       TENTATIVE (an answer, but neither yes nor afbud)
 *   Ikke svaret: NO_ANSWER
 * Afbud, Fraværende, Måske and Ikke svaret are left out when nobody is on them. People of one organisation are
 * joined "A, B og C (Org)" (by name in Danish order); see referat_org_cmp for the order of organisations.
 * The referent is every person with is_secretary, and whoever 'secretary' names: the configured referent,
 * written "Name (Organisation)" (the organisation in any spelling referat_org_cmp groups), a name, or an
 * e-mail address, any case. The referent is on no other line, whatever their answer. When nobody in 'people'
 * is the referent, a non-empty 'secretary' is printed as given. A substitute of someone on a line other than
 * Afbud or Fraværende is ignored. Caller frees. */
char *referat_lines(const char *secretary, const struct referat_person *people, size_t n);

/* strcmp-like order of two organisations as a referat lists them: municipalities (any spelling kommune_match
 * knows, by canonical name) in Danish alphabetical order, then other organisations in Danish order ignoring
 * case and surrounding space, then the empty organisation (NULL or ""). 0: the same organisation. */
int referat_org_cmp(const char *a, const char *b);

#endif
