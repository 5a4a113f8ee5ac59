/* The reading mark (readmark.h). The record: "R|D uidvalidity uid mailbox", padded with spaces. */
#include "readmark.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int readmark_open(const char *state_path, const char *suffix)
{
	char *path = xasprintf("%s%s", state_path, suffix);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		log_warn("cannot open '%s': %s (a mail that crashes the reader could be read again)", path,
			 strerror(errno));
	free(path);
	return fd;
}

uint32_t readmark_dead(int fd, unsigned long uidvalidity, uint32_t above, const char *mailbox)
{
	char rec[READMARK_LEN + 1];
	unsigned long validity = 0, uid = 0;
	char state = 0;
	int n, at = 0;
	ssize_t got;

	if (fd < 0 || (got = pread(fd, rec, READMARK_LEN, 0)) <= 0)
		return 0;
	rec[got] = '\0';
	n = sscanf(rec, "%c %lu %lu %n", &state, &validity, &uid, &at);
	if (n < 3 || state != 'R' || !at || validity != uidvalidity || uid <= above || uid > UINT32_MAX)
		return 0;
	for (int e = (int)strlen(rec); e > at && (rec[e - 1] == ' ' || rec[e - 1] == '\n');)
		rec[--e] = '\0';
	return strcmp(rec + at, mailbox) == 0 ? (uint32_t)uid : 0;
}

void readmark_mark(int fd, unsigned long uidvalidity, uint32_t uid, const char *mailbox, int set)
{
	char rec[READMARK_LEN];
	int n;

	if (fd < 0)
		return;
	if (!set) {
		if (pwrite(fd, "D", 1, 0) != 1)
			log_warn("cannot clear the reading mark: %s", strerror(errno));
		return;
	}
	n = snprintf(rec, sizeof(rec), "R %lu %u %s", uidvalidity, uid, mailbox);
	if (n < 0 || n >= (int)sizeof(rec))
		n = snprintf(rec, sizeof(rec), "R 0 0 -");   /* a mailbox name over 490 bytes: no mark */
	memset(rec + n, ' ', sizeof(rec) - (size_t)n);
	rec[sizeof(rec) - 1] = '\n';
	if (pwrite(fd, rec, sizeof(rec), 0) != (ssize_t)sizeof(rec))
		log_warn("cannot write the reading mark: %s", strerror(errno));
}
