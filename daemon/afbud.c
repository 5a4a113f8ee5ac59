/* Free-text replies to an invitation in Danish: quote cutting and afbud/acceptance classification. No I/O.
 *
 * How the classifier works: the text is lower-cased (Danish letters too) into a copy with the same byte
 * offsets, split into word tokens grouped in clauses (',' ';' ':' " - ") and sentences ('.', '!', '?', blank
 * lines). Phrase patterns (table 'patterns') are matched inside one clause; every match is then checked
 * against its surroundings (negation, hedges, question, condition, someone else's name) before it counts.
 * The counts are combined in decide(): only one clear kind of wording gives an answer. */
#include "afbud.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"

/* Word sets, '|'-separated, joined at compile time into the patterns below. A trailing '*' is a prefix. */
#define NEG     "ikke|ik|ikk|ej|aldrig|ingen"
#define WD      "mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag"
#define MONTHS  "januar|februar|marts|april|maj|juni|juli|august|september|oktober|november|december"
#define MON_ABBR "jan|feb|mar|apr|jun|jul|aug|sep|sept|okt|nov|dec"
#define HEDGES  "måske|muligvis|formentlig|formodentlig|sandsynligvis|forhåbentlig|nok|evt|eventuelt"
#define CTX     "mødet|møderne|netværksmødet|netværksmøderne|dag|dagen|datoen|tidspunktet|der|dér|desværre|" \
		"derfor|samtidig|samme|" WD
#define COND    "hvis|såfremt|medmindre|forudsat|ifald"
/* Verb-first sentences without '?' are questions or conditions: "Skal jeg melde afbud", "Kan jeg ikke …". */
#define VFIRST  "skal|kan|må|bør|vil|skulle|kunne|burde|ville|behøver|er|har|deltager|kommer"
#define PRON    "jeg|du|vi|man"
/* A '.' after these does not end a sentence ("d. 7. marts", "kl. 10", "Mvh. Jens"). */
#define ABBR    "d|kl|ca|bl|mvh|vh|evt|pga|jf|inkl|ift|mht|dvs|fx|nr|pkt|tlf|hhv|vedr|ang|mv|osv|st|ex|" \
		"tir|tirs|ons|tor|tors|fre|lør|søn|" MON_ABBR
/* Capitalised words that are not names: sentence openers, pronouns, greetings, calendar words. */
#define NOTNAME "jeg|du|han|hun|vi|i|de|den|det|der|dem|min|mit|mine|vores|hendes|deres|men|så|og|eller|" \
		"derfor|desværre|beklageligvis|heldigvis|hermed|hej|kære|tak|mvh|hilsen|venlig|venlige|også|" \
		"ellers|alligevel|gerne|ja|nej|kan|må|skal|vil|er|har|kommer|deltager|afbud|teams|skype|zoom|" \
		"mødet|møde|netværksmødet|selvfølgelig|naturligvis|desuden|nu|her|da|når|hvis|fordi|idet|god|" \
		"godt|fint|super|ok|okay|hi|dear|ps|kollega|leder|chef|" WD "|" MONTHS "|" MON_ABBR
#define ROLES   "kollega|kollegaen|kollegaer|kolleger|leder|chef|souschef|stedfortræder|afløser|konsulent|" \
		"medarbejder|sekretær|vikar|makker"
#define SUBVERB "deltager|deltage|kommer|komme|møder|gør|tager|overtager"
#define CAPWORD_MAX 4                /* a substitute's name has 1-4 words */
#define NAME_MAX 100

enum cat { C_DECLINE, C_WEAK, C_ACCEPT, C_TENTATIVE, C_PARTIAL, C_N };

#define P_BUT 1    /* "regner med at deltage, men …": a "men" later in the sentence makes it tentative */
#define P_WISH 2   /* "vil gerne deltage, men …": a "men" later in the sentence makes it a polite wish */

/* Pattern language, one element per space-separated word:
 *   a|b|c  one token from the set ('#' a number, '$' the clause end, "x*" a prefix)
 *   ?a|b   an optional token        !a|b  the next token is not one of these (zero width)
 *   _N     0..N tokens that are not negations        ^  the clause or line starts here */
static const struct pattern {
	enum cat cat;
	unsigned flags;
	const char *pat;
} patterns[] = {
	/* afbud */
	{ C_DECLINE, 0, "melde|melder|meldte|meldt _3 afbud" },   /* not "meld": an instruction */
	{ C_DECLINE, 0, "sende|sender|sendte|sendt _2 afbud" },
	{ C_DECLINE, 0, "give|giver|gav|givet _2 afbud" },
	{ C_DECLINE, 0, "afbud fra|for mig|min|os" },
	{ C_DECLINE, 0, "hermed|mit afbud" },
	{ C_DECLINE, 0, "^ afbud $|til|fra|herfra|d|den|på|for|i|" WD "|#" },
	{ C_DECLINE, 0, "melde|melder|meldte|meldt _2 fra" },
	{ C_DECLINE, 0, "kan _2 " NEG " deltage|deltag*|komme|nå|møde" },
	{ C_DECLINE, 0, "kan _2 " NEG " være med|der|dér|til|tilstede|på" },
	{ C_DECLINE, 0, "kan _2 " NEG " $|denne|alligevel|dér|der|" WD "|#" },
	{ C_DECLINE, 0, "kan _2 " NEG " på|til " WD "|d|den|#|mødet|møderne|netværksmødet|dagen|datoen|tidspunktet" },
	{ C_DECLINE, 0, "kan _2 " NEG " i dag|morgen|overmorgen" },
	{ C_DECLINE, 0, "kan _2 " NEG " den|d #|dag|dagen|dato|datoen|" WD },
	{ C_DECLINE, 0, "kan _2 " NEG " lade sig gøre" },
	{ C_DECLINE, 0, NEG " _1 deltage|deltager|komme|kommer|deltagelse" },
	{ C_DECLINE, 0, NEG " _1 være med|tilstede|der|dér" },
	{ C_DECLINE, 0, NEG " _1 være til stede" },
	{ C_DECLINE, 0, "deltager _1 " NEG " !fysisk|personligt|selv" },
	{ C_DECLINE, 0, "deltager|kommer jeg _1 " NEG },
	{ C_DECLINE, 0, "jeg|vi kommer _1 " NEG },
	{ C_DECLINE, 0, "^ kommer _1 " NEG },
	{ C_DECLINE, 0, "er|bliver|blev|blevet _2 forhindret" },
	{ C_DECLINE, 0, "har|havde _2 " NEG " mulighed|muligheden for|til" },
	{ C_DECLINE, 0, "må|skal|bliver|nødt _3 sige|takke nej" },
	{ C_DECLINE, 0, "siger|takker _1 nej" },
	{ C_DECLINE, 0, "jeg|vi når _1 " NEG },
	{ C_DECLINE, 0, "når det _1 " NEG " $" },
	{ C_DECLINE, 0, "når jeg _1 " NEG " $|at|det|frem" },
	{ C_DECLINE, 0, "er|bliver|blevet|blev _2 syg|syge|sygemeldt|sløj|indlagt" },
	{ C_DECLINE, 0, "ligger _1 syg" },
	{ C_DECLINE, 0, "er _2 dobbeltbooket|dobbelt-booket|overbooket" },
	{ C_DECLINE, 0, "må|skal _2 aflyse|annullere" },
	{ C_DECLINE, 0, "gå|går glip _1 af" },
	{ C_DECLINE, 0, "jeg|vi er _1 " NEG " med !på|i" },
	{ C_DECLINE, 0, "jeg|vi er der _1 " NEG },
	{ C_DECLINE, 0, "men|og|dog " NEG " d|den|#|på|" WD },   /* "deltager d. 7/3 men ikke d. 2/5" */
	/* absence that is an afbud only with a meeting reference in the same sentence ("den dag", a date) */
	{ C_WEAK, 0, "er|bliver _2 ferie|kursus|bortrejst|udlandet|orlov|barsel|optaget|rejse|tjenesterejse|"
		     "konference|seminar|studietur" },
	{ C_WEAK, 0, "holder|har|tager _2 ferie|fri|afspadsering|fridag|orlov|ferie*" },
	{ C_WEAK, 0, "andet|andre|anden møde|møder|aftale|aftaler|arrangement|forpligtelse|mødeaftale|kursus" },
	{ C_WEAK, 0, "har _2 sammenfald|kollision|overlap|konflikt" },
	{ C_WEAK, 0, "er _2 booket" },
	/* acceptance */
	{ C_ACCEPT, 0, "jeg|vi deltager !til|kun|fra|først|senere" },
	{ C_ACCEPT, 0, "^ deltager !du|man|vi|han|hun|de|kun|til|fra|først|senere|" NEG },
	{ C_ACCEPT, 0, "deltager|deltage _2 gerne|selvfølgelig|naturligvis|selvsagt" },
	{ C_ACCEPT, P_WISH, "vil|ville _2 gerne deltage|komme|være" },
	{ C_ACCEPT, 0, "jeg|vi kommer !til|tilbage|ind|fra|først|senere|for|hjem|ud|igen|op|over|med" },
	{ C_ACCEPT, 0, "jeg|vi kommer til mødet|møderne|netværksmødet|" WD },
	{ C_ACCEPT, 0, "kommer _1 gerne|selvfølgelig|naturligvis" },
	{ C_ACCEPT, 0, "kommer _1 til at deltage|være" },
	{ C_ACCEPT, 0, "men deltager|kommer" },   /* "forhindret d. 7/3, men deltager d. 12/9" */
	{ C_ACCEPT, 0, "glæder _1 mig til at deltage|komme|være" },
	{ C_ACCEPT, 0, "jeg|vi er med !på|i|til|fra|kun|først|senere" },
	{ C_ACCEPT, 0, "^ er med !på|i|til|fra|kun|først|senere|" NEG },
	{ C_ACCEPT, 0, "er med på|via mødet|teams|skærm|linjen|online|" WD },
	{ C_ACCEPT, 0, "ses ?på|til|i " WD "|d|den|#|mødet|netværksmødet|teams|morgen|online|der|dér" },
	{ C_ACCEPT, 0, "kan _1 godt|fint|sagtens deltage|komme|være" },
	{ C_ACCEPT, 0, "jeg|vi kan _1 deltage|komme" },
	{ C_ACCEPT, P_BUT, "regner med at deltage|komme|være" },
	{ C_ACCEPT, P_BUT, "forventer at deltage|komme|være" },
	{ C_ACCEPT, 0, "tilmelder _1 mig|os" },
	{ C_ACCEPT, 0, "er _1 tilmeldt" },
	{ C_ACCEPT, 0, "bekræfter _3 deltagelse|fremmøde|tilmelding|deltager|deltage|kommer" },
	{ C_ACCEPT, 0, "skal nok _1 komme|deltage|være" },
	{ C_ACCEPT, 0, "jeg|vi er der $|gerne|selvfølgelig|kl|d|den|#|" WD },
	{ C_ACCEPT, 0, "deltager|deltage|kommer|være|med _1 online|virtuelt|digitalt|virtuel" },
	{ C_ACCEPT, 0, "deltager|deltage|med|være _1 via|på teams|skype|zoom|skærm" },
	{ C_ACCEPT, 0, "deltager|deltage|kommer _1 med glæde" },
	/* maybe */
	{ C_TENTATIVE, 0, "deltager|deltage|kommer|komme|med _1 måske|muligvis|formentlig|sandsynligvis" },
	{ C_TENTATIVE, 0, "måske|muligvis|formentlig|sandsynligvis _2 deltage|deltager|komme|kommer|med|være" },
	{ C_TENTATIVE, 0, "er|bliver _2 " NEG " sikker|sikkert|afklaret|afklarede|bekræftet" },
	{ C_TENTATIVE, 0, "er _2 usikker|usikkert|uafklaret|tvivl|tvivlsom" },
	{ C_TENTATIVE, 0, "ved _2 " NEG " $|om|hvordan|hvorvidt|endnu" },
	{ C_TENTATIVE, 0, "kan _2 " NEG " love|garantere|sige|bekræfte" },
	{ C_TENTATIVE, 0, "forsøger|prøver|forsøge|prøve|forsøg at _1 deltage|komme|nå|være" },
	{ C_TENTATIVE, 0, "håber _2 deltage|komme|nå|kunne" },
	{ C_TENTATIVE, 0, "foreløbig|foreløbigt _1 tilmelding|ja|tilsagn|accept" },
	/* partial attendance: always for a human */
	{ C_PARTIAL, 0, "må|skal|nødt _3 gå|smutte|forlade|videre !glip" },
	{ C_PARTIAL, 0, "går|smutter|smutte|gå _2 tidligere|tidligt|før|kl|klokken" },
	{ C_PARTIAL, 0, "kommer|komme|deltager|deltage|støder|støde _2 senere|forsinket|sent|først" },
	{ C_PARTIAL, 0, "bliver|er _1 forsinket|forsinkede" },
	{ C_PARTIAL, 0, "kan _2 først|kun" },
	{ C_PARTIAL, 0, "kun _1 deltage|deltager|komme|kommer|med|være|første|sidste|til|fra|under|punkt|pkt|"
			"den|i|en|et|halvdelen|delvist" },
	{ C_PARTIAL, 0, "deltager|deltage|kommer|komme|med|være _1 kun|delvist|delvis" },
	{ C_PARTIAL, 0, "deltager|deltage|kommer|komme|med|være _2 til|fra|indtil|efter kl|klokken|#" },
	{ C_PARTIAL, 0, "kommer|komme _1 kl|klokken" },
	{ C_PARTIAL, 0, NEG " _3 hele" },
	{ C_PARTIAL, 0, "første|sidste del|time|halvdel|halvdelen|times|timer|halve|punkt|punkter" },
	{ C_PARTIAL, 0, "del|dele|halvdelen|halvdel af mødet|tiden" },
	{ C_PARTIAL, 0, "midt _1 i|på mødet" },
};

/* ---- bytes and words ---- */

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* ASCII letters and every non-ASCII byte left after lower_copy (æ, ø, å, é, …). */
static int is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static int is_word(unsigned char c)
{
	return is_alpha(c) || is_digit(c);
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Lower-cases ASCII and the Latin-1 capitals (Æ Ø Å É …: U+00C0-U+00DE except ×), which ASCII tolower
 * leaves alone, and turns Unicode spaces, dashes, quotes and "…" into ASCII of the same byte length: offsets
 * into the copy are offsets into the original, where names keep their capitals. */
static char *lower_copy(const char *src, size_t n)
{
	const unsigned char *u = (const unsigned char *)src;
	unsigned char *o = xmalloc(n + 1);
	size_t i = 0;

	while (i < n) {
		unsigned char c = u[i];

		if (c == 0xC3 && i + 1 < n && u[i + 1] >= 0x80 && u[i + 1] <= 0x9E && u[i + 1] != 0x97) {
			o[i] = c;
			o[i + 1] = (unsigned char)(u[i + 1] + 0x20);
			i += 2;
		} else if (c == 0xC2 && i + 1 < n && (u[i + 1] == 0xA0 || u[i + 1] == 0xAB || u[i + 1] == 0xBB)) {
			memcpy(o + i, "  ", 2);   /* no-break space, « » */
			i += 2;
		} else if (c == 0xE2 && i + 2 < n && u[i + 1] == 0x80) {
			/* U+2000-U+203F: spaces, dashes, quotes, bullets, the ellipsis */
			memcpy(o + i, u[i + 2] == 0x93 || u[i + 2] == 0x94 ? " - " : u[i + 2] == 0xA6 ? "..." : "   ", 3);
			i += 3;
		} else if (c == 0xEF && i + 2 < n && u[i + 1] == 0xBB && u[i + 2] == 0xBF) {
			memcpy(o + i, "   ", 3);  /* byte order mark */
			i += 3;
		} else {
			o[i++] = (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
		}
	}
	o[n] = '\0';
	return (char *)o;
}

char *afbud_lower(const char *s)
{
	return lower_copy(s, strlen(s));
}

/* A capital first letter in the original: A-Z or a Latin-1 capital (Æ Ø Å …). */
static int is_capital(const unsigned char *u, size_t avail)
{
	if (avail >= 1 && u[0] >= 'A' && u[0] <= 'Z')
		return 1;
	return avail >= 2 && u[0] == 0xC3 && u[1] >= 0x80 && u[1] <= 0x9E && u[1] != 0x97;
}

static int is_number(const char *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_digit((unsigned char)w[i]))
			return 0;
	return n > 0;
}

static int alt_match(const char *a, size_t an, const char *w, size_t wn)
{
	if (an == 1 && a[0] == '#')
		return is_number(w, wn);
	if (an > 1 && a[an - 1] == '*')
		return wn >= an - 1 && memcmp(a, w, an - 1) == 0;
	return an == wn && memcmp(a, w, an) == 0;
}

/* Is the word w one of the '|'-separated alternatives in set[0..setlen)? */
static int set_has(const char *set, size_t setlen, const char *w, size_t wn)
{
	const char *p = set, *end = set + setlen;

	while (p < end) {
		const char *bar = memchr(p, '|', (size_t)(end - p));
		const char *e = bar ? bar : end;

		if (alt_match(p, (size_t)(e - p), w, wn))
			return 1;
		p = e + 1;
	}
	return 0;
}

static int sset_has(const char *set, const char *w, size_t wn)
{
	return set_has(set, strlen(set), w, wn);
}

/* ---- newest text ---- */

struct line {
	const char *p;
	size_t n;   /* without the line end */
};

/* The line at pos; returns where the next one starts. */
static size_t line_at(const char *text, size_t len, size_t pos, struct line *l)
{
	const char *nl = memchr(text + pos, '\n', len - pos);
	size_t end = nl ? (size_t)(nl - text) : len;

	l->p = text + pos;
	l->n = end - pos;
	if (l->n && l->p[l->n - 1] == '\r')
		l->n--;
	return nl ? end + 1 : len;
}

static void line_trim(struct line *l)
{
	while (l->n && is_space((unsigned char)l->p[0])) {
		l->p++;
		l->n--;
	}
	while (l->n && is_space((unsigned char)l->p[l->n - 1]))
		l->n--;
}

static int starts_ci(const char *p, size_t n, const char *prefix)
{
	size_t k = strlen(prefix), i;

	if (n < k)
		return 0;
	for (i = 0; i < k; i++) {
		unsigned char c = (unsigned char)p[i];

		if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != (unsigned char)prefix[i])
			return 0;
	}
	return 1;
}

static int contains_ci(const char *p, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if (starts_ci(p + i, n - i, needle))
			return 1;
	return 0;
}

static int has_digit(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (is_digit((unsigned char)p[i]))
			return 1;
	return 0;
}

/* "-----Oprindelig meddelelse-----", "---------- Forwarded message ---------" and the like. */
static int is_separator(struct line l)
{
	static const char *const names[] = {
		"oprindelig meddelelse", "original message", "videresendt meddelelse", "forwarded message",
		"videresendt besked", "oprindelig besked", "original meddelelse",
	};
	size_t i, dashes = 0;

	line_trim(&l);
	while (l.n && (l.p[0] == '-' || l.p[0] == '_' || l.p[0] == ' ')) {
		dashes += l.p[0] != ' ';
		l.p++;
		l.n--;
	}
	while (l.n && (l.p[l.n - 1] == '-' || l.p[l.n - 1] == '_' || l.p[l.n - 1] == ' '))
		l.n--;
	if (dashes < 2)
		return 0;
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (l.n == strlen(names[i]) && starts_ci(l.p, l.n, names[i]))
			return 1;
	return 0;
}

static int is_mobile_signature(struct line l)
{
	static const char *const starts[] = {
		"sendt fra min ", "sent from my ", "hent outlook til", "få outlook til", "get outlook for",
	};
	size_t i;

	line_trim(&l);
	if (l.n > 80)
		return 0;
	for (i = 0; i < sizeof starts / sizeof starts[0]; i++)
		if (starts_ci(l.p, l.n, starts[i]))
			return 1;
	return 0;
}

enum hdr { H_NONE, H_FROM, H_OTHER };

/* "Fra: …", "*Sendt:* …" (bold from an HTML part): which kind of quoted-header line this is. */
static enum hdr header_kind(struct line l)
{
	static const char *const from[] = { "fra", "from", "von" };
	static const char *const other[] = { "sendt", "sent", "dato", "date", "til", "to", "emne", "subject",
					     "cc", "gesendet", "an", "betreff" };
	size_t i, k = 0;
	char name[12];

	line_trim(&l);
	while (l.n && l.p[0] == '*') {
		l.p++;
		l.n--;
	}
	while (k < l.n && k < sizeof name - 1 && is_alpha((unsigned char)l.p[k]) && (unsigned char)l.p[k] < 0x80) {
		name[k] = (char)(l.p[k] >= 'A' && l.p[k] <= 'Z' ? l.p[k] + 32 : l.p[k]);
		k++;
	}
	name[k] = '\0';
	if (k < l.n && l.p[k] == '*')
		k++;
	if (k == 0 || k >= l.n || l.p[k] != ':')
		return H_NONE;
	for (i = 0; i < sizeof from / sizeof from[0]; i++)
		if (!strcmp(name, from[i]))
			return H_FROM;
	for (i = 0; i < sizeof other / sizeof other[0]; i++)
		if (!strcmp(name, other[i]))
			return H_OTHER;
	return H_NONE;
}

/* The first non-blank line from pos (at most 'skip' blank lines are passed over); 0 if none. */
static int next_nonblank(const char *text, size_t len, size_t pos, int skip, struct line *ret, size_t *ret_next)
{
	while (pos < len && skip-- >= 0) {
		struct line l;
		size_t next = line_at(text, len, pos, &l);
		struct line t = l;

		line_trim(&t);
		if (t.n) {
			*ret = t;
			if (ret_next)
				*ret_next = next;
			return 1;
		}
		pos = next;
	}
	return 0;
}

/* An Outlook header block: "Fra: …" followed by "Sendt:", "Dato:", "Til:", … on the next non-blank line. */
static int is_header_block(const char *text, size_t len, struct line l, size_t next)
{
	struct line n;

	return header_kind(l) == H_FROM && next_nonblank(text, len, next, 2, &n, NULL) && header_kind(n) == H_OTHER;
}

/* "Den fre. 5. mar. 2027 kl. 10.00 skrev Karin Lund <…>:" and "On …, … wrote:", possibly wrapped onto a
 * second line by the client. Returns the number of lines it takes (0: not one); *ret_dated when it has the
 * Den/On opening with a date, which is reliable enough to cut even without '>' lines after it. */
static int attribution_lines(const char *text, size_t len, struct line l, size_t next, int *ret_dated)
{
	struct line n;

	line_trim(&l);
	*ret_dated = (starts_ci(l.p, l.n, "den ") || starts_ci(l.p, l.n, "on ")) && has_digit(l.p, l.n) &&
		     (contains_ci(l.p, l.n, "skrev") || contains_ci(l.p, l.n, "wrote")) && l.n < 400;
	if (l.n && l.p[l.n - 1] == ':') {
		if (*ret_dated)
			return 1;
		return (l.n >= 6 && starts_ci(l.p + l.n - 6, 6, "skrev:")) ||
		       (l.n >= 6 && starts_ci(l.p + l.n - 6, 6, "wrote:"));
	}
	if (!*ret_dated || next >= len)
		return 0;
	line_at(text, len, next, &n);
	line_trim(&n);
	return n.n && n.n <= 100 && n.p[n.n - 1] == ':' ? 2 : 0;
}

static int is_quote(struct line l)
{
	line_trim(&l);
	return l.n && l.p[0] == '>';
}

static int is_decoration(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strchr("-_=*~ \t\r", p[i]))
			return 0;
	return 1;
}

/* Drops trailing blank lines and separator lines ("______" before Outlook's header block). */
static char *trim_result(struct buf *b)
{
	const char *s = b->data;
	size_t start = 0, end = b->len;
	char *ret;

	for (;;) {
		size_t ls;

		while (end > 0 && is_space((unsigned char)s[end - 1]))
			end--;
		ls = end;
		while (ls > 0 && s[ls - 1] != '\n')
			ls--;
		if (end == 0 || !is_decoration(s + ls, end - ls))
			break;
		end = ls;
	}
	while (start < end && is_space((unsigned char)s[start]))
		start++;
	ret = xstrndup(s + start, end - start);
	buf_release(b);
	return ret;
}

char *afbud_newest_text(const char *text)
{
	struct buf b;
	size_t len, pos = 0;

	buf_init(&b);
	b.cap = AFBUD_NEWEST_MAX;
	if (!text)
		return trim_result(&b);
	len = strlen(text);
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
		pos = 3;
	while (pos < len) {
		struct line l, q;
		size_t next = line_at(text, len, pos, &l), after;
		int dated, nattr;

		if (is_quote(l)) {
			pos = next;
			continue;
		}
		if ((l.n == 3 && !memcmp(l.p, "-- ", 3)) || (l.n == 2 && !memcmp(l.p, "--", 2)) ||
		    is_separator(l) || is_mobile_signature(l) || is_header_block(text, len, l, next))
			break;
		nattr = attribution_lines(text, len, l, next, &dated);
		if (nattr) {
			after = nattr == 2 ? line_at(text, len, next, &q) : next;
			/* quoted with '>' below: drop the attribution, keep any answer after the quote */
			if (next_nonblank(text, len, after, 3, &q, NULL) && q.p[0] == '>') {
				pos = after;
				continue;
			}
			if (dated)
				break;
		}
		if (buf_add(&b, l.p, l.n) < 0 || buf_addch(&b, '\n') < 0)
			break;
		pos = next;
	}
	return trim_result(&b);
}

/* ---- subjects ---- */

const char *afbud_strip_subject(const char *subject)
{
	static const char *const prefixes[] = { "sv", "vs", "re", "aw", "fw", "fwd", "wg" };
	const char *p = subject;

	if (!subject)
		return "";
	for (;;) {
		const char *q = p;
		size_t k = 0, i;
		int known = 0;

		while (*q == ' ' || *q == '\t')
			q++;
		while (k < 4 && ((q[k] >= 'a' && q[k] <= 'z') || (q[k] >= 'A' && q[k] <= 'Z')))
			k++;
		for (i = 0; i < sizeof prefixes / sizeof prefixes[0] && !known; i++)
			known = strlen(prefixes[i]) == k && starts_ci(q, k, prefixes[i]);
		if (!known)
			break;
		q += k;
		if (*q == '[' || *q == '(') {   /* "Re[2]:", "SV(3):" */
			char close = *q == '[' ? ']' : ')';
			const char *r = q + 1;

			while (is_digit((unsigned char)*r))
				r++;
			if (*r != close || r == q + 1)
				break;
			q = r + 1;
		}
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q != ':')
			break;
		p = q + 1;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

int afbud_is_autoreply_subject(const char *subject)
{
	static const char *const needles[] = {
		"automatisk svar", "automatisk besvarelse", "automatisk besked", "autosvar", "fraværsbesked",
		"fraværsmeddelelse", "out of office", "out-of-office", "automatic reply", "auto reply",
		"auto-reply", "autoreply", "auto response", "auto-response", "ikke på kontoret",
		"ikke til stede:", "abwesenheitsnotiz", "automatische antwort", "frånvaro", "autosvar",
	};
	char buf[AFBUD_SUBJECT_MAX + 1];
	char *low;
	size_t i, n = 0, len;
	int ret = 0;

	if (!subject)
		return 0;
	len = strnlen(subject, AFBUD_SUBJECT_MAX);
	low = lower_copy(subject, len);
	for (i = 0; i < len; i++) {   /* whitespace collapsed: "Out  of\tOffice" */
		char c = is_space((unsigned char)low[i]) ? ' ' : low[i];

		if (c != ' ' || (n > 0 && buf[n - 1] != ' '))
			buf[n++] = c;
	}
	buf[n] = '\0';
	for (i = 0; i < sizeof needles / sizeof needles[0] && !ret; i++)
		ret = strstr(buf, needles[i]) != NULL;
	free(low);
	return ret;
}

const char *afbud_answer_name(enum afbud_answer a)
{
	switch (a) {
	case AFBUD_DECLINE:
		return "decline";
	case AFBUD_ACCEPT:
		return "accept";
	case AFBUD_TENTATIVE:
		return "tentative";
	case AFBUD_UNCLEAR:
		break;
	}
	return "unclear";
}

/* ---- tokens, clauses, sentences ---- */

enum {
	T_NUM = 1, T_CAP = 2, T_LSTART = 4, T_CSTART = 8, T_HUSK = 16, T_CTX = 32, T_USED = 64, T_NEG = 128,
};

struct tok {
	size_t off, len;
	unsigned flags;
	size_t cstart, cend;   /* the token's clause: [cstart, cend) */
	size_t sent;
};

struct sent {
	size_t first, end;
	int question;          /* ended by '?' */
	int vfirst;            /* "Skal jeg …", "Kan jeg ikke …": a question or a condition without '?' */
	int cond;              /* "hvis", "medmindre", … */
	int has_date;
	size_t n_ctx;          /* words that tie an absence to the meeting ("den dag", "mødet", "desværre") */
	size_t last_men;       /* index + 1 of the last "men" */
};

struct doc {
	const char *orig;
	char *low;
	size_t len;
	struct tok *t;
	size_t nt;
	struct sent *s;
	size_t ns;
	size_t t_cap, s_cap;
};

static const char *tw(const struct doc *d, size_t k)
{
	return d->low + d->t[k].off;
}

static int tok_in(const struct doc *d, size_t k, const char *set, size_t setlen)
{
	return set_has(set, setlen, tw(d, k), d->t[k].len);
}

static int tok_ins(const struct doc *d, size_t k, const char *set)
{
	return sset_has(set, tw(d, k), d->t[k].len);
}

/* Web and mail addresses are skipped whole: their dots, slashes and '?' are no punctuation. */
static int skip_chunk(const char *p, size_t n, size_t i, size_t *ret_end)
{
	size_t e = i;

	if (i > 0 && !is_space((unsigned char)p[i - 1]))
		return 0;
	while (e < n && !is_space((unsigned char)p[e]))
		e++;
	if (!(memchr(p + i, '@', e - i) || (e - i >= 4 && !memcmp(p + i, "www.", 4)) ||
	      (e - i >= 3 && memmem(p + i, e - i, "://", 3))))
		return 0;
	*ret_end = e;
	return 1;
}

struct tstate {
	int new_sent, new_clause, line_start;
};

static size_t add_token(struct doc *d, size_t i, struct tstate *st)
{
	const unsigned char *p = (const unsigned char *)d->low;
	size_t j = i;
	struct tok *t;

	while (j < d->len && (is_word(p[j]) || ((p[j] == '-' || p[j] == '\'') && j > i && is_alpha(p[j - 1]) &&
						j + 1 < d->len && is_alpha(p[j + 1]))))
		j++;
	if (st->new_sent || d->ns == 0) {
		if (d->ns == d->s_cap)
			d->s = xrealloc(d->s, (d->s_cap = d->s_cap ? 2 * d->s_cap : 16) * sizeof *d->s);
		memset(&d->s[d->ns], 0, sizeof d->s[d->ns]);
		d->s[d->ns++].first = d->nt;
		st->new_clause = 1;
	}
	if (d->nt == d->t_cap)
		d->t = xrealloc(d->t, (d->t_cap = d->t_cap ? 2 * d->t_cap : 64) * sizeof *d->t);
	t = &d->t[d->nt++];
	memset(t, 0, sizeof *t);
	t->off = i;
	t->len = j - i;
	t->sent = d->ns - 1;
	t->flags = (is_number(d->low + i, j - i) ? T_NUM : 0) |
		   (is_capital((const unsigned char *)d->orig + i, d->len - i) ? T_CAP : 0) |
		   (st->line_start ? T_LSTART : 0) | (st->new_clause ? T_CSTART : 0);
	st->new_sent = st->new_clause = st->line_start = 0;
	return j;
}

/* A '.' ends a sentence unless it closes a number, an initial or an abbreviation, or sits inside a word. */
static int dot_ends_sentence(const struct doc *d, size_t i)
{
	const struct tok *t;

	if (i + 1 < d->len && is_word((unsigned char)d->low[i + 1]))
		return 0;
	if (d->nt == 0)
		return 1;
	t = &d->t[d->nt - 1];
	if (t->off + t->len != i)
		return 1;
	return !((t->flags & T_NUM) || t->len == 1 || tok_ins(d, d->nt - 1, ABBR));
}

static int blank_line_follows(const char *p, size_t n, size_t i)
{
	for (i++; i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'); i++)
		;
	return i >= n || p[i] == '\n';
}

static void tokenize(struct doc *d)
{
	const char *p = d->low;
	struct tstate st = { 1, 1, 1 };
	size_t i = 0, n = d->len;

	while (i < n) {
		unsigned char c = (unsigned char)p[i];

		if (skip_chunk(p, n, i, &i))
			continue;
		if (is_word(c)) {
			i = add_token(d, i, &st);
			continue;
		}
		if (c == '\n') {
			st.line_start = 1;
			if (blank_line_follows(p, n, i))
				st.new_sent = 1;
		} else if (c == '.') {
			st.new_sent |= dot_ends_sentence(d, i);
		} else if (c == '!') {
			st.new_sent = 1;
		} else if (c == '?') {
			if (d->nt)
				d->s[d->t[d->nt - 1].sent].question = 1;
			st.new_sent = 1;
		} else if (c == ',' || c == ':') {
			/* "10,5" and "10:30" are numbers, not clause ends */
			if (!(i > 0 && i + 1 < n && is_digit((unsigned char)p[i - 1]) && is_digit((unsigned char)p[i + 1])))
				st.new_clause = 1;
		} else if (strchr(";()[]\"", c)) {
			st.new_clause = 1;
		} else if (c == '-' && i > 0 && p[i - 1] == ' ' && i + 1 < n && is_space((unsigned char)p[i + 1])) {
			st.new_clause = 1;
		}
		i++;
	}
}

/* Clause bounds, sentence ends and the per-sentence facts the match checks need, in linear passes. */
static void finish(struct doc *d)
{
	size_t i, cend = d->nt, cstart = 0;

	for (i = d->nt; i-- > 0;) {
		d->t[i].cend = cend;
		if (d->t[i].flags & T_CSTART)
			cend = i;
	}
	for (i = 0; i < d->ns; i++)
		d->s[i].end = i + 1 < d->ns ? d->s[i + 1].first : d->nt;
	for (i = 0; i < d->nt; i++) {
		struct tok *t = &d->t[i];
		struct sent *s = &d->s[t->sent];

		if (t->flags & T_CSTART)
			cstart = i;
		t->cstart = cstart;
		if (i > cstart && ((t[-1].flags & T_HUSK) || tok_ins(d, i - 1, "husk|huske|husker")))
			t->flags |= T_HUSK;   /* "husk at melde afbud": an instruction, not an answer */
		if (tok_ins(d, i, NEG))
			t->flags |= T_NEG;
		if (tok_ins(d, i, CTX)) {
			t->flags |= T_CTX;
			s->n_ctx++;
		}
		if (tok_ins(d, i, COND))
			s->cond = 1;
		if (tok_ins(d, i, "men"))
			s->last_men = i + 1;
		if ((i == s->first || (t->flags & T_LSTART)) && i + 1 < s->end && tok_ins(d, i, VFIRST) &&
		    tok_ins(d, i + 1, PRON))
			s->vfirst = 1;
	}
}

static void doc_init(struct doc *d, const char *text, size_t len)
{
	d->orig = text;
	d->len = len;
	d->low = lower_copy(text, len);
	/* Grown as tokens come (add_token): a 8 KB text has at most 4 K tokens, but a real one about 1 K. */
	d->t = NULL;
	d->s = NULL;
	d->nt = d->ns = d->t_cap = d->s_cap = 0;
	tokenize(d);
	finish(d);
}

static void doc_release(struct doc *d)
{
	free(d->low);
	free(d->t);
	free(d->s);
}

/* ---- dates ---- */

static const struct {
	const char *name;
	int month;
} month_names[] = {
	{ "januar", 1 }, { "jan", 1 }, { "februar", 2 }, { "feb", 2 }, { "marts", 3 }, { "mar", 3 },
	{ "april", 4 }, { "apr", 4 }, { "maj", 5 }, { "juni", 6 }, { "jun", 6 }, { "juli", 7 }, { "jul", 7 },
	{ "august", 8 }, { "aug", 8 }, { "september", 9 }, { "sep", 9 }, { "sept", 9 }, { "oktober", 10 },
	{ "okt", 10 }, { "november", 11 }, { "nov", 11 }, { "december", 12 }, { "dec", 12 },
};

/* Digits at *j (at most 6 are read); returns the value of the first four and sets the count. */
static int read_num(const char *p, size_t n, size_t *j, size_t *ret_count)
{
	int v = 0;
	size_t c = 0;

	while (*j < n && is_digit((unsigned char)p[*j]) && c < 6) {
		if (c < 4)
			v = v * 10 + (p[*j] - '0');
		c++;
		(*j)++;
	}
	*ret_count = c;
	return v;
}

static int valid_date(int day, int month, int year)
{
	if (month < 1 || month > 12 || day < 1 || (year && (year < 1900 || year > 2199)))
		return 0;
	return day <= util_days_in_month(year ? year : 2024, month);
}

/* The word before position i, skipping spaces and dots ("kl. 10.30."): is it one that introduces a time? */
static int after_time_word(const char *p, size_t i)
{
	size_t e = i, b;

	while (e > 0 && (p[e - 1] == ' ' || p[e - 1] == '.') && i - e < 4)
		e--;
	for (b = e; b > 0 && e - b < 10 && is_alpha((unsigned char)p[b - 1]); b--)
		;
	return b < e && sset_has("kl|klokken|fra|til|indtil|ca|efter|før|inden", p + b, e - b);
}

/* "7. marts", "7 marts 2027", "7. mar.": k is just after the day's '.' or space. */
static int date_month_name(const char *p, size_t n, size_t k, int day, struct afbud_date *r, size_t *ret_end)
{
	size_t w, i, yc, j;
	int spaces = 0;

	while (k < n && p[k] == ' ' && spaces++ < 3)
		k++;
	for (w = k; w < n && is_alpha((unsigned char)p[w]); w++)
		;
	for (i = 0; i < sizeof month_names / sizeof month_names[0]; i++)
		if (strlen(month_names[i].name) == w - k && !memcmp(p + k, month_names[i].name, w - k))
			break;
	if (i == sizeof month_names / sizeof month_names[0])
		return 0;
	r->day = day;
	r->month = month_names[i].month;
	r->year = 0;
	if (w < n && p[w] == '.')
		w++;
	j = w;
	if (j < n && p[j] == ' ')
		j++;
	if (j < n && is_digit((unsigned char)p[j])) {
		int y = read_num(p, n, &j, &yc);

		if (yc == 4) {
			r->year = y;
			w = j;
		}
	}
	*ret_end = w;
	return 1;
}

/* "7/3", "14/11", "7/3-27", "7/3-2027", "7/3 2027": j is just after the '/'. */
static int date_slash(const char *p, size_t n, size_t j, int day, struct afbud_date *r, size_t *ret_end)
{
	size_t c2, yc, k;
	int month = read_num(p, n, &j, &c2), year = 0;

	if (c2 < 1 || c2 > 2)
		return 0;
	if (j + 1 < n && (p[j] == '-' || p[j] == '/') && is_digit((unsigned char)p[j + 1])) {
		k = j + 1;
		year = read_num(p, n, &k, &yc);
		if (yc != 2 && yc != 4)
			return 0;
		year += yc == 2 ? 2000 : 0;
		j = k;
	} else if (j + 5 <= n && p[j] == ' ' && is_digit((unsigned char)p[j + 1])) {
		k = j + 1;
		year = read_num(p, n, &k, &yc);
		if (yc == 4)
			j = k;
		else
			year = 0;   /* "14/11 10.00": a time, not a year */
	}
	k = j;
	while (k < n && p[k] == ' ')
		k++;
	if (k > j && (starts_ci(p + k, n - k, "time") || starts_ci(p + k, n - k, "del ")))
		return 0;   /* "1/2 time" is half an hour */
	r->day = day;
	r->month = month;
	r->year = year;
	*ret_end = j;
	return 1;
}

/* "07.03.2027", "7.3.27", "7.3.": j is just after the first '.'; never a time like "10.30". */
static int date_dots(const char *p, size_t n, size_t i, size_t j, int day, struct afbud_date *r, size_t *ret_end)
{
	size_t c2, yc;
	int month = read_num(p, n, &j, &c2), year = 0;

	if (c2 < 1 || c2 > 2 || j >= n || p[j] != '.')
		return 0;
	j++;
	if (j < n && is_digit((unsigned char)p[j])) {
		year = read_num(p, n, &j, &yc);
		if (yc != 2 && yc != 4)
			return 0;
		year += yc == 2 ? 2000 : 0;
	} else if (after_time_word(p, i)) {
		return 0;
	}
	r->day = day;
	r->month = month;
	r->year = year;
	*ret_end = j;
	return 1;
}

/* ISO "2027-03-07" and "7-3-2027". */
static int date_dashes(const char *p, size_t n, size_t i, struct afbud_date *r, size_t *ret_end)
{
	size_t j = i, c1, c2, c3;
	int a = read_num(p, n, &j, &c1), b, c;

	if (j + 1 >= n || p[j] != '-')
		return 0;
	j++;
	b = read_num(p, n, &j, &c2);
	if (j + 1 >= n || p[j] != '-' || c2 < 1 || c2 > 2)
		return 0;
	j++;
	c = read_num(p, n, &j, &c3);
	if (c1 == 4 && c3 >= 1 && c3 <= 2) {
		r->year = a;
		r->month = b;
		r->day = c;
	} else if (c1 <= 2 && c3 == 4) {
		r->day = a;
		r->month = b;
		r->year = c;
	} else {
		return 0;
	}
	*ret_end = j;
	return 1;
}

static int parse_date(const char *p, size_t n, size_t i, struct afbud_date *r, size_t *ret_end)
{
	size_t j = i, c1;
	int day = read_num(p, n, &j, &c1), ok = 0;

	if (j < n && p[j] == '-')
		ok = date_dashes(p, n, i, r, ret_end);
	else if (c1 > 2 || j >= n)
		return 0;
	else if (p[j] == '/')
		ok = date_slash(p, n, j + 1, day, r, ret_end);
	else if (p[j] == '.' && j + 1 < n && is_digit((unsigned char)p[j + 1]))
		ok = date_dots(p, n, i, j + 1, day, r, ret_end);
	else if (p[j] == '.' || p[j] == ' ')
		ok = date_month_name(p, n, j + (p[j] == '.'), day, r, ret_end);
	return ok && valid_date(r->day, r->month, r->year) &&
	       !(*ret_end < n && is_digit((unsigned char)p[*ret_end]));
}

static void add_date(struct afbud_result *r, const struct afbud_date *dt)
{
	size_t i;

	/* "7. marts 2027" in the subject and "7/3" in the text are one date */
	for (i = 0; i < r->n_dates; i++) {
		struct afbud_date *o = &r->dates[i];

		if (o->day == dt->day && o->month == dt->month && (o->year == dt->year || !o->year || !dt->year)) {
			if (!o->year)
				o->year = dt->year;
			return;
		}
	}
	if (r->n_dates < AFBUD_MAX_DATES)
		r->dates[r->n_dates++] = *dt;
}

/* The sentence of the token that starts at byte offset off (a date's first digits are a number token). */
static void mark_date_sentence(struct doc *d, size_t off)
{
	size_t lo = 0, hi = d->nt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->t[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < d->nt && d->t[lo].off == off)
		d->s[d->t[lo].sent].has_date = 1;
}

static void scan_dates(struct doc *d, struct afbud_result *r)
{
	const char *p = d->low;
	size_t i = 0, n = d->len;

	while (i < n) {
		struct afbud_date dt;
		size_t end;
		unsigned char prev = i ? (unsigned char)p[i - 1] : ' ';

		if (skip_chunk(p, n, i, &i))
			continue;
		if (!is_digit((unsigned char)p[i])) {
			i++;
			continue;
		}
		/* not inside a word, nor the second part of "1.2.3" or "10/20/30" */
		if (!is_word(prev) && !(strchr("./,:-", prev) && i >= 2 && is_digit((unsigned char)p[i - 2])) &&
		    parse_date(p, n, i, &dt, &end)) {
			add_date(r, &dt);
			mark_date_sentence(d, i);
			i = end;
			continue;
		}
		while (i < n && is_digit((unsigned char)p[i]))
			i++;
	}
}

/* ---- pattern matching ---- */

/* The end (token index) of a match of pattern p at token ti inside a clause ending at cend, or -1. */
static long pat_match(const struct doc *d, const char *p, size_t ti, size_t cend)
{
	const char *e;
	size_t n;
	long r;
	int k, max;

	while (*p == ' ')
		p++;
	if (!*p)
		return (long)ti;
	e = strchr(p, ' ');
	if (!e)
		e = p + strlen(p);
	n = (size_t)(e - p);
	switch (*p) {
	case '^':
		return ti < d->nt && (d->t[ti].flags & (T_CSTART | T_LSTART)) ? pat_match(d, e, ti, cend) : -1;
	case '_':
		max = p[1] - '0';
		for (k = 0; k <= max; k++) {
			if (k > 0 && (ti + (size_t)k - 1 >= cend || (d->t[ti + (size_t)k - 1].flags & T_NEG)))
				break;
			r = pat_match(d, e, ti + (size_t)k, cend);
			if (r >= 0)
				return r;
		}
		return -1;
	case '!':
		if (ti < cend && tok_in(d, ti, p + 1, n - 1))
			return -1;
		return pat_match(d, e, ti, cend);
	case '?':
		if (ti < cend && tok_in(d, ti, p + 1, n - 1) && (r = pat_match(d, e, ti + 1, cend)) >= 0)
			return r;
		return pat_match(d, e, ti, cend);
	default:
		if (ti >= cend)
			return set_has(p, n, "$", 1) ? pat_match(d, e, ti, cend) : -1;
		return tok_in(d, ti, p, n) ? pat_match(d, e, ti + 1, cend) : -1;
	}
}

struct tally {
	int n[C_N];
	int question;     /* attendance wording inside a question */
	int cond;         /* … inside a condition */
	int behalf;       /* … about someone else ("Birte kan ikke deltage") */
	int unnamed;      /* a substitute without a name */
	int substitute;   /* a named substitute */
	char *sub;
};

static int any_flag(const struct doc *d, size_t a, size_t b, unsigned flag)
{
	for (; a < b; a++)
		if (d->t[a].flags & flag)
			return 1;
	return 0;
}

/* "Birte", "Åse", "K" (an initial): capitalised, but not shouted ("DOBBELTBOOKET"), and no common word. */
static int is_name_word(const struct doc *d, size_t k)
{
	const unsigned char *u = (const unsigned char *)d->orig + d->t[k].off;
	size_t first = u[0] == 0xC3 ? 2 : 1;

	if (!(d->t[k].flags & T_CAP) || (d->t[k].flags & T_NUM) || tok_ins(d, k, NOTNAME))
		return 0;
	return d->t[k].len <= first || !is_capital(u + first, d->t[k].len - first);
}

/* Does the wording in [a, b) speak about someone else: "Birte kan ikke deltage", "kan hun desværre ikke",
 * "Min kollega Birte Holm har desværre meldt afbud", "afbud for Birte Holm", "på vegne af …"? */
static int about_someone_else(const struct doc *d, size_t a, size_t b)
{
	size_t k, cs = d->t[a].cstart, ce = d->t[a].cend;

	for (k = a; k < b; k++)
		if (tok_ins(d, k, "jeg|vi"))
			return 0;
	for (k = a; k < b; k++)
		if (tok_ins(d, k, "han|hun") || (k > a && is_name_word(d, k)))
			return 1;
	if (b + 1 < ce && tok_ins(d, b, "for") && is_name_word(d, b + 1))
		return 1;
	for (k = cs; k < ce; k++)
		if (tok_ins(d, k, "vegne"))
			return 1;
	/* the subject before the verb, past auxiliaries and adverbs, on the same line */
	for (k = a; k > cs && !(d->t[k].flags & T_LSTART); k--) {
		if (!tok_ins(d, k - 1, "har|havde|er|var|bliver|blev|kan|kunne|må|måtte|vil|ville|skal|skulle|"
				       "desværre|også|nok|hermed|derfor|altså|så|gerne|ikke"))
			return tok_ins(d, k - 1, "han|hun|" ROLES "|chefen|lederen") || is_name_word(d, k - 1);
	}
	return 0;
}

/* "måske", "muligvis", "nok" (but "skal nok" is a promise) in the match or right around it. */
static int hedged(const struct doc *d, size_t a, size_t b)
{
	size_t lo = a >= d->t[a].cstart + 2 ? a - 2 : d->t[a].cstart, hi = b + 1 < d->t[a].cend ? b + 1 : d->t[a].cend;
	size_t k;

	for (k = lo; k < hi; k++)
		if (tok_ins(d, k, HEDGES) && !(tok_ins(d, k, "nok") && k > 0 && tok_ins(d, k - 1, "skal")))
			return 1;
	return 0;
}

static size_t ctx_in(const struct doc *d, size_t a, size_t b)
{
	size_t c = 0;

	for (; a < b; a++)
		c += (d->t[a].flags & T_CTX) != 0;
	return c;
}

/* Checks one match [a, b) of pattern pt and counts it. */
static void note_match(const struct doc *d, const struct pattern *pt, size_t a, size_t b, int is_subject,
		       struct tally *ty)
{
	const struct sent *s = &d->s[d->t[a].sent];
	size_t cs = d->t[a].cstart, ce = d->t[a].cend;
	enum cat cat = pt->cat;

	if (any_flag(d, a, b, T_USED) || (d->t[a].flags & T_HUSK))
		return;
	if (a > cs && tok_ins(d, a - 1, "om|hvis|som"))
		return;   /* "om jeg kan deltage", "Birte, som er på barsel": no statement of the member's */
	/* "jeg deltager ikke", "kan ikke deltage online": negated from outside */
	if (!strstr(pt->pat, "ikke") &&
	    ((a > cs && (d->t[a - 1].flags & T_NEG)) || any_flag(d, b, b + 2 < ce ? b + 2 : ce, T_NEG)))
		return;
	if ((cat == C_ACCEPT || cat == C_DECLINE || cat == C_WEAK) && hedged(d, a, b))
		cat = C_TENTATIVE;
	if ((pt->flags & P_BUT) && s->last_men > b)
		cat = C_TENTATIVE;
	if ((pt->flags & P_WISH) && s->last_men > b)
		return;
	if (cat == C_WEAK && (s->has_date || s->n_ctx > ctx_in(d, a, b)))
		cat = C_DECLINE;
	/* in the subject, a question or condition is usually our own invitation's, and no answer */
	if (s->question || s->vfirst) {
		ty->question |= !is_subject;
		return;
	}
	if (s->cond) {
		ty->cond |= !is_subject;
		return;
	}
	if (about_someone_else(d, a, b)) {
		ty->behalf = 1;
		return;
	}
	ty->n[cat]++;
}

/* The bytes a token can start with to match the first element of pattern p: a quick test that spares
 * pat_match the tokens that cannot start a match (most of them). All bytes when p starts with an operator. */
static void first_bytes(const char *p, unsigned char may[256])
{
	const char *e;

	while (*p == ' ')
		p++;
	e = p + strcspn(p, " ");

	if (strchr("^_!?", *p)) {
		memset(may, 1, 256);
		return;
	}
	memset(may, 0, 256);
	while (p < e) {
		const char *bar = memchr(p, '|', (size_t)(e - p));
		const char *alt_end = bar ? bar : e;

		if (alt_end - p == 1 && *p == '#')
			memset(&may['0'], 1, 10);
		else if (alt_end > p)
			may[(unsigned char)*p] = 1;
		p = alt_end + 1;
	}
}

static void run_patterns(const struct doc *d, int is_subject, struct tally *ty)
{
	size_t pi, ti;
	unsigned char may[256];

	for (pi = 0; pi < sizeof patterns / sizeof patterns[0]; pi++) {
		first_bytes(patterns[pi].pat, may);
		for (ti = 0; ti < d->nt; ti++) {
			long end;

			if (!may[(unsigned char)*tw(d, ti)])
				continue;
			end = pat_match(d, patterns[pi].pat, ti, d->t[ti].cend);

			if (end > (long)ti)
				note_match(d, &patterns[pi], ti, (size_t)end, is_subject, ty);
		}
	}
}

/* ---- substitutes ---- */

/* "i stedet", "i stedet for mig", "for mig" at k: the number of tokens, 0 if none. */
static size_t suffix_at(const struct doc *d, size_t k, size_t cend)
{
	if (k + 1 < cend && tok_ins(d, k, "i") && tok_ins(d, k + 1, "stedet")) {
		if (k + 2 >= cend || !tok_ins(d, k + 2, "for"))
			return 2;
		/* "i stedet for Birte": someone else is replaced, not the member */
		return k + 3 < cend && tok_ins(d, k + 3, "mig") ? 4 : 0;
	}
	if (k + 1 < cend && tok_ins(d, k, "for|min") && tok_ins(d, k + 1, "mig|plads"))
		return 2;   /* "for mig", "(tager) min plads" */
	return 0;
}

static int is_role(const struct doc *d, size_t k)
{
	const char *w = tw(d, k);
	size_t n = d->t[k].len;

	return tok_ins(d, k, ROLES) || (n > 5 && !memcmp(w + n - 5, "leder", 5)) || (n > 4 && !memcmp(w + n - 4, "chef", 4));
}

/* An optional possessive and a role noun at k ("min kollega", "vores konsulent"): the number of tokens. */
static size_t role_at(const struct doc *d, size_t k, size_t cend)
{
	size_t m = k;

	if (m < cend && tok_ins(d, m, "min|mit|vores|vor|en|et"))
		m++;
	if (m < cend && is_role(d, m))
		return m + 1 - k;
	return 0;
}

/* Capitalised name words from k forward (same clause, not across a line start): their number, at most 4. */
static size_t name_fwd(const struct doc *d, size_t k, size_t cend)
{
	size_t c = 0;

	while (k + c < cend && c < CAPWORD_MAX && is_name_word(d, k + c) && (c == 0 || !(d->t[k + c].flags & T_LSTART)))
		c++;
	return c;
}

/* … and backward from k (inclusive). */
static size_t name_back(const struct doc *d, size_t k, size_t cstart)
{
	size_t c = 0;

	while (c < CAPWORD_MAX && k >= cstart + c && is_name_word(d, k - c)) {
		c++;
		if (d->t[k - c + 1].flags & T_LSTART)
			break;
	}
	return c;
}

static void take_substitute(struct doc *d, size_t name_a, size_t name_n, size_t a, size_t b, struct tally *ty)
{
	const struct sent *s = &d->s[d->t[a].sent];
	size_t k, from, to;

	for (k = a; k < b; k++)
		d->t[k].flags |= T_USED;
	if (s->question || s->vfirst)
		ty->question = 1;
	else if (s->cond)
		ty->cond = 1;
	if (!name_n) {
		ty->unnamed = 1;
		return;
	}
	from = d->t[name_a].off;
	to = d->t[name_a + name_n - 1].off + d->t[name_a + name_n - 1].len;
	if (to - from > NAME_MAX) {
		ty->unnamed = 1;
		return;
	}
	if (!s->question && !s->vfirst && !s->cond)
		ty->substitute = 1;
	if (!ty->sub)
		ty->sub = xstrndup(d->orig + from, to - from);
}

/* "Karin Lund fra min afdeling deltager …": a name before a "fra …" of at most four words ending at *m. */
static size_t name_before_fra(const struct doc *d, size_t *m, size_t cs)
{
	size_t f, c;

	for (f = *m; f > cs && *m - f < 4; f--) {
		if (tok_ins(d, f, "fra")) {
			c = name_back(d, f - 1, cs);
			if (c)
				*m = f - 1;
			return c;
		}
	}
	return 0;
}

/* Form A, the name before the verb: "[min kollega] Birte Holm [kan] deltager [gerne] i stedet [for mig]",
 * "… deltager for mig", "min souschef Hans Berg kommer", "…, men Birte Holm gør", and the apposition
 * "Min leder, Birte Holm, deltager i stedet". Returns 1 when the verb is settled (a substitute, or the
 * member's own "jeg deltager i stedet for …"). */
static int sub_before_verb(struct doc *d, size_t j, struct tally *ty)
{
	size_t cs = d->t[j].cstart, ce = d->t[j].cend, k = j + 1, sl, m, c, ncs = cs, na;

	if (k < ce && tok_ins(d, k, "gerne|så|derfor"))
		k++;
	sl = suffix_at(d, k, ce);
	if (j == 0 || (j == cs && !sl))
		return 0;
	m = j - 1;
	if (j == cs)
		ncs = d->t[m].cstart;
	else if (m > cs && tok_ins(d, m, "kan|vil|skal"))
		m--;
	if (tok_ins(d, m, "jeg|vi"))
		return 1;
	c = name_back(d, m, ncs);
	if (!c)
		c = name_before_fra(d, &m, ncs);
	if (c) {
		na = m + 1 - c;
		/* without "i stedet", only a role or a contrasting "men" before the name makes it a substitute */
		if (sl || (k >= ce && na > ncs && (is_role(d, na - 1) || tok_ins(d, na - 1, "men")))) {
			take_substitute(d, na, c, na, k + sl, ty);
			return 1;
		}
		return 0;
	}
	if (sl && (is_role(d, m) || tok_ins(d, m, "han|hun|de|nogen|en"))) {
		take_substitute(d, 0, 0, m, k + sl, ty);
		return 1;
	}
	return 0;
}

/* Form B: "derfor deltager [min kollega] Birte Holm i stedet"; form C: "i stedet deltager [min kollega] Birte". */
static int sub_after_verb(struct doc *d, size_t j, struct tally *ty)
{
	size_t cs = d->t[j].cstart, ce = d->t[j].cend, r = role_at(d, j + 1, ce), c, k, sl;
	int after_i_stedet = j >= cs + 2 && tok_ins(d, j - 2, "i") && tok_ins(d, j - 1, "stedet");

	c = name_fwd(d, j + 1 + r, ce);
	k = j + 1 + r + c;
	if (k < ce && tok_ins(d, k, "gerne|også"))
		k++;
	sl = suffix_at(d, k, ce);
	if (after_i_stedet && (c || r)) {
		take_substitute(d, j + 1 + r, c, j - 2, j + 1 + r + c, ty);
		return 1;
	}
	if (sl && (c || r)) {
		take_substitute(d, j + 1 + r, c, j, k + sl, ty);
		return 1;
	}
	return 0;
}

/* "har bedt Birte Holm om at deltage", "har spurgt min kollega Birte Holm, om hun kan komme". */
static void sub_asked(struct doc *d, size_t j, struct tally *ty)
{
	size_t ce = d->t[j].cend, r = role_at(d, j + 1, ce), c = name_fwd(d, j + 1 + r, ce), k;
	size_t end = j + 1 + r + c;

	if (!c || end >= ce || !tok_ins(d, end, "om"))
		return;
	for (k = end + 1; k < ce && k <= end + 4; k++)
		if (tok_ins(d, k, "deltage|komme|overtage|tage")) {
			take_substitute(d, j + 1 + r, c, j, k + 1, ty);
			return;
		}
}

/* "jeg sender min kollega Birte Holm", "jeg sender Birte Holm i stedet". */
static void sub_sender(struct doc *d, size_t j, struct tally *ty)
{
	size_t ce = d->t[j].cend, r = role_at(d, j + 1, ce), c = name_fwd(d, j + 1 + r, ce);
	size_t sl = suffix_at(d, j + 1 + r + c, ce);

	if ((c && (r || sl)) || (!c && r && sl))
		take_substitute(d, j + 1 + r, c, j, j + 1 + r + c + sl, ty);
}

static void find_substitutes(struct doc *d, struct tally *ty)
{
	size_t j;

	for (j = 0; j < d->nt; j++) {
		if (d->t[j].flags & T_USED)
			continue;
		if (tok_ins(d, j, SUBVERB)) {
			size_t sl = suffix_at(d, j + 1, d->t[j].cend);

			if (sub_before_verb(d, j, ty) || sub_after_verb(d, j, ty))
				continue;
			/* "… deltager i stedet for mig" and no name found: a human must find out who comes */
			if (sl && !(j > 0 && tok_ins(d, j - 1, "jeg|vi")) &&
			    !(j + 1 < d->nt && tok_ins(d, j + 1, "jeg|vi")))
				take_substitute(d, 0, 0, j, j + 1 + sl, ty);
		} else if (tok_ins(d, j, "sender|sende")) {
			sub_sender(d, j, ty);
		} else if (tok_ins(d, j, "bedt|spurgt")) {
			sub_asked(d, j, ty);
		}
	}
}

/* ---- classification ---- */

/* At most 'cap' bytes of s, not splitting a UTF-8 sequence. */
static size_t capped_len(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap + 1);

	if (n <= cap)
		return n;
	n = cap;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

static void decide(const struct tally *ty, int empty, struct afbud_result *r)
{
	int dec = ty->n[C_DECLINE] + ty->substitute, acc = ty->n[C_ACCEPT], ten = ty->n[C_TENTATIVE];

	r->answer = AFBUD_UNCLEAR;
	if (ty->question)
		r->reason = "attendance wording inside a question";
	else if (ty->cond)
		r->reason = "conditional wording";
	else if (ty->behalf)
		r->reason = "answer on behalf of someone else";
	else if (ty->unnamed)
		r->reason = "a substitute without a name";
	else if (ty->n[C_PARTIAL])
		r->reason = "partial attendance";
	else if ((dec || ty->n[C_WEAK]) && acc)
		r->reason = "both afbud and acceptance wording";
	else if (dec && ten)
		r->reason = "both afbud and tentative wording";
	else if (ten)
		r->answer = AFBUD_TENTATIVE;
	else if (dec)
		r->answer = AFBUD_DECLINE;
	else if (acc)
		r->answer = AFBUD_ACCEPT;
	else if (ty->n[C_WEAK])
		r->reason = "absence mentioned without a meeting reference";
	else if (empty)
		r->reason = "empty text";
	else
		r->reason = "no attendance wording";
}

static void classify_doc(struct doc *d, int is_subject, struct tally *ty, struct afbud_result *r)
{
	scan_dates(d, r);
	find_substitutes(d, ty);
	run_patterns(d, is_subject, ty);
	/* a subject that starts with "Afbud" ("SV: Afbud til mødet 7/3") is the member's own */
	if (is_subject && d->nt && tok_ins(d, 0, "afbud") && !d->s[0].question && !d->s[0].vfirst)
		ty->n[C_DECLINE]++;
}

void afbud_classify(const char *subject, const char *newest_text, struct afbud_result *ret)
{
	struct tally ty;
	struct doc sd, bd;
	const char *subj = afbud_strip_subject(subject);
	const char *body = newest_text ? newest_text : "";
	int i;

	memset(ret, 0, sizeof *ret);
	memset(&ty, 0, sizeof ty);
	doc_init(&sd, subj, capped_len(subj, AFBUD_SUBJECT_MAX));
	doc_init(&bd, body, capped_len(body, AFBUD_SCAN_MAX));
	classify_doc(&sd, 1, &ty, ret);
	classify_doc(&bd, 0, &ty, ret);
	for (i = 0; i < (int)bd.ns; i++)
		ret->question |= bd.s[i].question;
	decide(&ty, bd.nt == 0, ret);
	ret->substitute = ty.sub;
	doc_release(&sd);
	doc_release(&bd);
}

void afbud_result_release(struct afbud_result *r)
{
	if (!r)
		return;
	free(r->substitute);
	memset(r, 0, sizeof *r);
}
