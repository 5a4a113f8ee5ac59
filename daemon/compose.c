/* Composes the invitation mails: the Danish text from templates/, the iCalendar object (itip.c) and the MIME
 * message (mime.c). */
#include "compose.h"
#include "dansk.h"
#include "itip.h"
#include "mime.h"
#include "tmpl.h"
#include "util.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TEMPLATE_MAX (256 * 1024)

struct compose {
	const struct config *cfg;
	char *dir;
};

static const char *const template_names[] = { "indkaldelse", "opdatering", "aflysning", "fjernet" };
static const char *const reminder_names[] = { "paamindelse", "praktisk" };
static const char *const paper_names[] = { "referat", "fremmoede", "status", "teamsrapport" };

static const char *template_for(enum plan_msg msg)
{
	return template_names[msg];
}

static int has_templates(const char *dir)
{
	char *probe = xasprintf("%s/indkaldelse.txt", dir);
	int ok = access(probe, R_OK) == 0;

	free(probe);
	return ok;
}

/* templates/ in the source tree, for a binary run from build/ */
static char *source_tree_templates(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	char *bindir = util_dirname(exe);
	char *dir = xasprintf("%s/../templates", bindir);
	free(bindir);
	if (has_templates(dir))
		return dir;
	free(dir);
	return NULL;
}

struct compose *compose_new(const struct config *cfg, struct err *err)
{
	struct compose *c;
	const char *env = getenv("TOVHOLDER_TEMPLATES");
	char *dir = NULL;

	if (cfg->templates_dir)
		dir = xstrdup(cfg->templates_dir);
	else if (env && *env)
		dir = xstrdup(env);
	else if (has_templates(TOVHOLDER_DATADIR "/templates"))
		dir = xstrdup(TOVHOLDER_DATADIR "/templates");
	else if (!(dir = source_tree_templates()))
		return err_set(err, "cannot find the templates (looked in %s/templates): set 'templates = DIR' in"
			       " [group]", TOVHOLDER_DATADIR), NULL;
	c = xcalloc(1, sizeof(*c));
	c->cfg = cfg;
	c->dir = dir;
	return c;
}

void compose_free(struct compose *c)
{
	if (!c)
		return;
	free(c->dir);
	free(c);
}

const char *compose_templates_dir(const struct compose *c)
{
	return c->dir;
}

/* Gives v every partial of the templates directory for 'ext': templates/_NAME.EXT is {{> NAME}} (the shared
 * frame and greeting). */
static int load_partials(struct compose *c, const char *ext, struct tmpl_vars *v, struct err *err)
{
	DIR *dh = opendir(c->dir);
	struct dirent *de;
	int rc = 0;

	if (!dh)
		return err_set(err, "cannot read the templates directory '%s'", c->dir);
	while (rc == 0 && (de = readdir(dh))) {
		const char *dot = strrchr(de->d_name, '.');
		size_t n = dot ? (size_t)(dot - de->d_name) : 0;
		if (de->d_name[0] != '_' || n < 2 || n > 64 || strcmp(dot + 1, ext) != 0)
			continue;
		char *path = xasprintf("%s/%s", c->dir, de->d_name), *name = xstrndup(de->d_name + 1, n - 1);
		size_t len;
		char *src = util_read_file(path, TEMPLATE_MAX, &len, err);
		if (src)
			tmpl_set_partial(v, name, src, len, path);
		else
			rc = -1;
		free(src);
		free(name);
		free(path);
	}
	closedir(dh);
	return rc;
}

/* Renders templates/NAME.EXT; the error names the file and line. */
static char *render(struct compose *c, const char *name, const char *ext, struct tmpl_vars *v,
		    struct err *err)
{
	char *path = xasprintf("%s/%s.%s", c->dir, name, ext);
	size_t len;
	char *src = NULL;
	char *out = NULL;

	if (load_partials(c, ext, v, err) == 0 && (src = util_read_file(path, TEMPLATE_MAX, &len, err)))
		out = tmpl_render(src, len, path, v, strcmp(ext, "html") == 0 ? TMPL_HTML : TMPL_TEXT, err);
	free(src);
	free(path);
	return out;
}

/* Splits "Emne: subject\n\nbody" into its subject and body (both pointers into text, which is modified). */
static int split_subject(char *text, const char *name, char **ret_subject, char **ret_body, struct err *err)
{
	char *nl = strchr(text, '\n');

	if (!util_istarts(text, "Emne:") || !nl)
		return err_set(err, "%s/%s.txt:1: the first line must be the subject: 'Emne: …'", "templates", name);
	*nl = '\0';
	if (nl > text && nl[-1] == '\r')
		nl[-1] = '\0';
	*ret_subject = util_trim(text + strlen("Emne:"));
	char *body = nl + 1;
	while (*body == '\n' || *body == '\r')
		body++;
	*ret_body = body;
	return 0;
}

/* NAME.txt, split into its subject and body (pointers into *ret_txt, the caller's to free), then NAME.html
 * with the subject as {{emne}} (its <title>). */
static int render_both(struct compose *c, const char *name, struct tmpl_vars *v, char **ret_txt,
		       char **ret_subject, char **ret_body, char **ret_html, struct err *err)
{
	if (!(*ret_txt = render(c, name, "txt", v, err)) ||
	    split_subject(*ret_txt, name, ret_subject, ret_body, err) < 0)
		return -1;
	tmpl_set(v, "emne", *ret_subject);
	return (*ret_html = render(c, name, "html", v, err)) ? 0 : -1;
}

static void set_meeting_vars(struct tmpl_vars *v, const struct config *cfg, const struct store_meeting *mt,
			     char *const *changes_da, size_t n_changes)
{
	int y = 0, mo = 0, d = 0;
	char *date, *time;
	char *agenda = xstrdup(mt->agenda ? mt->agenda : "");
	const char *items[64];
	size_t n = 0;
	int online = strcasecmp(mt->place, "online") == 0;
	char *org_name = NULL, *org_email = NULL;

	util_parse_date(mt->date, &y, &mo, &d);
	date = dansk_date_long(y, mo, d);
	time = dansk_timespan(mt->start_min, mt->end_min);
	for (char *p = agenda, *save = NULL, *tok; n < 64 && (tok = strtok_r(p, "\n", &save)); p = NULL)
		items[n++] = tok;
	if (util_parse_mailbox(mt->organizer, &org_name, &org_email) < 0) {
		org_name = xstrdup(cfg->organizer_name);
		org_email = xstrdup(cfg->organizer_email);
	}
	tmpl_set(v, "gruppe", mt->summary);
	tmpl_set(v, "dato", date);
	tmpl_set(v, "tid", time);
	tmpl_set(v, "sted", online ? "Online" : mt->place);
	tmpl_set(v, "online", online ? "ja" : NULL);
	tmpl_set(v, "link", mt->online_url);
	tmpl_set_list(v, "dagsorden", items, n);
	tmpl_set(v, "tovholder", org_name);
	tmpl_set(v, "tovholder_email", org_email);
	tmpl_set(v, "referent", cfg->secretary);
	tmpl_set_list(v, "aendringer", (const char *const *)changes_da, n_changes);
	tmpl_set(v, "svarfrist", NULL);
	free(org_name);
	free(org_email);
	free(date);
	free(time);
	free(agenda);
}

static const char *ical_role(const char *role)
{
	/* a guest speaker is there for one item: optional, so calendars do not count them as required */
	return strcmp(role, "gæst") == 0 ? "OPT-PARTICIPANT" : "REQ-PARTICIPANT";
}

char *compose_meeting_mail(struct compose *c, const struct store_meeting *mt, const struct store_invitation *who,
			   enum plan_msg msg, char *const *changes_da, size_t n_changes, time_t now,
			   char **ret_message_id, size_t *ret_len, struct err *err)
{
	const struct config *cfg = c->cfg;
	const char *name = template_for(msg);
	struct tmpl_vars *v = tmpl_vars_new();
	char *txt = NULL, *html = NULL, *ical = NULL, *out = NULL, *org_name = NULL, *org_email = NULL;
	char *subject = NULL, *body = NULL, *location = NULL, *message_id = NULL;
	int cancel = msg == PLAN_MSG_CANCEL || msg == PLAN_MSG_REMOVE;

	set_meeting_vars(v, cfg, mt, changes_da, n_changes);
	tmpl_set(v, "navn", who->name);
	tmpl_set(v, "organisation", who->org);
	if (render_both(c, name, v, &txt, &subject, &body, &html, err) < 0)
		goto out;
	if (util_parse_mailbox(mt->organizer, &org_name, &org_email) < 0) {
		err_set(err, "bad organizer '%s'", mt->organizer);
		goto out;
	}
	int y, mo, d;
	util_parse_date(mt->date, &y, &mo, &d);
	if (strcasecmp(mt->place, "online") == 0)
		location = xstrdup(mt->online_url[0] ? mt->online_url : "Online");
	else
		location = xstrdup(mt->place);
	struct itip_attendee att = { who->name, who->email, ical_role(who->role) };
	struct itip_event ev = {
		.method = cancel ? ITIP_CANCEL : ITIP_REQUEST,
		.uid = mt->uid,
		.sequence = who->sequence,
		.dtstamp = now,
		.tzid = cfg->timezone,
		.year = y, .month = mo, .day = d,
		.start_min = mt->start_min, .end_min = mt->end_min,
		.summary = mt->summary,
		.location = location,
		.url = mt->online_url[0] ? mt->online_url : NULL,
		.description = body,
		.organizer_name = org_name,
		.organizer_email = org_email,
		.attendees = &att,
		.n_attendees = 1,
	};
	if (!(ical = itip_build(&ev, err)))
		goto out;
	message_id = mime_new_message_id(util_email_domain(org_email));
	struct mime_message mm = {
		.from_name = org_name,
		.from_email = org_email,
		.to_name = who->name,
		.to_email = who->email,
		.subject = subject,
		.message_id = message_id,
		.date = now,
		.text = body,
		.html = html,
		.ical = ical,
		.ical_method = cancel ? "CANCEL" : "REQUEST",
	};
	if (!(out = mime_build(&mm, ret_len, err)))
		goto out;
	*ret_message_id = message_id;
	message_id = NULL;
out:
	tmpl_vars_free(v);
	free(txt);
	free(html);
	free(ical);
	free(location);
	free(org_name);
	free(org_email);
	free(message_id);
	return out;
}

/* A mail without a calendar part from templates/NAME (cp->template): the meeting's variables, those in v
 * (navn, organisation and the caller's own), text and HTML, and the attachment if any. */
static char *plain_mail(struct compose *c, const struct compose_paper *p, struct tmpl_vars *v, time_t now,
			char **ret_message_id, size_t *ret_len, struct err *err)
{
	char *txt = NULL, *html = NULL, *out = NULL, *org_name = NULL, *org_email = NULL, *message_id = NULL;
	char *subject = NULL, *body = NULL;

	set_meeting_vars(v, c->cfg, p->mt, NULL, 0);
	if (render_both(c, p->template, v, &txt, &subject, &body, &html, err) < 0)
		goto out;
	if (util_parse_mailbox(p->mt->organizer, &org_name, &org_email) < 0) {
		err_set(err, "bad organizer '%s'", p->mt->organizer);
		goto out;
	}
	message_id = mime_new_message_id(util_email_domain(org_email));
	struct mime_message mm = {
		.from_name = org_name, .from_email = org_email, .to_name = p->to_name, .to_email = p->to_email,
		.cc_name = p->cc_name, .cc_email = p->cc_email, .subject = subject, .message_id = message_id,
		.date = now, .text = body, .html = html, .attachment = p->attachment,
		.attachment_len = p->attachment_len, .attachment_type = COMPOSE_DOCX_TYPE,
		.attachment_name = p->attachment_name,
	};
	if (!(out = mime_build(&mm, ret_len, err)))
		goto out;
	*ret_message_id = message_id;
	message_id = NULL;
out:
	free(txt);
	free(html);
	free(org_name);
	free(org_email);
	free(message_id);
	return out;
}

char *compose_reminder_mail(struct compose *c, const struct store_meeting *mt, const struct store_invitation *who,
			    int practical, time_t now, char **ret_message_id, size_t *ret_len, struct err *err)
{
	struct compose_paper p = { .template = reminder_names[practical ? 1 : 0], .mt = mt, .to_name = who->name,
				   .to_email = who->email };
	struct tmpl_vars *v = tmpl_vars_new();
	char *out;

	tmpl_set(v, "navn", who->name);
	tmpl_set(v, "organisation", who->org);
	out = plain_mail(c, &p, v, now, ret_message_id, ret_len, err);
	tmpl_vars_free(v);
	return out;
}

char *compose_paper_mail(struct compose *c, const struct compose_paper *p, struct tmpl_vars *v, time_t now,
			 char **ret_message_id, size_t *ret_len, struct err *err)
{
	tmpl_set(v, "navn", p->to_name);
	tmpl_set(v, "organisation", NULL);
	return plain_mail(c, p, v, now, ret_message_id, ret_len, err);
}

/* The paperwork's own variables with sample values, for compose_check. */
static void sample_paper_vars(struct tmpl_vars *v)
{
	static const char *const lines[] = { "Afbud: Eksempel Person (Eksempel Kommune)", "Deltagere: ingen",
					     "Referat: Eksempel Referent (Eksempel)" };
	static const char *const pcols[] = { "deltager", "svar", "kilde", "tidspunkt", "bemaerkning" };
	static const char *const pcells[] = { "Eksempel Person (Eksempel)", "afbud", "mail", "01.03.2030 10:00",
					      "stedfortræder: Anden Person" };
	static const char *const rcols[] = { "fra", "overskrift", "modtaget", "grund" };
	static const char *const rcells[] = { "x@kommune.example", "Re: møde", "01.03.2030 10:00", "unclear" };
	static const char *const names[] = { "antal_inviterede", "antal_tilsagn", "antal_afbud", "antal_tentativ",
					     "antal_autosvar", "antal_afvist", "antal_ikke_svaret", "antal_gennemsyn" };
	static const char *const fcols[] = { "deltager", "tidspunkt", "kommentar" };
	static const char *const fcells[] = { "Eksempel Person", "torsdag den 28. februar 2030 kl. 09.30-10.30",
					      "Kan vi flytte mødet?" };
	static const char *const flags[] = { "har_ikke_svaret", "har_stedfortraedere", "har_afviste", "har_forslag" };
	static const char *const folders[] = { "mappe_gennemsyn", "mappe_afbud", "mappe_tilsagn", "mappe_ignorer",
					       "mappe_fremmoede" };

	tmpl_set_list(v, "linjer", lines, 3);
	tmpl_set(v, "bilag", "referat-2030-03-01.docx");
	tmpl_set(v, "efter_moedet", "ja");
	tmpl_set_rows(v, "personer", pcols, 5, pcells, 1);
	tmpl_set_rows(v, "gennemsyn", rcols, 4, rcells, 1);
	tmpl_set(v, "venter", "ja");
	tmpl_set_list(v, "ikke_svaret", pcells, 1);
	tmpl_set_list(v, "stedfortraedere", pcells, 1);
	tmpl_set_list(v, "afviste", pcells, 1);
	tmpl_set_rows(v, "forslag", fcols, 3, fcells, 1);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		tmpl_set(v, flags[i], "ja");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		tmpl_set(v, names[i], "1");
	for (size_t i = 0; i < sizeof(folders) / sizeof(folders[0]); i++)
		tmpl_set(v, folders[i], "Tovholder/Eksempel");
	tmpl_set(v, "rapport", "rapport.csv");
	tmpl_set_list(v, "fundet", pcells, 1);
	tmpl_set_list(v, "gaester", pcells, 1);
	tmpl_set_list(v, "ikke_placeret", pcells, 1);
	tmpl_set(v, "antal_fundet", "1");
	tmpl_set(v, "antal_ikke_placeret", "1");
	tmpl_set(v, "har_gaester", "ja");
	tmpl_set(v, "har_ikke_placeret", "ja");
}

int compose_check(struct compose *c, struct diag *d)
{
	struct store_invitation who = { "eksempel@kommune.example", "Eksempel Person", "Eksempel Kommune",
					"medlem", 1, 0 };
	struct store_meeting mt = { 0 };
	char *change = "Tidspunktet er ændret til kl. 12.00-15.00";
	int rc = 0;

	mt.uid = "check@tovholder";
	memcpy(mt.date, "2030-03-01", 11);
	mt.start_min = 600;
	mt.end_min = 780;
	mt.place = "online";
	mt.online_url = "https://meet.example/abc";
	mt.agenda = "Velkommen\nEventuelt";
	mt.organizer = xasprintf("%s <%s>", c->cfg->organizer_name, c->cfg->organizer_email);
	mt.summary = c->cfg->group_name;
	for (size_t i = 0; i < sizeof(template_names) / sizeof(template_names[0]); i++) {
		struct err err = { "" };
		char *msgid = NULL;
		size_t len;
		char *msg = compose_meeting_mail(c, &mt, &who, (enum plan_msg)i, &change, 1, util_now(), &msgid,
						 &len, &err);
		if (!msg) {
			diag_add(d, c->dir, 0, "template '%s': %s", template_names[i], err.msg);
			rc = -1;
		}
		free(msg);
		free(msgid);
	}
	for (size_t i = 0; i < sizeof(reminder_names) / sizeof(reminder_names[0]); i++) {
		struct err err = { "" };
		char *msgid = NULL;
		size_t len;
		char *msg = compose_reminder_mail(c, &mt, &who, (int)i, util_now(), &msgid, &len, &err);
		if (!msg) {
			diag_add(d, c->dir, 0, "template '%s': %s", reminder_names[i], err.msg);
			rc = -1;
		}
		free(msg);
		free(msgid);
	}
	for (size_t i = 0; i < sizeof(paper_names) / sizeof(paper_names[0]); i++) {
		struct err err = { "" };
		struct tmpl_vars *v = tmpl_vars_new();
		struct compose_paper p = { paper_names[i], &mt, "Eksempel Referent", "referent@kommune.example",
					   "Tovholder", "tovholder@kommune.example", "PK", 2, "referat.docx" };
		char *msgid = NULL;
		size_t len;
		char *msg;

		sample_paper_vars(v);
		if (!(msg = compose_paper_mail(c, &p, v, util_now(), &msgid, &len, &err))) {
			diag_add(d, c->dir, 0, "template '%s': %s", paper_names[i], err.msg);
			rc = -1;
		}
		tmpl_vars_free(v);
		free(msg);
		free(msgid);
	}
	free(mt.organizer);
	return rc;
}
