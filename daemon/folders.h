/* Decisions by moving mail (issue 17, items 4 and 5): the tovholder moves a mail, in Outlook, into one of the
 * folders [imap] decline / accept / ignore / attendance name; the service records what that means and moves
 * the mail on to the processed folder, or back to review with the reason. Shared by `fetch` and the service. */
#ifndef TOVHOLDER_FOLDERS_H
#define TOVHOLDER_FOLDERS_H

#include <time.h>

#include "ctx.h"
#include "imap.h"

#define FOLDERS_MAX_REPORTS 4   /* .csv attachments read per mail in the attendance folder */
#define FOLDERS_PER_PASS 500    /* mails handled per folder and pass; the rest wait for the next pass */

struct folders_result {
	int answers;             /* answers recorded (Afbud, Tilsagn) */
	int ignored;             /* review items cleared without an answer (Ignorer) */
	int reports;             /* mails whose Teams reports were imported (Fremmøde) */
	int returned;            /* moved back to review, with the reason */
	enum imap_result stop;   /* IMAP_OK, or why the pass stopped early */
	char stop_reason[512];
	int state_error;
};

/* Creates the decision folders (and the processed and review folders) where missing, then reads every mail in
 * each decision folder, records it and moves it on. Order per mail, for crash safety: record (one
 * transaction) → move; a crash in between reads the same mail again and records the same thing. The selected
 * mailbox afterwards is one of the folders: the caller selects its inbox again. 'stop' (may be NULL) is asked
 * between mails. -1 on a state error (logged), else 0 with the result in res. */
int folders_pass(struct ctx *ctx, struct imap *imap, time_t now, int (*stop)(void *arg), void *arg,
		 struct folders_result *res);

#endif
