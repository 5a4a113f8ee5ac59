/* tovholder.conf: the group, its files and its mail servers. Pure: config_parse_buf reads from memory. */
#ifndef TOVHOLDER_CONFIG_H
#define TOVHOLDER_CONFIG_H

#include <stddef.h>

#include "authres.h"
#include "err.h"

#define CONFIG_MAX_RELAYS 16

enum tls_mode { TLS_STARTTLS, TLS_IMPLICIT, TLS_NONE };
/* How tovholder logs in: with a password, or with an OAuth2 access token (SASL XOAUTH2 or OAUTHBEARER, RFC 7628)
 * for Microsoft 365 and Google. */
enum config_auth { CONFIG_AUTH_PASSWORD, CONFIG_AUTH_XOAUTH2, CONFIG_AUTH_OAUTHBEARER };

struct server_config {
	char *url;              /* smtp://host:587, smtps://host:465, imap://host:143, imaps://host:993 */
	enum tls_mode tls;
	char *user;
	char *password_file;    /* absolute path, or NULL */
	char *password_command; /* or NULL */
	char *ca_file;          /* absolute path, or NULL */
	/* [imap] only */
	char *mailbox;          /* default "INBOX" */
	char *processed;        /* default "Tovholder/Behandlet" */
	char *review;           /* default "Tovholder/Til gennemsyn" */
	/* the folders the tovholder decides in by moving a mail there (issue 17, items 4 and 5) */
	char *decline;          /* default "Tovholder/Afbud" */
	char *accept;           /* default "Tovholder/Tilsagn" */
	char *ignore;           /* default "Tovholder/Ignorer" */
	char *attendance;       /* default "Tovholder/Fremmøde": a Teams attendance report */
	long poll_interval;     /* [imap] seconds between checks when the server has no IDLE; default 60 */
	long retry_for;         /* [smtp] seconds a message is retried before it is marked failed; default 3d */
	int present;            /* the section was in the file */
	enum config_auth auth;  /* default CONFIG_AUTH_PASSWORD */
	char *token_file;       /* with auth = xoauth2/oauthbearer: absolute path, read at each login; or NULL */
	char *token_command;    /* or a command printing the token, run at each login; or NULL */
	/* [imap] only: whose word on the sender counts (README "How answers are read") */
	char *authserv_id;      /* lower-cased; "none", "exchange-online", a host name, or NULL: by url */
	char *trusted_relays[CONFIG_MAX_RELAYS]; /* lower-cased From addresses whose Reply-To names the person */
	size_t n_trusted_relays;
};

/* When the tovholder's status mail goes out before each meeting. */
enum config_status_mail { CONFIG_STATUS_OFF, CONFIG_STATUS_LAST, CONFIG_STATUS_BEFORE };

#define CONFIG_MAX_WORKDAYS 10

struct config {
	char *path;             /* the config file as given */
	char *dir;              /* its directory: relative paths are resolved against it */
	char *group_name;
	char *organizer_name;
	char *organizer_email;  /* lower-cased */
	char *secretary;        /* "Name (Organisation)" as written */
	char *timezone;         /* default "Europe/Copenhagen" */
	char *schedule_path;    /* absolute or relative to the cwd, resolved against dir */
	char *roster_path;
	char *state_path;
	char *templates_dir;    /* NULL: the installed default */
	long reminders[8];      /* seconds before a meeting's start, largest first; default 7d, 1d */
	size_t n_reminders;
	/* the mails to the referent and the tovholder ([group] referat_mail, attendance_mail, status_mail) */
	int referat_mail_days;  /* the draft: working days (Mon-Fri) before the meeting's day; -1: off; default 1 */
	int referat_mail_min;   /* at this local time, minutes after midnight; default 08:00 */
	int attendance_mail;    /* the confirmed attendance after the meeting: 1 on (default), 0 off */
	int report_mail;        /* the answer to a Teams report moved into the Fremmøde folder: 1 on (default), 0 off */
	enum config_status_mail status_mail;  /* default CONFIG_STATUS_LAST */
	long status_mail_before;              /* CONFIG_STATUS_BEFORE: seconds before the start */
	struct server_config smtp;
	struct server_config imap;
	/* [graph], optional (present = 0 without it): url, token_file / token_command, ca_file; retry_for is
	 * attendance_for, how long after a meeting its attendance report is looked for (default 14d) */
	struct server_config graph;
};

#define CONFIG_MAX_REMINDERS 8

/* Seconds before a meeting's start that the status mail is due: with the last reminder (the day before when
 * there are no reminders), or status_mail_before; 0 when it is off. */
long config_status_offset(const struct config *cfg);

/* "7d", "12h", "90m", "30s" → seconds. 0 or -1. */
int config_duration(const char *s, long *ret);

/* Parses INI text; 'filename' names it in messages and its directory resolves relative paths. Every problem
 * (unknown section or key, missing key, bad value) goes into 'd' as "filename:line: message". 0 or -1; on -1
 * cfg is left empty (config_release is still safe). Section and key names match in any case. The one look
 * outside memory: 'timezone' must name a file below $TZDIR or /usr/share/zoneinfo. */
int config_parse_buf(struct config *cfg, const char *buf, size_t len, const char *filename, struct diag *d);
int config_load(struct config *cfg, const char *path, struct diag *d);
void config_release(struct config *cfg);

/* The server password: password_file (refused when readable by group or others) or the first line of
 * password_command's output. NULL with err set on failure; caller frees (and should wipe) the result. */
char *config_password(const struct server_config *sc, struct err *err);
/* What to log in with, per sc->auth: the password (config_password), or a current OAuth2 access token:
 * token_file's first line (read each time; refused when others may read or write it) or the first line that
 * token_command prints (run each time like password_command: no shell, 10 s). A token is visible ASCII only.
 * NULL with err set (never quoting the secret); then *ret_temporary (may be NULL) is 1 when trying later may
 * help: the command timed out or exited with 75 (EX_TEMPFAIL). Caller wipes (explicit_bzero) and frees. */
char *config_secret(const struct server_config *sc, int *ret_temporary, struct err *err);
/* Whose Authentication-Results header field counts: authserv_id when set, else Exchange Online or Google when
 * [imap] url names their server, else nobody's (From alone decides). *ret_authserv_id is the id for
 * AUTHRES_SERVICE_ID (else NULL); *ret_label names the policy for people: "Exchange Online", "Google",
 * "authserv_id" or "none". */
enum authres_service config_sender_trust(const struct server_config *imap, const char **ret_authserv_id,
					 const char **ret_label);
/* "password", "xoauth2", "oauthbearer": the config's words. */
const char *config_auth_name(enum config_auth auth);

/* The rules every input file of tovholder follows (tovholder.conf, schedule.ini, roster.csv): at most 1 MB,
 * lines of at most 4096 bytes, UTF-8 text. schedule.c and roster.c use these too. */
#define CONFIG_FILE_MAX (1024 * 1024)
#define CONFIG_LINE_MAX 4096

/* The INI dialect of tovholder.conf and schedule.ini: "[section]" lines, "key = value" lines, comments that
 * start a line with ';' or '#' or follow a blank (" ;", " #"), so a value can never hold " ;" or " #".
 * 'section' is called for each well-formed header; 'key' for each key inside a well-formed section, with
 * name and value trimmed (value may be ""). */
struct config_ini_ops {
	void (*section)(void *user, const char *name, int line);
	void (*key)(void *user, const char *name, const char *value, int line);
};

/* Walks INI text with libinih, counting lines itself. Line-level problems (too long, not UTF-8, a bad
 * header, no '=', a key before any section) go into 'd'; the callbacks report the rest. -1 when the walk
 * itself found a problem, else 0. */
int config_ini_parse(const char *buf, size_t len, const char *filename, struct diag *d,
		     const struct config_ini_ops *ops, void *user);
/* Where a comment starts in an INI line as config_ini_parse reads it (';' or '#' at the start or after a blank),
 * or NULL. */
const char *config_comment_start(const char *s);

/* What a handover may carry of a tovholder.conf key (handover_scrub_config): */
enum config_key_class {
	CONFIG_KEY_SECRET,  /* never: it leads to a password or token; also every key config.c does not know */
	CONFIG_KEY_PUBLIC,  /* as it is */
	CONFIG_KEY_URL,     /* without user:password@ */
	CONFIG_KEY_LOCAL,   /* never: a path of the old machine (state) */
};
/* The class of 'key' in [section], matched as the config reader matches them (any case). */
enum config_key_class config_key_class(const char *section, const char *key);

/* 1 when host is literally localhost, an address in 127.0.0.0/8 or ::1 (no name is looked up). */
int config_host_loopback(const char *host);
/* 1 when s[0..len) is well-formed UTF-8 (no overlong forms, no surrogates, no NUL byte). */
int config_utf8_valid(const char *s, size_t len);
/* The first control character in the UTF-8 text s[0..len) — C0 other than those in 'allowed', DEL, C1
 * (U+0080-U+009F) — as a code point, or -1 when there is none. No value we put into a mail header, a
 * calendar or a terminal may hold one. */
long config_find_control(const char *s, size_t len, const char *allowed);
/* 'value' cut to about 60 bytes (at a character boundary, "..." appended) for quoting in a message. */
const char *config_shorten(const char *value, char *out, size_t outsz);
/* The entry of names[0..n) at most two edits away from 'word' (ASCII case-insensitive), for "did you
 * mean" hints; NULL when none is that close. */
const char *config_suggest(const char *word, const char *const *names, size_t n);

#endif
