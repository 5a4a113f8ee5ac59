/* Composing the mails we send: template text + iCalendar object + MIME message, for one recipient. No network. */
#ifndef TOVHOLDER_COMPOSE_H
#define TOVHOLDER_COMPOSE_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "err.h"
#include "plan.h"
#include "store.h"
#include "tmpl.h"

struct compose;

/* Finds the templates: the config's `templates = DIR`, else $TOVHOLDER_TEMPLATES, else the installed
 * default, else templates/ beside the binary's source tree. 'cfg' is borrowed for the object's life. */
struct compose *compose_new(const struct config *cfg, struct err *err);
void compose_free(struct compose *c);
const char *compose_templates_dir(const struct compose *c);

/* The whole RFC 5322 message to one invitee about one meeting ('mt' is the meeting as it is being sent).
 * 'changes_da' feed the opdatering template. The Message-ID is made here (returned in ret_message_id). */
char *compose_meeting_mail(struct compose *c, const struct store_meeting *mt, const struct store_invitation *who,
			   enum plan_msg msg, char *const *changes_da, size_t n_changes, time_t now,
			   char **ret_message_id, size_t *ret_len, struct err *err);

/* A reminder (templates paamindelse, or praktisk for the last one) to one invitee: text and HTML, no calendar
 * part. The Message-ID is made here. */
char *compose_reminder_mail(struct compose *c, const struct store_meeting *mt, const struct store_invitation *who,
			    int practical, time_t now, char **ret_message_id, size_t *ret_len, struct err *err);

#define COMPOSE_DOCX_TYPE "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

/* A mail about a meeting to the referent or the tovholder (the paperwork: templates referat, fremmoede,
 * status). All borrowed. */
struct compose_paper {
	const char *template;          /* "referat", "fremmoede", "status" */
	const struct store_meeting *mt;
	const char *to_name, *to_email;
	const char *cc_name, *cc_email; /* a Cc: header, or cc_email NULL */
	const char *attachment;         /* a file to attach (the .docx), or NULL */
	size_t attachment_len;
	const char *attachment_name;
};

/* The whole message from templates/NAME.txt and .html: the meeting's variables, navn = the recipient, and what
 * the caller set in v (the lines, the tables; v is changed). The Message-ID is made here. NULL with err on a
 * template or message problem. */
char *compose_paper_mail(struct compose *c, const struct compose_paper *p, struct tmpl_vars *v, time_t now,
			 char **ret_message_id, size_t *ret_len, struct err *err);

/* Renders every template with sample values; each problem goes into d ("file:line: message"). 0 or -1. */
int compose_check(struct compose *c, struct diag *d);

#endif
