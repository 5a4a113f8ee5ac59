/* The reading mark: a mail that stopped the reader (a crash, or the watchdog after it ran too long) is never read
 * again. Before a mail is read its UID is written to a small file with an 'R'; after, the 'R' becomes a 'D'. A
 * reader that finds an 'R' for a mail it is about to read knows the last reader died on it. Shared by the inbox
 * (inbox.c) and the decision folders (folders.c), each with a file of its own. */
#ifndef TOVHOLDER_READMARK_H
#define TOVHOLDER_READMARK_H

#include <stdint.h>

#define READMARK_LEN 512   /* the record, padded: one pwrite sets it, one byte clears it */

/* Opens (creates, 0600) '<state_path><suffix>'. The fd, or -1 after a warning (a mail that crashes the reader
 * could then be read again). */
int readmark_open(const char *state_path, const char *suffix);
/* The UID the last reader died on in 'mailbox' under 'uidvalidity', when above 'above'; 0 for none. */
uint32_t readmark_dead(int fd, unsigned long uidvalidity, uint32_t above, const char *mailbox);
/* 'R' before reading uid (set), 'D' after (!set). The marks are plain writes without fsync: they survive the
 * death of the process, which is what they are for; a power cut may cost one more reading. fd -1: nothing. */
void readmark_mark(int fd, unsigned long uidvalidity, uint32_t uid, const char *mailbox, int set);

#endif
