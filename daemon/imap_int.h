/* Internal to the imap*.c files (module imap, split along its concerns); nothing else includes it. The session
 * (struct imap) and the helpers the files share. libetpan stays behind these files: imap.h does not need it. */
#ifndef TOVHOLDER_IMAP_INT_H
#define TOVHOLDER_IMAP_INT_H

#include "imap.h"

#include <libetpan/libetpan.h>

#include <signal.h>

#define MAX_LEVELS   16   /* levels of a folder name */
#define MAX_KNOWN    32   /* folders remembered as existing */

struct imap {
	mailimap *s;             /* NULL when not connected */
	char *host;              /* without brackets */
	uint16_t port;
	int implicit;            /* TLS from the first byte */
	int starttls;
	char *user;
	char *password;          /* or, with OAuth2, the access token */
	char *ca_file;
	const char *mech;        /* static, NULL before a login */
	enum config_auth auth;
	char *token_file;        /* OAuth2: where a new token comes from */
	char *token_command;
	char *caps;
	int selected;
	char *selected_wire;     /* the wire name of the selected mailbox, when selected */
	/* the personal namespace, learnt at the first folder name that needs it */
	int hier_known;
	char sep;                /* hierarchy separator, 0 for a flat server */
	char *ns_prefix;         /* e.g. "INBOX." on Courier and Cyrus; "" on Dovecot */
	char *known[MAX_KNOWN];  /* wire names of folders seen to exist */
	size_t n_known;
	int notify_utf8;         /* the server takes NOTIFY's mailbox names in UTF-8 (Dovecot 2.3) */
	/* the next batch's header FETCH, sent before the current batch is decided (see "fetching") */
	enum { AHEAD_NONE, AHEAD_SENT, AHEAD_READ } ahead;
	clist *ahead_result;     /* AHEAD_READ: its FETCH responses */
	uint32_t ahead_first, ahead_last;   /* its UIDs, for the debug log */
	enum imap_result ahead_res;  /* AHEAD_READ: how it ended; ahead_err says why when not IMAP_OK */
	struct err ahead_err;
};

/* A folder name as it goes on the wire, with where each level ends (for creating parents). */
struct folder {
	char *wire;
	size_t n_levels;
	size_t level_end[MAX_LEVELS];
};

/* libetpan writes with send() and gnutls_record_send() without MSG_NOSIGNAL: a server hanging up would kill
 * the process. Like libcurl, ignore SIGPIPE while we talk and give the caller's handler back after. */
struct pipe_guard {
	struct sigaction old;
	int saved;
};

/* defined in imap.c */
/* libetpan constructors return NULL only when malloc fails: same policy as xmalloc. */
void *imap_need(void *p);
/* Ignores SIGPIPE until imap_pipe_restore gives the caller's handler back: around every exchange with the
 * server, and restored before any callback. */
void imap_pipe_ignore(struct pipe_guard *g);
void imap_pipe_restore(struct pipe_guard *g);
/* Closes the connection at once, without LOGOUT (used after errors, when the stream may be dead or the
 * server untrusted). */
void imap_drop(struct imap *im);
/* The text of the server's last tagged reply, made safe for an error message. */
void imap_server_text(const struct imap *im, char *out, size_t outsz);
/* RFC 5530 codes for failures that pass: try later rather than give up. */
int imap_temporary_code(const struct imap *im);
/* Maps a libetpan error for command 'what' to what the caller should do; drops the connection whenever it
 * cannot be trusted to be in step any more. */
enum imap_result imap_fail(struct imap *im, int r, const char *what, struct err *err);
/* Every command starts here: the next batch's FETCH, if one was sent ahead, is read first (imap_ahead_settle). */
enum imap_result imap_not_ready(struct imap *im, int need_selected, struct err *err);
/* 1 when the server named capability 'name' (0 when not connected). */
int imap_has_cap(const struct imap *im, const char *name);
/* Writes s then CRLF, for the commands libetpan has no call for. -1 when the stream fails. */
int imap_send_line(struct imap *im, const char *s);
/* The same, unseen by libetpan's logger (mailstream_set_privacy). */
int imap_send_private(struct imap *im, const char *s);
/* How the answer to a command we sent ourselves ended, as libetpan's own calls say it: MAILIMAP_NO_ERROR for a
 * tagged OK, MAILIMAP_ERROR_FATAL for BYE, else 'refused' (a tagged NO or BAD). */
int imap_response_end(const struct mailimap_response *resp, int refused);

/* defined in imap_auth.c */
/* LOGIN with the password, or for auth = xoauth2 / oauthbearer AUTHENTICATE with the access token (a new one
 * asked for once when refused). After the greeting and STARTTLS; a refused login drops the connection. */
enum imap_result imap_login(struct imap *im, struct err *err);

/* defined in imap_folders.c */
/* The personal namespace (RFC 2342) or, without NAMESPACE, the separator from LIST "" "" (RFC 3501 6.3.8). */
enum imap_result imap_learn_hierarchy(struct imap *im, struct err *err);
/* 'name' as written in the config (UTF-8, '/' between levels) → its wire name: personal namespace prefix,
 * the server's separator, each level in modified UTF-7. -1 with err on a name the server cannot hold. */
int imap_folder_name(const struct imap *im, const char *name, struct folder *f, struct err *err);
/* The same, each level in modified UTF-7 when 'utf7', else left in UTF-8. */
int imap_folder_name_as(const struct imap *im, const char *name, int utf7, struct folder *f, struct err *err);

/* defined in imap_fetch.c (the FETCH sent ahead: see "the batches of a walk" there) */
/* qsort / bsearch order of uint32_t (UIDs). */
int imap_cmp_u32(const void *a, const void *b);
/* The UIDs (sorted, unique) as a sequence set of ranges. */
struct mailimap_set *imap_uid_set(const uint32_t *uids, size_t n);
/* "1:5,7,9": the UIDs (sorted, unique) as the text of a sequence set, for the commands libetpan cannot send
 * (UID EXPUNGE) or that we send ourselves (the FETCH sent ahead). */
char *imap_uid_set_text(const uint32_t *uids, size_t n);
/* Forgets the FETCH sent ahead and any answer kept from it (after a walk, and when the connection drops). */
void imap_ahead_forget(struct imap *im);
/* Before any other command: the answer to the FETCH sent ahead is read and kept. IMAP_UNREACHABLE when reading
 * it lost the connection (err says so). */
enum imap_result imap_ahead_settle(struct imap *im, struct err *err);

#endif
