/* Reading the organizer's inbox over IMAP with libetpan: only what the reply logic needs (new UIDs, a few
 * header fields and BODYSTRUCTURE, then single parts), and moving handled mail to a folder. Nothing is ever
 * deleted. Module imap is imap.c (connection, certificate check, SELECT), imap_auth.c, imap_folders.c,
 * imap_fetch.c and imap_idle.c, sharing the private imap_int.h: the ONLY files that include libetpan (and imap.c the
 * only IMAP user of GnuTLS, for certificate checks). */
#ifndef TOVHOLDER_IMAP_H
#define TOVHOLDER_IMAP_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "inmail.h"

#define IMAP_TIMEOUT     60          /* seconds for the TCP connect, the TLS handshake and each command */
#define IMAP_BATCH       500         /* UIDs per UID FETCH in imap_fetch_new */
#define IMAP_HEADER_MAX  (64 * 1024) /* octets of header fields fetched per message (a partial FETCH) */
#define IMAP_AHEAD_PARTS 4           /* parts a plan callback may name per message */
#define IMAP_AHEAD_BYTES (8u << 20)  /* octets of parts fetched ahead per batch, at most */

struct imap;

/* UNREACHABLE: connect failed, timed out or the connection was lost: try again later (the connection is closed;
 * imap_connect may be called again). REFUSED: bad certificate, login refused, mailbox missing, a protocol error,
 * a part too large: retrying will not help until the config or the mail changes. */
enum imap_result { IMAP_OK, IMAP_UNREACHABLE, IMAP_REFUSED };

/* 'sc' and 'password' are copied. With sc->auth = xoauth2 / oauthbearer 'password' is the access token
 * (config_secret). No I/O yet. NULL on a bad url (or no user), with the reason in 'err'. */
struct imap *imap_new(const struct server_config *sc, const char *password, struct err *err);
/* LOGOUT when connected, then frees. NULL is a no-op. */
void imap_free(struct imap *im);

/* Connects (imaps:// or tls = implicit: TLS from the start; imap:// with tls = starttls: STARTTLS, refused when
 * the server does not offer it; tls = none: plain), verifies the server certificate against the system trust
 * store plus sc->ca_file and the host name of the url BEFORE the password is sent, and logs in with LOGIN, or
 * with AUTHENTICATE XOAUTH2 / OAUTHBEARER (RFC 7628) for auth = xoauth2 / oauthbearer: when the server refuses
 * the token, a new one is asked of sc->token_file / token_command and the login tried once more.
 * A second call drops any earlier connection first. Every imap_ call ignores SIGPIPE while it talks to the
 * server and restores the caller's handler before it returns or calls back (a server that hangs up must not
 * kill the process). */
enum imap_result imap_connect(struct imap *im, struct err *err);

/* SELECT (read-write; a read-only mailbox is refused). Creates nothing. 'mailbox' is UTF-8 with '/' between
 * levels (as in the config). *ret_uidnext is 0 when the server did not say. When that mailbox is selected
 * already, a NOOP instead (the server takes in new mail, the mailbox is not reopened), and *ret_uidnext is 0. */
enum imap_result imap_select(struct imap *im, const char *mailbox, uint32_t *ret_uidvalidity,
			     uint32_t *ret_uidnext, struct err *err);

/* Creates each of names[0..n) (UTF-8, '/' between levels) and its parents, subscribed, when missing, as
 * imap_move does; nothing for one that exists. When they share a parent (Tovholder/…), one LIST learns which
 * exist. */
enum imap_result imap_ensure_folders(struct imap *im, const char *const *names, size_t n, struct err *err);

/* How many messages the selected mailbox held when it was selected (EXISTS), or 0 when none is selected. */
uint32_t imap_selected_exists(const struct imap *im);

struct imap_msg {
	uint32_t uid;
	size_t size;          /* RFC822.SIZE */
	time_t received;      /* INTERNALDATE (when the server received it), UTC; 0 if the server gave none */
	struct inmail mail;   /* root.headers from the header fields fetched; the part tree (types, parameters,
	                         dispositions, encodings, sizes) from BODYSTRUCTURE when 'structure'; no bodies yet */
	int structure;        /* 1 when BODYSTRUCTURE was asked for (and mail has the part tree); 0: headers only */
	int got_structure;    /* imap_fetch.c's own: the server sent it */
	/* imap_fetch_new_planned: what plan returned for this message and the parts it named (all of them, also
	 * those too large to fetch ahead), and a number plan may leave for cb, so cb need not work it out again */
	int planned;          /* 1 when plan was called (0 for imap_fetch_new) */
	int n_plan;
	const struct inmail_part *plan_parts[IMAP_AHEAD_PARTS];
	long long plan_note;
};

/* Every message of the selected mailbox with UID > after_uid, in ascending UID order: UID SEARCH for the
 * UIDs, then UID FETCH of UID, RFC822.SIZE, INTERNALDATE, BODYSTRUCTURE and BODY.PEEK[HEADER.FIELDS (fields)] (at most
 * IMAP_HEADER_MAX octets) in batches of IMAP_BATCH, so memory stays bounded per batch. 'fields' is
 * NULL-terminated (IMAP atoms: a name with a space, parenthesis, quote or the like is refused); NULL fetches the
 * whole header. cb is called once per message; 'msg' is released when it returns, and cb may call
 * imap_fetch_part and imap_move on the same connection. A non-zero return stops the walk (IMAP_OK is returned).
 * The next batch's FETCH is sent before cb sees this batch's messages, so the server works while cb does; any
 * command cb sends first reads that answer (it is kept for the walk). */
enum imap_result imap_fetch_new(struct imap *im, uint32_t after_uid, const char *const *fields,
				int (*cb)(struct imap_msg *msg, void *arg), void *arg, struct err *err);

/* The same, headers first, and with parts fetched ahead:
 * - want (NULL: every message) is given each message's uid, size, received and header fields, without the part
 *   tree, and says whether its structure is needed (non-zero): only those messages get a second UID FETCH, of
 *   BODYSTRUCTURE, and plan. Asking for a structure makes the server read and MIME-parse the whole message;
 *   headers come from its cache. want must not talk to the server; it may set msg->plan_note.
 * - plan (may be NULL), for the messages with their structure, names up to IMAP_AHEAD_PARTS parts that cb will
 *   want; they are fetched for the whole batch in one UID FETCH per section (at most IMAP_AHEAD_BYTES per batch),
 *   so cb's imap_fetch_part finds them there. plan returns how many it wrote to ret_parts (0 or less: none), kept
 *   in msg->n_plan and msg->plan_parts for cb; it may set msg->plan_note and must not touch anything else of msg,
 *   nor talk to the server.
 * - cb is then called for EVERY message of the batch in UID order; msg->structure says which have their part tree.
 */
enum imap_result imap_fetch_new_planned(struct imap *im, uint32_t after_uid, const char *const *fields,
					int (*want)(struct imap_msg *msg, void *arg),
					int (*plan)(struct imap_msg *msg, void *arg,
						    const struct inmail_part **ret_parts),
					int (*cb)(struct imap_msg *msg, void *arg), void *arg, struct err *err);

/* BODY.PEEK[section] of one part of msg (a non-multipart message root is fetched as its body, "1" or "S.1"; a
 * message/rfc822 part as the header of the message it encloses, "S.HEADER"),
 * stored in the part with inmail_part_set_body; a part that already has its body (fetched ahead) is left. Parts larger than INMAIL_MAX_SIZE are refused, by their
 * BODYSTRUCTURE size and again by what arrives (a partial FETCH, so a lying server cannot send more). */
enum imap_result imap_fetch_part(struct imap *im, struct imap_msg *msg, struct inmail_part *p, struct err *err);

/* Moves one message of the selected mailbox to 'folder' (UTF-8, '/' between levels), creating the folder and
 * its parents (with the server's hierarchy separator and personal namespace prefix) and subscribing them when
 * missing: UID MOVE (RFC 6851) when the server has MOVE; else UID COPY + UID STORE +FLAGS (\Deleted) + UID
 * EXPUNGE of that UID only (UIDPLUS, RFC 4315); without UIDPLUS: UID COPY and set \Seen, leaving the original
 * (a plain EXPUNGE could remove someone else's deleted mail). */
enum imap_result imap_move(struct imap *im, uint32_t uid, const char *folder, struct err *err);
/* The same for n messages (any order, duplicates ignored) in one command: a Maildir server rescans the
 * mailbox after each MOVE, so moving a batch at once costs about what moving one does. */
enum imap_result imap_move_uids(struct imap *im, const uint32_t *uids, size_t n, const char *folder,
				struct err *err);

/* IMAP IDLE (RFC 2177), for the service. imap_has_idle: the server offers it (after login). imap_idle_start
 * sends IDLE on the selected mailbox; then the caller polls imap_fd() (and first checks imap_idle_pending(),
 * for a notification that arrived with the continuation), asks imap_idle_news() when the socket is readable,
 * and calls imap_idle_done before any other command: it sends DONE and reads the end of the IDLE. Server
 * notifications in between are dropped: the caller reads the mailbox afresh anyway. */
int imap_has_idle(const struct imap *im);
enum imap_result imap_idle_start(struct imap *im, struct err *err);
/* 1 when what the server sent so far holds a complete line that imap_idle_news (or imap_notify_news) has not
 * yet judged. */
int imap_idle_pending(const struct imap *im);
/* Reads what the server sent (once from the socket when 'readable' — poll said so —, else only what is
 * already in the stream buffer) and judges each complete line: 1
 * when one is news (EXISTS, EXPUNGE, FETCH, RECENT, BYE, a tagged reply, anything not understood) or the
 * connection closed, so the caller ends the IDLE and looks; 0 when every complete line was a keepalive such as
 * Dovecot's "* OK Still here" — those are dropped from the buffer, an incomplete line waits for the rest. */
int imap_idle_news(struct imap *im, int readable);
/* The rule imap_idle_news applies to one line (without its CRLF); 1 for news. Pure, for the tests. */
int imap_idle_line_is_news(const char *line, size_t len);
enum imap_result imap_idle_done(struct imap *im, struct err *err);
/* The connection's socket, or -1 when not connected. */
int imap_fd(const struct imap *im);

/* NOTIFY (RFC 5465), for a connection of the service's own that only watches the decision folders.
 * imap_has_notify: the server offers it (after login). imap_notify_set sends NOTIFY SET STATUS for 'folders'
 * (UTF-8, '/' between levels, as in the config; they must exist), events MessageNew and MessageExpunge, once per
 * session: Dovecot 2.3 tells nothing after a second one, and tells of a selected mailbox only at the next
 * command, so the connection runs no other command afterwards. Dovecot 2.3 also takes the names in UTF-8 rather
 * than modified UTF-7: when the answer leaves a name beyond ASCII out, it logs in again and asks with UTF-8
 * names. *ret_waiting is how many of the folders hold mail now, by the server's answer. REFUSED when the server
 * has no NOTIFY or refuses the command: the caller looks at the folders on a timer instead. */
int imap_has_notify(const struct imap *im);
enum imap_result imap_notify_set(struct imap *im, const char *const *folders, size_t n, int *ret_waiting,
				 struct err *err);
/* As imap_idle_news, for the notifications after imap_notify_set: 1 when a line is news (mail in a watched
 * mailbox, a response code such as NOTIFICATIONOVERFLOW, BYE, a tagged reply, anything not understood) or the
 * connection closed; 0 when every complete line said no mail is there (an expunge, a STATUS of MESSAGES 0, a
 * plain "* OK"). Every complete line is dropped, news too; a closed connection is dropped (imap_fd is then -1).
 * imap_idle_pending tells whether a line waits in the buffer. */
int imap_notify_news(struct imap *im, int readable);
/* The rule imap_notify_news applies to one line (without its CRLF); 1 for news. Pure, for the tests. */
int imap_notify_line_is_news(const char *line, size_t len);

/* For `check --online`: the login mechanism used ("LOGIN", "XOAUTH2", "OAUTHBEARER", or "PREAUTH" when the
 * server logged us in at once), NULL before a login; the server's capabilities after login, space-separated
 * ("" before). */
const char *imap_login_mechanism(const struct imap *im);
const char *imap_capabilities(const struct imap *im);

/* imap://host[:port], imaps://host[:port], "[v6]" literal hosts, an optional trailing '/'. The host (without
 * brackets) is the caller's to free; the port defaults to 143 / 993; *ret_implicit is 1 for imaps://. */
int imap_parse_url(const char *url, char **ret_host, uint16_t *ret_port, int *ret_implicit, struct err *err);
/* A mailbox name from UTF-8 to IMAP's modified UTF-7 (RFC 3501 5.1.3). NULL when 'utf8' is not valid UTF-8.
 * Caller frees. */
char *imap_utf7_encode(const char *utf8);

#endif
