/* tovholder.conf: the group, its files and its mail servers. Pure: config_parse_buf reads from memory. */
#ifndef TOVHOLDER_CONFIG_H
#define TOVHOLDER_CONFIG_H

#include "err.h"

enum tls_mode { TLS_STARTTLS, TLS_IMPLICIT, TLS_NONE };

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
	int present;            /* the section was in the file */
};

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
	struct server_config smtp;
	struct server_config imap;
};

/* Parses INI text; 'filename' names it in messages and its directory resolves relative paths. Every problem
 * (unknown section or key, missing key, bad value) goes into 'd' as "filename:line: message". 0 or -1. */
int config_parse_buf(struct config *cfg, const char *buf, size_t len, const char *filename, struct diag *d);
int config_load(struct config *cfg, const char *path, struct diag *d);
void config_release(struct config *cfg);

/* The server password: password_file (refused when readable by group or others) or the first line of
 * password_command's output. NULL with err set on failure; caller frees (and should wipe) the result. */
char *config_password(const struct server_config *sc, struct err *err);

#endif
