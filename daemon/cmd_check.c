/* tovholder check [--online]: every problem in the config, schedule, roster and templates, at once. */
#include "cmd.h"
#include "buf.h"
#include "compose.h"
#include "graph.h"
#include "imap.h"
#include "log.h"
#include "smtp.h"
#include "util.h"
#include "vis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

static int check_smtp(const struct config *cfg)
{
	struct err err = { "" };
	char *password = NULL;
	struct smtp *s;
	enum smtp_result r;
	int temporary = 0;

	if (cfg->smtp.user && !(password = config_secret(&cfg->smtp, &temporary, &err))) {
		log_error("[smtp] %s", err.msg);
		return temporary ? EX_TEMPFAIL : EX_CONFIG;
	}
	s = smtp_new(&cfg->smtp, password, cfg->organizer_email, &err);
	if (password) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	if (!s) {
		log_error("[smtp] %s", err.msg);
		return EX_CONFIG;
	}
	r = smtp_probe(s, &err);
	if (r != SMTP_OK) {
		log_error("[smtp] %s: %s", cfg->smtp.url, err.msg);
		smtp_free(s);
		return r == SMTP_REFUSED ? EX_UNAVAILABLE : EX_TEMPFAIL;
	}
	if (!cfg->smtp.user)
		vis_printf("smtp: connected to %s (no login configured)\n", cfg->smtp.url);
	else
		vis_printf("smtp: logged in to %s (%s)\n", cfg->smtp.url,
		       smtp_login_mechanism(s) ? smtp_login_mechanism(s) : "no AUTH needed");
	smtp_free(s);
	return 0;
}

/* check --online looks at the newest mails of the inbox: does the service whose word counts stamp them? An
 * authserv_id with a typo would send every answer to review; a server that stamps mail unasked is worth
 * naming where From alone decides. */
#define CHECK_NEWEST 20
#define CHECK_IDS 4

struct stamp_probe {
	enum authres_service service;
	const char *authserv_id;
	int n, n_stamped;
	char ids[CHECK_IDS][64];     /* the topmost authserv-ids seen ("" for Exchange's form) */
	int n_ids;
};

static int stamp_probe_msg(struct imap_msg *msg, void *arg)
{
	struct stamp_probe *p = arg;
	const char *values[AUTHRES_MAX_FIELDS];
	size_t nv = 0;
	struct authres *a = xmalloc(sizeof(*a));

	for (size_t i = 0; i < msg->mail.root.n_headers && nv < AUTHRES_MAX_FIELDS; i++)
		if (strcasecmp(msg->mail.root.headers[i].name, "Authentication-Results") == 0)
			values[nv++] = msg->mail.root.headers[i].value;
	p->n++;
	if (p->service != AUTHRES_SERVICE_NONE && authres_find(values, nv, p->service, p->authserv_id, a) >= 0)
		p->n_stamped++;
	if (nv && authres_parse(values[0], a) == 0) {
		int seen = 0;
		for (int i = 0; i < p->n_ids; i++)
			seen |= strcmp(p->ids[i], a->authserv_id) == 0;
		if (!seen && p->n_ids < CHECK_IDS && strlen(a->authserv_id) < sizeof(p->ids[0]))
			strcpy(p->ids[p->n_ids++], a->authserv_id);
	}
	free(a);
	return 0;
}

static void check_stamps(struct imap *im, const struct config *cfg, uint32_t next)
{
	static const char *const fields[] = { "Authentication-Results", NULL };
	struct stamp_probe p = { 0 };
	struct err err = { "" };
	const char *label;
	struct buf ids;

	p.service = config_sender_trust(&cfg->imap, &p.authserv_id, &label);
	if (!next)
		return; /* no UIDNEXT: the newest mails cannot be told from the others cheaply */
	if (imap_fetch_new(im, next > CHECK_NEWEST ? next - 1 - CHECK_NEWEST : 0, fields, stamp_probe_msg, &p, &err) !=
	    IMAP_OK) {
		vis_printf("senders: cannot look at the newest mails: %s\n", err.msg);
		return;
	}
	buf_init(&ids);
	for (int i = 0; i < p.n_ids; i++)
		vis_addf(&ids, "%s'%s'", i ? ", " : "", p.ids[i][0] ? p.ids[i] : "(none: Exchange Online's form)");
	if (!p.n)
		vis_printf("senders: the mailbox '%s' is empty: send a test mail from outside and run check --online "
			   "again to see what your mail server writes in it\n", cfg->imap.mailbox);
	else if (p.service != AUTHRES_SERVICE_NONE)
		vis_printf("senders: %d of the %d newest mails in '%s' carry an Authentication-Results header from %s%s%s\n",
			   p.n_stamped, p.n, cfg->imap.mailbox,
			   p.service == AUTHRES_SERVICE_EXCHANGE ? "Exchange Online" : p.authserv_id,
			   p.n_stamped || !p.n_ids ? "" : ": check [imap] authserv_id; the topmost ones are from ",
			   p.n_stamped || !p.n_ids ? "" : ids.data);
	else if (p.n_ids)
		vis_printf("senders: the newest mails carry Authentication-Results from %s: if that is your mail "
			   "server, set [imap] authserv_id to that name\n", ids.data);
	buf_release(&ids);
}

static int check_imap(const struct config *cfg)
{
	const struct server_config *sc = &cfg->imap;
	struct err err = { "" };
	char *password = NULL;
	struct imap *im;
	enum imap_result r;
	uint32_t validity, next;
	int temporary = 0;

	if (!sc->present) {
		printf("imap: no [imap] section: answers cannot be read\n");
		return 0;
	}
	if (sc->user && !(password = config_secret(sc, &temporary, &err))) {
		log_error("[imap] %s", err.msg);
		return temporary ? EX_TEMPFAIL : EX_CONFIG;
	}
	im = imap_new(sc, password, &err);
	if (password) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	if (!im) {
		log_error("[imap] %s", err.msg);
		return EX_CONFIG;
	}
	r = imap_connect(im, &err);
	if (r == IMAP_OK)
		r = imap_select(im, sc->mailbox, &validity, &next, &err);
	if (r != IMAP_OK) {
		log_error("[imap] %s: %s", sc->url, err.msg);
		imap_free(im);
		return r == IMAP_UNREACHABLE ? EX_TEMPFAIL : EX_UNAVAILABLE;
	}
	vis_printf("imap: logged in to %s (%s), mailbox '%s' opened\n", sc->url, imap_login_mechanism(im), sc->mailbox);
	check_stamps(im, cfg, next);
	imap_free(im);
	return 0;
}

/* [graph]: one GET /me with the token, so a missing permission or a token for another mailbox shows now. */
static int check_graph(const struct config *cfg)
{
	struct err err = { "" };
	struct graph *g;
	enum graph_result r;
	char *upn = NULL;

	if (!cfg->graph.present) {
		printf("graph: no [graph] section: Teams links and attendance are not fetched from Microsoft Graph\n");
		return 0;
	}
	if (!(g = graph_new(&cfg->graph, &err))) {
		log_error("[graph] %s", err.msg);
		return EX_CONFIG;
	}
	r = graph_me(g, &upn, &err);
	graph_free(g);
	if (r != GRAPH_OK) {
		log_error("[graph] %s", err.msg);
		return r == GRAPH_TEMPFAIL ? EX_TEMPFAIL : EX_UNAVAILABLE;
	}
	printf("graph: signed in to %s as %s\n", cfg->graph.url, upn);
	if (cfg->organizer_email && strcasecmp(upn, cfg->organizer_email) != 0)
		printf("graph: note: the token is for %s, not for the organizer %s: Teams meetings will be made in "
		       "that mailbox\n", upn, cfg->organizer_email);
	free(upn);
	return 0;
}

/* Who may change an answer (README "How answers are read"): said plainly, since with no service to ask a
 * forged From is believed. */
static void print_sender_policy(const struct config *cfg)
{
	const char *id, *label;
	enum authres_service service;

	if (!cfg->imap.present)
		return;
	service = config_sender_trust(&cfg->imap, &id, &label);
	switch (service) {
	case AUTHRES_SERVICE_NONE:
		printf("senders: From alone decides whose answer a mail is, and From can be forged: no mail service "
		       "is asked (set [imap] authserv_id to the name your mail server writes first in its "
		       "Authentication-Results header)\n");
		break;
	case AUTHRES_SERVICE_EXCHANGE:
		printf("senders: an answer counts when it has a single From address and Exchange Online's "
		       "Authentication-Results header confirms its domain (DMARC, or SPF/DKIM aligned with it)%s\n",
		       cfg->imap.authserv_id ? " (authserv_id = exchange-online)" : " (by [imap] url)");
		break;
	case AUTHRES_SERVICE_ID:
		printf("senders: an answer counts when it has a single From address and the topmost "
		       "Authentication-Results header from '%s' confirms its domain (DMARC, or SPF/DKIM aligned with "
		       "it)%s\n", id, cfg->imap.authserv_id ? "" : " (Google, by [imap] url)");
		break;
	}
	for (size_t i = 0; i < cfg->imap.n_trusted_relays; i++)
		printf("senders: mail from %s speaks for the person its Reply-To names (trusted_relays)\n",
		       cfg->imap.trusted_relays[i]);
}

/* A password or token file that others can read is a config problem; check says so before anything is sent. */
static void check_password_file(const struct server_config *sc, const char *section, const char *config_path,
				struct diag *d)
{
	struct err err = { "" };
	char *password;

	if (!sc->present || !sc->user || !(sc->auth == CONFIG_AUTH_PASSWORD ? sc->password_file : sc->token_file))
		return;
	if (!(password = config_secret(sc, NULL, &err))) {
		diag_add(d, config_path, 0, "[%s] %s", section, err.msg);
		return;
	}
	explicit_bzero(password, strlen(password));
	free(password);
}

int cmd_check(int argc, char **argv, struct ctx *ctx)
{
	struct diag d;
	int online = 0, rc, rc_group = 0;
	size_t members = 0, secretaries = 0, guests = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--online") == 0) {
			online = 1;
		} else {
			fprintf(stderr, "tovholder check: unknown argument '%s'\n", argv[i]);
			return EX_USAGE;
		}
	}
	diag_init(&d);
	rc = ctx_load_config(ctx, &d);
	if (rc == 0) {
		struct err err = { "" };
		struct compose *c = compose_new(&ctx->cfg, &err);

		size_t before = d.n;
		check_password_file(&ctx->cfg.smtp, "smtp", ctx->config_path, &d);
		check_password_file(&ctx->cfg.imap, "imap", ctx->config_path, &d);
		if (d.n > before)
			rc = EX_CONFIG;
		rc_group = ctx_load_group(ctx, &d);
		for (size_t i = 0; !rc_group && !ctx->cfg.graph.present && i < ctx->sched.n; i++)
			if (ctx->sched.meetings[i].teams) {
				diag_add(&d, ctx->cfg.schedule_path, ctx->sched.meetings[i].line, "meeting [%s] has place = "
					 "teams, whose link Microsoft Graph makes, but %s has no [graph] section: add one "
					 "(man 5 tovholder.conf), or give the link yourself with place = online and "
					 "online_url", ctx->sched.meetings[i].date, ctx->config_path);
				rc_group = EX_DATAERR;
			}
		if (!c)
			diag_add(&d, ctx->config_path, 0, "%s", err.msg);
		else if (compose_check(c, &d) < 0 && !rc_group)
			rc_group = EX_CONFIG;
		if (!c && !rc_group)
			rc_group = EX_CONFIG;
		compose_free(c);
		if (!rc)
			rc = rc_group;
	}
	diag_print(&d);
	if (d.n) {
		fprintf(stderr, "tovholder: %zu problem%s found\n", d.n, d.n == 1 ? "" : "s");
		diag_release(&d);
		return rc ? rc : EX_DATAERR;
	}
	diag_release(&d);
	for (size_t i = 0; i < ctx->roster.n; i++) {
		enum role r = ctx->roster.people[i].role;
		members += r == ROLE_MEMBER;
		secretaries += r == ROLE_SECRETARY;
		guests += r == ROLE_GUEST;
	}
	vis_printf("%s: ok — %zu meeting%s in %s; %zu member%s, %zu secretar%s, %zu guest%s in %s\n",
	       ctx->config_path, ctx->sched.n, ctx->sched.n == 1 ? "" : "s", ctx->cfg.schedule_path,
	       members, members == 1 ? "" : "s", secretaries, secretaries == 1 ? "y" : "ies", guests,
	       guests == 1 ? "" : "s", ctx->cfg.roster_path);
	print_sender_policy(&ctx->cfg);
	if (online) {
		int rs = check_smtp(&ctx->cfg), ri = check_imap(&ctx->cfg), rg = check_graph(&ctx->cfg);
		return rs ? rs : ri ? ri : rg;
	}
	return 0;
}
