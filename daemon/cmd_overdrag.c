/* tovholder overdrag -o FILE [--til NAME] [--brev FILE]: the handover of the group to a new tovholder — one
 * mailable file (handover.h) and a short Danish letter that says what is planned, who has not answered, what
 * waits for review and what the new tovholder does next. */
#include "cmd.h"
#include "buf.h"
#include "dansk.h"
#include "handover.h"
#include "log.h"
#include "tz.h"
#include "util.h"
#include "vis.h"
#include "version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#define REMARK_MAX 160   /* a bounce reason is a server's reply: keep the bemærkning readable */

struct overdrag {
	struct ctx *ctx;
	const char *out, *til;
	char *letter_path;
	struct store_snapshot snap;
	struct store_record *rec;    /* per stored meeting, as snap */
	struct store_review *reviews;
	size_t n_reviews;
	char **remarks;              /* per roster person */
	size_t n_bounced;
	char *config_text;           /* scrubbed */
	time_t now;
};

/* FILE with its extension replaced by .txt ("overdragelse.tovholder" → "overdragelse.txt"). */
static char *default_letter_path(const char *out)
{
	const char *slash = strrchr(out, '/'), *dot = strrchr(out, '.');

	if (dot && (!slash || dot > slash + 1))
		return xasprintf("%.*s.txt", (int)(dot - out), out);
	return xasprintf("%s.txt", out);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Appends 'text' wrapped at WRAP characters (UTF-8 aware), the first line after 'first', the others after
 * 'rest': the letter is read in mail programs that do not wrap plain text. */
#define WRAP 76
static void add_wrapped(struct buf *b, const char *first, const char *rest, const char *text)
{
	size_t col = 0;
	const char *p = text;

	buf_adds(b, first);
	col = strlen(first);
	while (*p) {
		const char *w = p;
		size_t chars = 0;

		while (*p && *p != ' ')
			chars += ((unsigned char)*p++ & 0xC0) != 0x80;
		if (col > strlen(rest) && col + 1 + chars > WRAP) {
			buf_addf(b, "\n%s", rest);
			col = strlen(rest);
		} else if (w != text) {
			buf_addch(b, ' ');
			col++;
		}
		buf_add(b, w, (size_t)(p - w));
		col += chars;
		while (*p == ' ')
			p++;
	}
	buf_addch(b, '\n');
}

static int meeting_start(const struct ctx *ctx, const char *date, int start_min, time_t *ret)
{
	int y, m, d;

	if (util_parse_date(date, &y, &m, &d) < 0)
		return -1;
	return tz_local_to_utc(ctx->cfg.timezone, y, m, d, start_min, ret, NULL);
}

static const struct store_meeting *stored(const struct overdrag *o, const char *date, size_t *ret_i)
{
	for (size_t i = 0; i < o->snap.n; i++)
		if (strcmp(o->snap.meetings[i].date, date) == 0) {
			*ret_i = i;
			return &o->snap.meetings[i];
		}
	return NULL;
}

static const struct store_person_record *person_record(const struct store_record *r, const char *email)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->people[i].email, email) == 0)
			return &r->people[i];
	return NULL;
}

/* The bemærkning of each roster person: that mail to the address bounced, with the server's reason. */
static void find_bounces(struct overdrag *o)
{
	const struct roster *r = &o->ctx->roster;

	o->remarks = xcalloc(r->n + 1, sizeof(*o->remarks));
	for (size_t i = 0; i < r->n; i++) {
		const char *why = NULL;
		for (size_t k = 0; k < o->snap.n && !why; k++) {
			const struct store_person_record *p = person_record(&o->rec[k], r->people[i].email);
			if (p && p->bounce)
				why = p->bounce;
		}
		if (!why)
			continue;
		/* the bounce's subject is outside text: the letter and the deltagerliste are read on a terminal */
		char *shown = vis_dup(why);
		char *t = xasprintf("Adresse afvist: %s", shown);
		free(shown);
		if (strlen(t) > REMARK_MAX) {
			size_t cut = REMARK_MAX;
			while (cut > 0 && ((unsigned char)t[cut] & 0xC0) == 0x80)
				cut--;
			memcpy(t + cut, "...", 4);
		}
		o->remarks[i] = t;
		o->n_bounced++;
	}
}

static int load(struct overdrag *o)
{
	struct err err = { "" };
	size_t len;
	char *raw;
	int rc;

	if ((rc = ctx_open_record(o->ctx, &o->snap)))
		return rc;
	o->rec = xcalloc(o->snap.n + 1, sizeof(*o->rec));
	for (size_t i = 0; i < o->snap.n; i++)
		if (store_record_load(o->ctx->store, o->snap.meetings[i].id, &o->rec[i], &err) < 0)
			goto fail;
	if (store_reviews(o->ctx->store, &o->reviews, &o->n_reviews, &err) < 0)
		goto fail;
	if (!(raw = util_read_file(o->ctx->cfg.path, CONFIG_FILE_MAX, &len, &err)))
		goto fail;
	o->config_text = handover_scrub_config(raw, len);
	free(raw);
	find_bounces(o);
	return 0;
fail:
	log_error("%s", err.msg);
	return EX_SOFTWARE;
}

/* "Anne Mose Dahl (Faxe)" */
static void add_person(struct buf *b, const struct store_invitation *inv)
{
	buf_adds(b, inv->name[0] ? inv->name : inv->email);
	if (inv->org[0])
		buf_addf(b, " (%s)", inv->org);
}

static void letter_planned(struct overdrag *o, struct buf *b)
{
	const struct schedule *s = &o->ctx->sched;
	size_t shown = 0, idx;

	buf_adds(b, "Planlagte møder\n");
	for (size_t i = 0; i < s->n; i++) {
		const struct meeting *m = &s->meetings[i];
		time_t start;

		if (meeting_start(o->ctx, m->date, m->start_min, &start) < 0 || start <= o->now)
			continue;
		char *when = dansk_date_long(m->year, m->month, m->day), *span = dansk_timespan(m->start_min, m->end_min);
		buf_addf(b, "- %s kl. %s, %s", when, span, meeting_is_online(m) ? "online" : m->place);
		if (m->status == MEETING_CANCELLED)
			buf_adds(b, " (aflyst)");
		else if (!stored(o, m->date, &idx) && !(m->moved_from[0] && stored(o, m->moved_from, &idx)))
			buf_adds(b, " (endnu ikke indkaldt)");
		buf_addch(b, '\n');
		free(when);
		free(span);
		shown++;
	}
	if (!shown)
		buf_adds(b, "Der er ingen kommende møder i mødeplanen.\n");
	buf_addch(b, '\n');
}

static void letter_unanswered(struct overdrag *o, struct buf *b)
{
	size_t shown = 0;

	buf_adds(b, "Har endnu ikke svaret\n");
	for (size_t i = 0; i < o->snap.n; i++) {
		const struct store_meeting *m = &o->snap.meetings[i];
		size_t n = 0;
		time_t start;
		int y, mo, d;

		if (m->cancelled || meeting_start(o->ctx, m->date, m->start_min, &start) < 0 || start <= o->now)
			continue;
		util_parse_date(m->date, &y, &mo, &d);
		char *when = dansk_date(y, mo, d);
		struct buf line;
		buf_init(&line);
		buf_addf(&line, "%s:", when);
		free(when);
		for (size_t k = 0; k < m->n_inv; k++) {
			const struct store_invitation *inv = &m->inv[k];
			const struct store_person_record *p = person_record(&o->rec[i], inv->email);
			if (!inv->invited || (p && p->bounce) ||
			    (p && p->answer && strcmp(p->answer, "ukendt") != 0))
				continue;
			buf_adds(&line, n++ ? ", " : " ");
			add_person(&line, inv);
		}
		if (!n)
			buf_adds(&line, " alle har svaret");
		add_wrapped(b, "- ", "  ", line.data);
		buf_release(&line);
		shown++;
	}
	if (!shown)
		buf_adds(b, "Der er ingen kommende møder, som er indkaldt.\n");
	buf_addch(b, '\n');
}

static void letter_bounces(struct overdrag *o, struct buf *b)
{
	const struct roster *r = &o->ctx->roster;

	if (!o->n_bounced)
		return;
	buf_adds(b, "Adresser der er afvist\n");
	add_wrapped(b, "", "", "Mails til disse adresser er kommet retur. De er markeret i kolonnen \"bemærkning\" i "
		    "deltagerlisten. Find den rigtige adresse og ret den i deltagerlisten, før du sender:");
	for (size_t i = 0; i < r->n; i++)
		if (o->remarks[i])
			buf_addf(b, "- %s%s%s%s, %s\n", r->people[i].name, r->people[i].org[0] ? " (" : "",
				 r->people[i].org, r->people[i].org[0] ? ")" : "", r->people[i].email);
	buf_addch(b, '\n');
}

static void letter_reviews(struct overdrag *o, struct buf *b)
{
	buf_adds(b, "Mails der venter på gennemsyn\n");
	if (!o->n_reviews) {
		buf_adds(b, "Der ligger ingen mails, som venter på at blive afgjort.\n\n");
		return;
	}
	char *text = xasprintf("Der ligger %zu %s i min mappe \"%s\", som tovholder ikke selv kunne afgøre. De "
			       "følger ikke med i overdragelsen, så dem tager jeg stilling til, eller sender dem "
			       "videre til dig:", o->n_reviews, o->n_reviews == 1 ? "mail" : "mails",
			       o->ctx->cfg.imap.review ? o->ctx->cfg.imap.review : "Tovholder/Til gennemsyn");
	add_wrapped(b, "", "", text);
	free(text);
	for (size_t i = 0; i < o->n_reviews; i++) {
		const struct store_review *r = &o->reviews[i];
		struct tm tm;

		localtime_r(&r->date, &tm);
		char *when = dansk_date(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
		struct buf item;

		/* sender and subject come from the mail: made visible, as review shows them */
		buf_init(&item);
		vis_addf(&item, "%s fra %s: \"%s\"", when, r->sender, r->subject);
		add_wrapped(b, "- ", "  ", item.data);
		buf_release(&item);
		free(when);
	}
	buf_addch(b, '\n');
}

/* One numbered step: its text wrapped, then the command to type, if any, on a line of its own. */
static void step(struct buf *b, int n, const char *text, const char *command)
{
	char first[8];

	snprintf(first, sizeof(first), "%d. ", n);
	add_wrapped(b, first, "   ", text);
	if (command)
		buf_addf(b, "     %s\n", command);
}

static void letter_steps(struct overdrag *o, struct buf *b)
{
	char *name = xasprintf("name = %s", o->ctx->cfg.group_name);
	char *modtag = xasprintf("tovholder modtag %s", base_name(o->out));

	buf_adds(b, "Sådan kommer du i gang\n");
	step(b, 1, "Installer tovholder på din maskine.", NULL);
	step(b, 2, "Skriv din egen tovholder.conf med dit navn og din adresse som organizer, dine mailservere og "
		"din egen adgangskode. Brug samme navn på gruppen som jeg, ellers får møderne en ny titel i "
		"kalenderen:", name);
	add_wrapped(b, "   ", "   ", "Min opsætning står nederst til sammenligning, uden adgangskoder.");
	step(b, 3, "Læs overdragelsen ind. Mødeplanen og deltagerlisten bliver lagt der, hvor din "
		"tovholder.conf siger (schedule og roster), og svarene indtil nu følger med:", modtag);
	step(b, 4, "Tjek opsætningen:", "tovholder check --online");
	step(b, 5, "Se hvad der vil blive sendt. Hvert kommende møde skal stå som en opdatering (\"update\") med "
		"dig som ny tovholder, ikke som nye invitationer:", "tovholder plan");
	step(b, 6, "Send. Deltagerne får en opdatering af de møder, de allerede har i kalenderen, med dig som "
		"afsender. Svar og afbud kommer herefter til dig:", "tovholder send");
	step(b, 7, "Hent svarene og se, hvem der har svaret:", "tovholder fetch");
	buf_adds(b, "     tovholder status\n\n");
	add_wrapped(b, "", "", "Når du har sendt, stopper jeg tovholder på min maskine, så der kun bliver sendt "
		    "fra din.");
	buf_addch(b, '\n');
	free(name);
	free(modtag);
}

static char *letter(struct overdrag *o)
{
	struct buf b;

	buf_init(&b);
	buf_addf(&b, "Overdragelse af tovholderopgaven for %s\n\n", o->ctx->cfg.group_name);
	buf_addf(&b, "Kære %s\n\n", o->til ? o->til : "nye tovholder");
	char *intro = xasprintf("Her er overdragelsen af tovholderopgaven for %s. Filen %s indeholder "
				"mødeplanen, den opdaterede deltagerliste, alle svar og afbud indtil nu, og det som "
				"tovholder skal bruge for at opdatere de møder, der allerede ligger i deltagernes "
				"kalendere, så ingen får dem to gange.", o->ctx->cfg.group_name, base_name(o->out));
	add_wrapped(&b, "", "", intro);
	buf_addch(&b, '\n');
	free(intro);
	letter_planned(o, &b);
	letter_unanswered(o, &b);
	letter_bounces(o, &b);
	letter_reviews(o, &b);
	letter_steps(o, &b);
	buf_addf(&b, "Venlig hilsen\n%s\n\n", o->ctx->cfg.organizer_name[0] ? o->ctx->cfg.organizer_name :
		 o->ctx->cfg.organizer_email);
	buf_adds(&b, "----\n");
	add_wrapped(&b, "", "", "Min tovholder.conf til sammenligning, uden adgangskoder. Linjerne med FILL IN skal "
		    "du selv udfylde:");
	buf_addch(&b, '\n');
	for (const char *p = o->config_text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		buf_addf(&b, "    %.*s\n", (int)n, p);
		p += n + (nl ? 1 : 0);
	}
	return buf_detach(&b, NULL);
}

/* What modtag compares with the new config, and a human reads first. */
static char *info(const struct overdrag *o)
{
	const struct config *c = &o->ctx->cfg;

	return xasprintf("group = %s\norganizer = %s <%s>\nsecretary = %s\ntimezone = %s\nschedule = %s\n"
			 "roster = %s\nwritten_by = tovholder " TOVHOLDER_VERSION "\n", c->group_name, c->organizer_name,
			 c->organizer_email, c->secretary ? c->secretary : "", c->timezone,
			 base_name(c->schedule_path), base_name(c->roster_path));
}

static int build(struct overdrag *o, const char *letter_text, char **ret, size_t *ret_len)
{
	struct handover h;
	struct err err = { "" };
	struct tm tm;
	char *schedule = NULL, *roster = NULL, *record = NULL, *inf = info(o);
	size_t n_sched = 0, n_roster = 0, n_record = 0;
	int rc = EX_SOFTWARE;

	handover_init(&h);
	gmtime_r(&o->now, &tm);
	strftime(h.created, sizeof(h.created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!(schedule = util_read_file(o->ctx->cfg.schedule_path, CONFIG_FILE_MAX, &n_sched, &err)) ||
	    !(record = store_export(o->ctx->store, &n_record, &err)))
		goto out;
	roster = handover_roster_csv(&o->ctx->roster, (const char *const *)o->remarks, &n_roster);
	if (handover_add(&h, "info", inf, strlen(inf), &err) < 0 ||
	    handover_add(&h, "config", o->config_text, strlen(o->config_text), &err) < 0 ||
	    handover_add(&h, "schedule", schedule, n_sched, &err) < 0 ||
	    handover_add(&h, "roster", roster, n_roster, &err) < 0 ||
	    handover_add(&h, "record", record, n_record, &err) < 0 ||
	    handover_add(&h, "letter", letter_text, strlen(letter_text), &err) < 0 ||
	    handover_write(&h, ret, ret_len, &err) < 0)
		goto out;
	rc = 0;
out:
	if (rc)
		log_error("%s", err.msg);
	handover_release(&h);
	free(schedule);
	free(roster);
	free(record);
	free(inf);
	return rc;
}

static int parse_args(struct overdrag *o, int argc, char **argv)
{
	const char *brev = NULL;

	for (int i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--out") == 0) && i + 1 < argc)
			o->out = argv[++i];
		else if (strcmp(argv[i], "--til") == 0 && i + 1 < argc)
			o->til = argv[++i];
		else if (strcmp(argv[i], "--brev") == 0 && i + 1 < argc)
			brev = argv[++i];
		else
			goto usage;
	}
	if (!o->out || !*o->out)
		goto usage;
	o->letter_path = brev ? xstrdup(brev) : default_letter_path(o->out);
	if (strcmp(o->letter_path, o->out) == 0) {
		fprintf(stderr, "tovholder: the handover file and the letter would both be '%s': name the file "
			"something else than .txt, or give --brev FILE\n", o->out);
		return EX_USAGE;
	}
	return 0;
usage:
	fprintf(stderr, "usage: tovholder overdrag -o FILE [--til NAME] [--brev FILE]\n");
	return EX_USAGE;
}

static void release(struct overdrag *o)
{
	for (size_t i = 0; i < o->snap.n; i++)
		store_record_release(&o->rec[i]);
	free(o->rec);
	store_snapshot_release(&o->snap);
	store_reviews_free(o->reviews, o->n_reviews);
	if (o->remarks)
		for (size_t i = 0; i < o->ctx->roster.n; i++)
			free(o->remarks[i]);
	free(o->remarks);
	free(o->config_text);
	free(o->letter_path);
}

int cmd_overdrag(int argc, char **argv, struct ctx *ctx)
{
	struct overdrag o = { .ctx = ctx, .now = util_now() };
	struct err err = { "" };
	char *text = NULL, *let = NULL;
	size_t len = 0;
	int rc, queued = 0, failed = 0;

	if ((rc = parse_args(&o, argc, argv)) || (rc = load(&o)))
		goto out;
	let = letter(&o);
	if ((rc = build(&o, let, &text, &len)))
		goto out;
	rc = EX_CANTCREAT;
	/* it names people and addresses: for the tovholder's eyes and the mail to the next one */
	if (util_write_file(o.out, text, len, 0600, &err) < 0 ||
	    util_write_file(o.letter_path, let, strlen(let), 0600, &err) < 0) {
		log_error("%s", err.msg);
		goto out;
	}
	printf("wrote the handover '%s' (%zu meetings, %zu people, %zu bounced address%s marked) and the letter "
	       "'%s'\n", o.out, o.snap.n, ctx->roster.n, o.n_bounced, o.n_bounced == 1 ? "" : "es", o.letter_path);
	printf("send both to the new tovholder; once they have run 'tovholder send', stop tovholder here\n"
	       "(systemctl disable --now tovholder), so that only one machine sends for the group\n");
	if (store_outbox_counts(ctx->store, &queued, &failed, &err) == 0 && queued)
		log_warn("%d message%s still wait%s in the outbox here and %s not handed over: the new tovholder's "
			 "first send sends every future meeting again, with the new organizer", queued, queued == 1 ? "" : "s",
			 queued == 1 ? "s" : "", queued == 1 ? "is" : "are");
	rc = 0;
out:
	free(text);
	free(let);
	release(&o);
	return rc;
}
