/* Absences and the annual report: who came to the year's meetings, counted per person, per organisation and per
 * municipality, with the CSV and the self-contained HTML page. Pure: the caller supplies the record and the clock. */
#ifndef TOVHOLDER_REPORT_H
#define TOVHOLDER_REPORT_H

#include <stddef.h>

/* Confirmed attendance of one invitee, as recorded after the meeting. */
enum report_presence { REPORT_UNRECORDED, REPORT_PRESENT, REPORT_ABSENT };

/* One invitee of one meeting. Strings are borrowed. */
struct report_invitee {
	const char *email;
	const char *name;
	const char *org;               /* NULL or "": no organisation */
	int is_guest;                  /* role gæst */
	int invited;                   /* holds the invitation; 0 (sent a CANCEL): not counted at all */
	const char *answer;            /* "tilsagn", "afbud", "tentativ", "ukendt" or NULL */
	const char *substitute;        /* with afbud: the colleague who came instead, else NULL */
	enum report_presence presence; /* read only when the meeting's attendance is recorded */
};

/* A participant who was not invited (a Teams guest, a colleague, the organizer): counted in the head count, and
 * for their organisation when it has one. */
struct report_extra {
	const char *name;
	const char *org;               /* NULL or "" when unknown */
	int organizer;                 /* the tovholder: a participant, never a guest */
};

struct report_meeting {
	const char *date;              /* "YYYY-MM-DD" */
	const char *place;             /* "online" or an address */
	int cancelled;
	int held;                      /* has taken place: only these are counted */
	int recorded;                  /* confirmed attendance was recorded: presence counts, not answers */
	const struct report_invitee *inv;
	size_t n_inv;
	const struct report_extra *extra; /* only with recorded */
	size_t n_extra;
};

/* A meeting of the schedule, for "Planlagte møder i YEAR+1". */
struct report_planned {
	const char *date;
	int start_min, end_min;
	const char *place;
	int cancelled;
};

struct report_input {
	int year;
	const struct report_meeting *meetings;  /* any years, any order: the year's are picked */
	size_t n_meetings;
	const char *const *orgs;                /* the roster's organisations: the group's municipalities among
						 * them are listed even when they never came */
	size_t n_orgs;
	const struct report_planned *planned;   /* the schedule: the next year's, not cancelled, are listed */
	size_t n_planned;
};

/* What one person or organisation did at the held meetings they were invited to:
 * invited = present + afbud + absent. */
struct report_tally {
	int invited;
	int present;            /* confirmed present; where nothing was recorded: accepted (tilsagn) */
	int present_by_answer;  /* of present: counted from tilsagn because no attendance was recorded */
	int afbud;              /* not present, and sent afbud */
	int absent;             /* not present, no afbud ("uden afbud": no answer, tentativ, or accepted but absent) */
};

struct report_person {
	char *email, *name, *org;  /* from the latest meeting that invited them */
	struct report_tally t;
};

/* An organisation is present at a meeting when one of its people was, a substitute came for one of them, or
 * an extra participant from it came; afbud when not present and one of its people sent afbud. */
struct report_org {
	char *name;                /* the canonical municipality name, else the organisation as first written */
	int is_kommune;
	struct report_tally t;     /* over the held meetings it was invited to */
	int participated;          /* held meetings with at least one participant from it, invited or not */
};

struct report_held {
	char date[11];
	char *place;
	int head_count;            /* participants incl. guests, substitutes and extra participants */
	int guests;                /* of head_count: role gæst and extra participants */
	int recorded;
};

struct report_kommune {
	const char *name;          /* canonical (kommune_match) */
	int meetings;              /* held meetings with at least one participant from it */
};

struct report {
	int year;
	struct report_held *held;          /* by date */
	size_t n_held;
	size_t n_upcoming;                 /* the year's meetings not held yet (not cancelled) */
	size_t n_cancelled;
	struct report_person *people;
	size_t n_people;
	struct report_org *orgs;           /* organisations with a name */
	size_t n_orgs;
	struct report_kommune *kommuner;   /* the group's municipalities, in Danish order, zeros included */
	size_t n_kommuner;
	struct report_planned *planned;    /* the next year's meetings, by date (strings borrowed from the input) */
	size_t n_planned;
};

/* Counts the input's year. Sorted by name. Never fails; release with report_release. */
void report_build(struct report *r, const struct report_input *in);
void report_release(struct report *r);

enum report_sort { REPORT_SORT_NAME, REPORT_SORT_ORG, REPORT_SORT_ABSENCE };
/* "navn", "organisation", "fravær" (or "fravaer") → 0 and *ret; -1 for anything else. */
int report_sort_parse(const char *s, enum report_sort *ret);
/* Re-orders people and organisations: by name (Danish order), by organisation then name, or by absence
 * without afbud, then afbud, most first. */
void report_sort(struct report *r, enum report_sort by);

/* The absence overview as plain text for the terminal (Danish). Caller frees. */
char *report_absence_text(const struct report *r, const char *group_name);
/* CSV for Excel: UTF-8 with BOM, ';', CRLF, Danish headings. Caller frees. */
char *report_csv_people(const struct report *r);
char *report_csv_orgs(const struct report *r);
char *report_csv_meetings(const struct report *r);
char *report_csv_kommuner(const struct report *r);
char *report_csv_planned(const struct report *r);
/* The annual report's numbers as one self-contained HTML page (inline CSS and SVG chart, no external resource).
 * 'made' is the date of writing, "YYYY-MM-DD". Caller frees. */
char *report_html(const struct report *r, const char *group_name, const char *made);

#endif
