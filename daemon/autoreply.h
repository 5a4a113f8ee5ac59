/* Automatic replies (out of office, vacation, auto-responders): every marker tovholder knows, in one table in
 * autoreply.c with where each comes from. Pure: reads the headers only. */
#ifndef TOVHOLDER_AUTOREPLY_H
#define TOVHOLDER_AUTOREPLY_H

#include "inmail.h"

/* 1 when a marker of the table says a machine answered: Auto-Submitted other than "no", Precedence
 * auto_reply/bulk/junk/list, X-Autoreply, X-Autorespond, X-Apple-Action: VACATION, X-Auto-Response-Suppress
 * together with X-MS-Exchange-Inbox-Rules-Loop, and last a localized out-of-office subject prefix.
 * *ret_why (may be NULL) gets a static English reason naming the marker. NB: Google's calendar replies say
 * Auto-Submitted: auto-generated, so look for a calendar part first; bounces are machine-sent too, so ask
 * bounce_shape first. */
int autoreply_detect(const struct inmail *m, const char **ret_why);

/* The header fields autoreply_detect reads (NULL-terminated): what the IMAP header fetch must ask for. */
extern const char *const autoreply_header_fields[];

#endif
