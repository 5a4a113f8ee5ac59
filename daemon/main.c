/* tovholder: the command table (git.c style). main() only parses the global options and dispatches. */
#include "cmd.h"
#include "log.h"
#include "version.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#define DEFAULT_CONFIG TOVHOLDER_SYSCONFDIR "/tovholder.conf"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv, struct ctx *ctx);
	const char *usage;
	const char *summary;
	const char *help;
};

static const struct command commands[] = {
	{ "check", cmd_check, "check [--online]", "check the config, schedule, roster and templates",
	  "Reads everything tovholder needs and reports every problem at once, as file:line: message.\n"
	  "Says whose word on a sender counts ('senders:'): the mail service whose Authentication-Results\n"
	  "header is trusted ([imap] authserv_id, or Exchange Online / Google by [imap] url), or that From\n"
	  "alone decides and can be forged.\n"
	  "--online also connects and logs in to the SMTP and IMAP servers, and says how many of the newest\n"
	  "mails in the inbox carry that service's Authentication-Results header (and whose they carry).\n" },
	{ "plan", cmd_plan, "plan [--ahead]", "show what 'send' would do, without sending",
	  "Compares the schedule and roster with what was already sent and prints one line per action:\n"
	  "invitations, updates (with what changed), cancellations, people added or removed, and the\n"
	  "paperwork due now (the referat draft, the status mail, the final attendance lines, with whom\n"
	  "each goes to). Prints 'nothing to do' when every calendar is up to date. --ahead also lists\n"
	  "when each coming meeting's referat draft and status mail are due ('later:' lines).\n" },
	{ "send", cmd_send, "send", "send the invitations, updates and cancellations that 'plan' shows",
	  "Records each message before it is sent and marks it sent after the server accepted it, so an\n"
	  "interrupted run loses nothing: run 'send' again. Running it twice sends nothing new.\n"
	  "Also sends the reminders and the paperwork that are due: the referat draft to the referent\n"
	  "([group] referat_mail), the status mail to the tovholder (status_mail), and the final\n"
	  "attendance lines after 'fremmøde' (attendance_mail); each once.\n"
	  "Exit 75: a server could not be reached (the messages wait; try again later).\n"
	  "Exit 69: the server refused us or some recipients (see the messages above).\n" },
	{ "run", cmd_run, "run", "the service: send, read answers and remind, until stopped",
	  "Runs in the foreground (for systemd, Type=notify). Sends what the schedule and roster ask for at\n"
	  "start and whenever tovholder.conf, the schedule or the roster changes (or on SIGHUP; a changed file\n"
	  "with problems is refused and the running version kept), reads each answer within a second of its\n"
	  "arrival (IMAP IDLE; without IDLE every [imap] poll_interval), sends the reminders ([group]\n"
	  "reminders), mails the paperwork at its time (the referat draft, the status mail, and the final\n"
	  "attendance lines as soon as 'fremmøde' records them), looks into the folders the tovholder\n"
	  "decides in when mail lands there (IMAP NOTIFY; without NOTIFY every [imap] poll_interval), as\n"
	  "'fetch' does, retries what a server deferred, and\n"
	  "stops cleanly on SIGTERM. The other commands\n"
	  "work while it runs.\n" },
	{ "fetch", cmd_fetch, "fetch", "read the answers that arrived in the organizer's inbox",
	  "One pass over the inbox: calendar answers (Accept/Decline/Tentative from Outlook, Gmail, Apple,\n"
	  "Thunderbird, …) and Danish mails (\"Jeg må desværre melde afbud\") are recorded; automatic replies\n"
	  "are noted as autosvar, and a bounce of a mail we sent marks that address adresse afvist (a bounce\n"
	  "that names no mail of ours waits for review; a delay warning is only logged). Handled mail is\n"
	  "moved to the 'processed' folder, mail a person must look at to the 'review' folder; other mail\n"
	  "stays in the inbox, unread. Only a mail whose header fields say it can be ours is read further (a\n"
	  "thread of ours; an invitee or an address we mailed in From, Reply-To or Sender; a bounce; a\n"
	  "calendar or report as its own type; a meeting title of ours in the subject): a calendar hidden in\n"
	  "a stranger's mail is not ours. TOVHOLDER_READ_ALL=1 reads every mail's structure, for comparing.\n"
	  "First the folders the tovholder decides in by moving mail there in Outlook ([imap] decline,\n"
	  "accept, ignore, attendance; default Tovholder/Afbud, Tilsagn, Ignorer, Fremmøde; created where\n"
	  "missing): Afbud and Tilsagn record that answer (manuel) for the sender, who must be invited, for\n"
	  "the meeting the mail answers, else the date it names, else the next meeting; Ignorer records\n"
	  "nothing; Fremmøde imports the attached Teams report (.csv) as 'fremmøde DATE --teams' does and\n"
	  "answers the tovholder by mail. Each such mail's review item is cleared and the mail moved to\n"
	  "'processed', or back to 'review' with the reason.\n"
	  "An answer counts only from the person's own mail: one From address, confirmed by the organizer's\n"
	  "mail service where one is trusted (see 'check'). Reply-To alone, two From addresses, a failed DMARC\n"
	  "check and someone no longer invited go to review (\"afsenderen kunne ikke bekræftes\").\n"
	  "An answer counts at the time it was given, but never later than when the server received it. A\n"
	  "mail that stopped the reader (a crash, the watchdog) goes to review unread the next time. A request\n"
	  "to resend an invitation (REFRESH) is answered once a day per person and meeting.\n"
	  "Nothing is ever deleted. Running it again changes nothing.\n"
	  "Exit 75: the IMAP server could not be reached; try again later.\n" },
	{ "status", cmd_status, "status [DATE] [--mail]", "who has answered what (default: the next meeting)",
	  "Each invitee with their answer (tilsagn, afbud, tentativ, ikke svaret, autosvar, adresse afvist),\n"
	  "where it came from (kalender, mail, manuel) and when, the totals, the new times people proposed\n"
	  "(in the group's time, with their comment), and how many mails wait for review.\n"
	  "--mail: send it to the tovholder as the status mail now (HTML with a table, and plain text).\n" },
	{ "review", cmd_review, "review [--done ID|all]", "the mails that wait for your decision",
	  "Each mail tovholder could not decide, with sender, subject, date and the reason (in English; the\n"
	  "status mail gives it in Danish), and the new time it proposes, if it does. The mails are in\n"
	  "the IMAP folder 'review' ([imap] review). After deciding, record the answer with 'set' and clear\n"
	  "the item with --done ID (or --done all). A control character in the sender's text (an ESC, a line\n"
	  "break, a bidi override) or bytes that are not UTF-8 are shown as \\xNN, never passed to the terminal.\n" },
	{ "set", cmd_set, "set DATE EMAIL tilsagn|afbud|tentativ|ukendt [--stedfortræder NAME] [--note TEXT]",
	  "record an answer by hand (a phone call, a reviewed mail)",
	  "The manual answer wins over earlier automatic ones until a newer reply arrives. 'ukendt' clears\n"
	  "the answer. --stedfortræder names the colleague who comes instead (with afbud). It also clears an\n"
	  "'adresse afvist' noted for the address.\n" },
	{ "fremmøde", cmd_fremmoede,
	  "fremmøde DATE [--teams FILE]... [--teams-graph] [--til-stede EMAIL...] [--fraværende EMAIL...]",
	  "record who was at a meeting: the Teams attendance report, or by hand",
	  "After the meeting, --teams FILE reads the attendance report Teams offers for download (the .csv,\n"
	  "as it comes or saved again from Excel; several files for a meeting that was restarted), in any\n"
	  "layout Teams has used and any language: the table is found by what its columns hold (names,\n"
	  "addresses, join and leave times, durations). Someone with no leave time counts until the report's\n"
	  "or the meeting's end. People are matched by e-mail address, then by name (any case, with or\n"
	  "without æ/ø/å, \"Efternavn, Fornavn\").\n"
	  "It prints whom each row was matched to, the guests who are not on the list, and every row it\n"
	  "could not place: none is dropped. Importing a report again replaces the last one. A report of\n"
	  "another day is refused unless --force.\n"
	  "--teams-graph fetches the reports from Microsoft Graph instead ([graph] in the config): the Teams\n"
	  "meeting behind the meeting's online_url, and its reports of that day (a restarted meeting has\n"
	  "several), read the same way. Exit 75 when there is no report yet (try again later).\n"
	  "--til-stede EMAIL... and --fraværende EMAIL... record by hand (a meeting in a room, or a\n"
	  "correction); what is set by hand wins over the report. Invitees not recorded as present count as\n"
	  "absent: with afbud on the Afbud line of the referat, without it as Fraværende.\n"
	  "Once recorded, the referent gets the final lines by mail ([group] attendance_mail): at once from\n"
	  "a running 'tovholder run', else with the next 'send'.\n"
	  "Without options: what is recorded. 'fremmoede' is the same command.\n" },
	{ "referat", cmd_referat, "referat DATE [--format txt|md|html|docx] [-o FILE] | referat DATE --mail",
	  "the attendance lines of the referat, or the whole draft",
	  "Prints the lines to paste at the top of the referat, in the usual form:\n"
	  "  Afbud: Bo Aagaard (Greve), Frederik Hald (Køge)\n"
	  "  Deltagere: Anne Mose Dahl (Faxe), Dennis Kragh og Lise Holm (Holbæk)\n"
	  "  Referat: Jesper Vang (Solrød)\n"
	  "  Ikke svaret: …\n"
	  "Deltagere are those who accepted; a substitute is written \"NAME (Org) for MEMBER\".\n"
	  "After the meeting, once 'fremmøde' has recorded who was there: Deltagere are those present (and\n"
	  "the guests of the Teams report), Afbud those who sent afbud and did not come, and Fraværende the\n"
	  "invitees who neither sent afbud nor came.\n"
	  "--format txt|md|html|docx: the whole draft instead, in the form of the network's minutes: the\n"
	  "heading \"REFERAT - GROUP den 5. marts 2027 kl. 10.00-13.00\", the place, the lines above with the\n"
	  "guests of an agenda item (schedule key guest_item) as \"Samt under punkt 2 NAME (Org)\", and the\n"
	  "agenda with room for the minutes (a table Dagsordenspunkt | Referat in html and docx). -o FILE\n"
	  "writes it there; without --format the name's ending (.txt, .md, .html, .docx) picks the format.\n"
	  "docx opens in Word and LibreOffice; html prints on A4.\n"
	  "--mail: mail the draft to the referent now (copy to the tovholder): the lines, the agenda and\n"
	  "the .docx; after the meeting, once 'fremmøde' has recorded who was there, the final lines.\n" },
	{ "fravær", cmd_fravaer,
	  "fravær [YEAR] [--sorter navn|organisation|fravær] [--csv [--organisationer]] [-o FILE]",
	  "absences per person and organisation over a year (default: this year)",
	  "For the meetings of YEAR that have taken place: per person and per organisation, the meetings\n"
	  "invited to, present, afbud, and absent without afbud. Present is the confirmed attendance where it\n"
	  "was recorded, else an accepted invitation (tilsagn); the output says which for each meeting, and\n"
	  "the column 'heraf tilsagn' counts the latter. An organisation counts once per meeting.\n"
	  "--sorter: by name (default), by organisation, or most absent first. --csv: the person table (with\n"
	  "--organisationer the organisation table) as CSV for Excel (UTF-8 with BOM, ';'). -o FILE: write\n"
	  "there instead of the terminal. 'fravaer' is the same command.\n" },
	{ "rapport", cmd_rapport, "rapport YEAR [-o DIR]", "the numbers behind the annual report, as HTML and CSV",
	  "Writes rapport-YEAR.html to DIR (default: the current directory): the meetings held with date,\n"
	  "place and number of participants (guests included), how many meetings each of the group's\n"
	  "municipalities took part in (a bar chart; those that never came with 0), and the meetings\n"
	  "planned for the next year. One self-contained page that opens offline and prints on A4. Beside\n"
	  "it the same numbers as CSV for Excel: rapport-YEAR-moeder.csv, -kommuner.csv,\n"
	  "-organisationer.csv and -planlagte-moeder.csv. Prints the paths written.\n" },
	{ "overdrag", cmd_overdrag, "overdrag -o FILE [--til NAME] [--brev FILE]",
	  "hand the group over to a new tovholder: one file to mail, and a letter",
	  "Writes FILE, one text file to mail to the new tovholder: the schedule, the roster as the updated\n"
	  "deltagerliste (addresses that bounced marked in the column 'bemærkning'), the record (every\n"
	  "meeting's UID and SEQUENCE, who was invited, answers, automatic replies, bounces, reminders sent)\n"
	  "and this config without passwords, tokens or the state path. Mails waiting for review stay here.\n"
	  "Beside it the letter (FILE with .txt, or --brev FILE), in Danish: the planned meetings, who has not\n"
	  "answered, bounced addresses, open review items and the new tovholder's steps. --til NAME greets\n"
	  "the new tovholder by name. The file carries a SHA-256: a changed or broken file is refused.\n" },
	{ "modtag", cmd_modtag, "modtag FILE [--force]", "take over a group from a handover file",
	  "On the new tovholder's machine, after writing tovholder.conf (your name and address as organizer,\n"
	  "your mail servers): writes the schedule and the roster where the config names them and the record\n"
	  "into the state. The next 'send' then updates every future meeting (same calendar entry, you as\n"
	  "organizer) instead of inviting anew. Refuses to replace a state that holds a record, or schedule\n"
	  "and roster files that differ from the handed-over ones, unless --force (exit 73); refuses a\n"
	  "damaged file or one of another format version (exit 65).\n"
	  "Data only, never actions: a message to send (or the text of one), a table or column that is no\n"
	  "part of a group's record, an address the roster would refuse or text with control characters\n"
	  "refuses the whole file (exit 65, naming the line). The file is checked in full first: a refused\n"
	  "file leaves no schedule, roster or state behind.\n" },
};

static const size_t n_commands = sizeof(commands) / sizeof(commands[0]);

static void usage(FILE *f)
{
	fprintf(f, "usage: tovholder [-c FILE] [-v] COMMAND [ARGS]\n\n"
		   "Sends the calendar invitations of a network group's meetings, collects the answers and\n"
		   "drafts the attendance lines of the minutes.\n\ncommands:\n");
	for (size_t i = 0; i < n_commands; i++) {
		/* pad by characters, not bytes: "fravær" is 6 wide */
		int extra = 0;

		for (const char *p = commands[i].name; *p; p++)
			extra += ((unsigned char)*p & 0xC0) == 0x80;
		fprintf(f, "  %-*s %s\n", 10 + extra, commands[i].name, commands[i].summary);
	}
	fprintf(f, "  %-10s %s\n\n", "help", "this text; 'tovholder COMMAND --help' for one command");
	fprintf(f, "options:\n"
		   "  -c FILE    the config (default: $TOVHOLDER_CONFIG, else %s)\n"
		   "  -v         also print debug lines\n"
		   "  --version  print the version\n\n"
		   "See tovholder(1) and tovholder.conf(5).\n", DEFAULT_CONFIG);
}

/* ASCII spellings of the Danish command names, for a keyboard or a terminal without æ/ø/å. */
static const struct {
	const char *alias, *name;
} aliases[] = {
	{ "fravaer", "fravær" },
	{ "fremmoede", "fremmøde" },
};

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(aliases[i].alias, name) == 0)
			name = aliases[i].name;
	for (size_t i = 0; i < n_commands; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* When the default config does not exist yet (a fresh install): the five steps to a running group. They are
 * the numbered lines of README.Debian, word for word (t5950 compares them), with this build's paths. */
static void setup_steps(const char *config)
{
	static const char readme[] = TOVHOLDER_DOCDIR "/README.Debian";
	struct stat st;

	if (strcmp(config, DEFAULT_CONFIG) != 0 || stat(config, &st) == 0 || errno != ENOENT)
		return;
	fprintf(stderr, "\ntovholder: %s does not exist yet. From install to a running group, as root:\n"
		"  1. Copy the examples: mkdir -p %s && cp %s/* %s/\n"
		"  2. Fill in tovholder.conf (with state = /var/lib/tovholder/state.db), schedule.ini and roster.csv\n"
		"  3. Put the mailbox password in %s/secret, readable by the service only: "
		"cd %s && chown tovholder: secret && chmod 600 secret\n"
		"  4. Check it all as the service's user: runuser -u tovholder -- tovholder check --online\n"
		"  5. Start the service: systemctl enable --now tovholder\n",
		config, TOVHOLDER_SYSCONFDIR, TOVHOLDER_EXAMPLESDIR, TOVHOLDER_SYSCONFDIR, TOVHOLDER_SYSCONFDIR,
		TOVHOLDER_SYSCONFDIR);
	if (access(readme, R_OK) == 0)
		fprintf(stderr, "%s explains each step.\n", readme);
	else
		fprintf(stderr, "RUNNING AS A SERVICE in tovholder(1) explains each step.\n");
}

static void command_help(const struct command *c)
{
	printf("usage: tovholder [-c FILE] %s\n\n%s.\n\n%s", c->usage, c->summary, c->help);
}

int cmd_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	const char *config = getenv("TOVHOLDER_CONFIG");
	const struct command *c;
	struct ctx ctx;
	int verbose = 0, i, rc;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			config = argv[++i];
		} else if (strcmp(argv[i], "-v") == 0) {
			verbose = 1;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("tovholder %s\n", TOVHOLDER_VERSION);
			return 0;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "tovholder: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (i == argc) {
		usage(stderr);
		setup_steps(config && *config ? config : DEFAULT_CONFIG);
		return EX_USAGE;
	}
	if (strcmp(argv[i], "help") == 0) {
		if (i + 1 < argc && (c = find(argv[i + 1]))) {
			command_help(c);
			return 0;
		}
		usage(stdout);
		return 0;
	}
	if (!(c = find(argv[i]))) {
		fprintf(stderr, "tovholder: unknown command '%s' (see 'tovholder help')\n", argv[i]);
		return EX_USAGE;
	}
	if (cmd_wants_help(argc - i, argv + i)) {
		command_help(c);
		return 0;
	}
	log_init(verbose);
	ctx_init(&ctx, config && *config ? config : DEFAULT_CONFIG, verbose);
	rc = c->fn(argc - i, argv + i, &ctx);
	if (rc == EX_CONFIG)
		setup_steps(ctx.config_path);
	ctx_release(&ctx);
	return rc;
}
