/* The referat draft in four formats from one model: the heading, the place, the attendance lines (referat.c
 * writes them; here only the guests per agenda item are added) and the agenda. The form follows the network's
 * own minutes: "REFERAT - {group} den {date} kl. {time}", the place, "Afbud:", "Deltagere:" with "Samt under
 * punkt 2 …", "Referat:", "Fraværende:", then a two-column table "Dagsordenspunkt | Referat".
 * Every input is already capped where it is read (roster, schedule, store), so the output needs no cap. */
#include "referatdoc.h"
#include "buf.h"
#include "dansk.h"
#include "util.h"
#include "zip.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One line of the attendance block. label NULL: it continues the line before ("Samt under punkt …"). */
struct dline {
	char *label;
	char *text;
};

struct model {
	char *heading;
	char *place;
	struct dline *v;
	size_t n;
};

static const struct {
	const char *name;
	enum referatdoc_format f;
} formats[] = {
	{ "txt", REFERATDOC_TXT },
	{ "md", REFERATDOC_MD },
	{ "markdown", REFERATDOC_MD },
	{ "html", REFERATDOC_HTML },
	{ "docx", REFERATDOC_DOCX },
};

int referatdoc_format_parse(const char *name, enum referatdoc_format *ret)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcasecmp(name, formats[i].name) == 0) {
			*ret = formats[i].f;
			return 0;
		}
	return -1;
}

char *referatdoc_heading(const struct referatdoc *d)
{
	char *date = dansk_date(d->year, d->month, d->day);
	char *time = dansk_timespan(d->start_min, d->end_min);
	int named = d->group && *d->group;
	char *h = xasprintf("REFERAT%s%s den %s%s%s", named ? " - " : "", named ? d->group : "",
			    date ? date : "?", time ? " kl. " : "", time ? time : "");

	free(date);
	free(time);
	return h;
}

/* The link's host, lower-cased, without user info or port: "teams.microsoft.com". Caller frees. */
static char *url_host(const char *url)
{
	const char *h = strstr(url, "://");
	size_t n;

	h = h ? h + 3 : url;
	n = strcspn(h, "/?#");
	for (size_t i = n; i > 0; i--)
		if (h[i - 1] == '@') {
			h += i;
			n -= i;
			break;
		}
	if (*h == '[') {   /* an IPv6 literal: up to its bracket */
		const char *close = memchr(h, ']', n);
		n = close ? (size_t)(close - h) + 1 : n;
	} else {
		n = strcspn(h, ":") < n ? strcspn(h, ":") : n;
	}
	return util_lower(xstrndup(h, n));
}

/* The hosts of Teams meeting links (and their subdomains): work accounts, Teams for home, and the US
 * government cloud. */
static int is_teams(const char *host)
{
	static const char *const hosts[] = { "teams.microsoft.com", "teams.live.com", "teams.microsoft.us" };
	size_t hl = strlen(host);

	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		size_t l = strlen(hosts[i]);

		if (hl == l && !strcmp(host, hosts[i]))
			return 1;
		if (hl > l && host[hl - l - 1] == '.' && !strcmp(host + hl - l, hosts[i]))
			return 1;
	}
	return 0;
}

char *referatdoc_place(const struct referatdoc *d)
{
	int online = d->place && strcasecmp(d->place, "online") == 0;
	char *host = d->online_url && *d->online_url ? url_host(d->online_url) : NULL;
	char *how, *res;

	/* the seeds write "Virtuelt møde i TEAMS"; another service is named by its host, which is all we know */
	if (!host || !*host)
		how = xstrdup("");
	else if (is_teams(host))
		how = xstrdup("i TEAMS");
	else
		how = xasprintf("via %s", host);
	if (online)
		res = *how ? xasprintf("Virtuelt møde %s", how) : xstrdup("Virtuelt møde");
	else
		res = *how ? xasprintf("Adresse: %s (og virtuelt %s)", d->place ? d->place : "", how)
			   : xasprintf("Adresse: %s", d->place ? d->place : "");
	free(how);
	free(host);
	return res;
}

static const struct referat_person *find_person(const struct referatdoc *d, const char *email)
{
	for (size_t i = 0; i < d->n_people; i++)
		if (d->people[i].email && strcasecmp(d->people[i].email, email) == 0)
			return &d->people[i];
	return NULL;
}

static int comes(const struct referat_person *p)
{
	return p->answer == REFERAT_ACCEPTED || p->answer == REFERAT_PRESENT;
}

/* Is p a guest who comes for an item of the agenda? Then "Samt under punkt" names them, not Deltagere. */
static int item_guest(const struct referatdoc *d, const struct referat_person *p)
{
	if (!p->email || !comes(p) || p->is_secretary)
		return 0;
	for (size_t i = 0; i < d->n_guests; i++)
		if (d->guests[i].item >= 1 && d->guests[i].item <= d->n_agenda &&
		    strcasecmp(d->guests[i].email, p->email) == 0)
			return 1;
	return 0;
}

static const char *shown_name(const struct referat_person *p)
{
	return p->name && *p->name ? p->name : p->email;
}

/* "Gitte Fog (AAU)", "Bo Lerche og Ida Smed (Næstved)", "Bo Lerche (Næstved) og Gitte Fog (AAU)": the guests
 * of one item in the order of the schedule, those of one organisation in a row joined under it. */
static void add_item_guests(struct buf *b, const struct referat_person **v, size_t n)
{
	for (size_t i = 0, j; i < n; i = j) {
		const char *org = v[i]->org && *v[i]->org ? v[i]->org : NULL;

		for (j = i + 1; j < n && org && v[j]->org && !strcmp(v[j]->org, org); j++)
			;
		if (i)
			buf_adds(b, j == n ? " og " : ", ");
		for (size_t k = i; k < j; k++) {
			if (k > i)
				buf_adds(b, k == j - 1 ? " og " : ", ");
			buf_adds(b, shown_name(v[k]));
		}
		if (org)
			buf_addf(b, " (%s)", org);
	}
}

/* The guests who come for 'item', each once, in the order of the schedule's guest_item lines. */
static size_t item_people(const struct referatdoc *d, size_t item, const struct referat_person **v)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n_guests; i++) {
		const struct referat_person *p = d->guests[i].item == item ? find_person(d, d->guests[i].email) : NULL;
		int seen = 0;

		for (size_t k = 0; p && k < n; k++)
			seen |= v[k] == p;
		if (p && !seen && item_guest(d, p))
			v[n++] = p;
	}
	return n;
}

/* "Samt under punkt 2 A (X), under punkt 3 B (Y) og under punkt 4 C og D (Z)", or NULL when no guest comes
 * for an item. */
static char *samt_text(const struct referatdoc *d)
{
	const struct referat_person **v = xcalloc(d->n_guests + 1, sizeof(*v));
	char **parts = xcalloc(d->n_agenda + 1, sizeof(*parts));
	size_t n_parts = 0;
	struct buf b;

	for (size_t item = 1; item <= d->n_agenda; item++) {
		size_t n = item_people(d, item, v);

		if (!n)
			continue;
		buf_init(&b);
		buf_addf(&b, "under punkt %zu ", item);
		add_item_guests(&b, v, n);
		parts[n_parts++] = buf_detach(&b, NULL);
	}
	free(v);
	if (!n_parts) {
		free(parts);
		return NULL;
	}
	buf_init(&b);
	buf_adds(&b, "Samt ");
	for (size_t i = 0; i < n_parts; i++) {
		if (i)
			buf_adds(&b, i == n_parts - 1 ? " og " : ", ");
		buf_adds(&b, parts[i]);
		free(parts[i]);
	}
	free(parts);
	return buf_detach(&b, NULL);
}

static void push_line(struct model *m, const char *label, size_t label_len, const char *text, size_t text_len)
{
	m->v = xrealloc(m->v, (m->n + 1) * sizeof(*m->v));
	m->v[m->n].label = label ? xstrndup(label, label_len) : NULL;
	m->v[m->n].text = xstrndup(text, text_len);
	m->n++;
}

static void model_build(struct model *m, const struct referatdoc *d)
{
	struct referat_person *rest = xcalloc(d->n_people + 1, sizeof(*rest));
	size_t n = 0;
	char *lines, *samt;

	memset(m, 0, sizeof(*m));
	m->heading = referatdoc_heading(d);
	m->place = referatdoc_place(d);
	for (size_t i = 0; i < d->n_people; i++)
		if (!item_guest(d, &d->people[i]))
			rest[n++] = d->people[i];
	lines = referat_lines(d->secretary, rest, n);
	samt = samt_text(d);
	for (const char *p = lines; *p;) {
		size_t len = strcspn(p, "\n");
		const char *colon = memchr(p, ':', len);

		if (colon && colon + 1 < p + len && colon[1] == ' ')
			push_line(m, p, (size_t)(colon - p), colon + 2, (size_t)(p + len - colon - 2));
		else
			push_line(m, NULL, 0, p, len);
		if (samt && m->v[m->n - 1].label && !strcmp(m->v[m->n - 1].label, "Deltagere"))
			push_line(m, NULL, 0, samt, strlen(samt));
		p += len + (p[len] == '\n');
	}
	free(samt);
	free(lines);
	free(rest);
}

static void model_release(struct model *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].label);
		free(m->v[i].text);
	}
	free(m->v);
	free(m->heading);
	free(m->place);
	memset(m, 0, sizeof(*m));
}

char *referatdoc_lines(const struct referatdoc *d)
{
	struct model m;
	struct buf b;

	model_build(&m, d);
	buf_init(&b);
	for (size_t i = 0; i < m.n; i++)
		if (m.v[i].label)
			buf_addf(&b, "%s: %s\n", m.v[i].label, m.v[i].text);
		else
			buf_addf(&b, "%s\n", m.v[i].text);
	model_release(&m);
	return buf_detach(&b, NULL);
}

/* --- txt: the seeds' plain form; the attendance lines exactly as `referat DATE` prints them --- */

static void render_txt(struct buf *b, const struct model *m, const struct referatdoc *d)
{
	buf_addf(b, "%s\n\n%s\n", m->heading, m->place);
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].label)
			buf_addf(b, "\n%s: %s\n", m->v[i].label, m->v[i].text);
		else
			buf_addf(b, "%s\n", m->v[i].text);
	buf_adds(b, "\nDagsorden og referat\n");
	if (!d->n_agenda)
		buf_adds(b, "\nIngen punkter på dagsordenen.\n\n\n");
	/* two blank lines under each item: room to write the minutes */
	for (size_t i = 0; i < d->n_agenda; i++)
		buf_addf(b, "\n%zu. %s\n\n\n", i + 1, d->agenda[i]);
}

/* --- Markdown --- */

/* Text inside a paragraph or heading: what would start emphasis, code, links, HTML or a table is escaped, and
 * so is what would make the start of a line a heading, list or quote. Line breaks become spaces. */
static void md_text(struct buf *b, const char *s, int line_start)
{
	const char *p = s;

	if (line_start) {
		size_t digits = strspn(p, "0123456789");
		if (digits && (p[digits] == '.' || p[digits] == ')')) {
			buf_add(b, p, digits);
			buf_addch(b, '\\');
			p += digits;
		} else if (*p && strchr("#+-=>", *p)) {
			buf_addch(b, '\\');
		}
	}
	for (; *p; p++) {
		if (strchr("\\`*_[]<>|~&!", *p))
			buf_addch(b, '\\');
		buf_addch(b, (unsigned char)*p < ' ' ? ' ' : *p);
	}
}

static void render_md(struct buf *b, const struct model *m, const struct referatdoc *d)
{
	buf_adds(b, "# ");
	md_text(b, m->heading, 0);
	buf_adds(b, "\n\n");
	md_text(b, m->place, 1);
	buf_adds(b, "\n");
	for (size_t i = 0; i < m->n; i++) {
		buf_adds(b, "\n");
		if (m->v[i].label) {
			buf_adds(b, "**");
			md_text(b, m->v[i].label, 0);
			buf_adds(b, ":** ");
		}
		md_text(b, m->v[i].text, !m->v[i].label);
		buf_adds(b, "\n");
	}
	buf_adds(b, "\n## Dagsorden og referat\n");
	if (!d->n_agenda)
		buf_adds(b, "\nIngen punkter på dagsordenen.\n");
	for (size_t i = 0; i < d->n_agenda; i++) {
		buf_addf(b, "\n### %zu. ", i + 1);
		md_text(b, d->agenda[i], 0);
		buf_adds(b, "\n\n\n");
	}
}

/* --- HTML and XML --- */

/* Escaped for element content and attribute values alike. Control characters (not allowed in XML 1.0, and
 * never meant in a name or an agenda item) become spaces. */
static void xml_text(struct buf *b, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&': buf_adds(b, "&amp;"); break;
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&#39;"); break;
		default: buf_addch(b, (unsigned char)*s < ' ' || *s == 0x7F ? ' ' : *s);
		}
}

/* Self-contained: the style sheet inline, no script, no outside resource. In print: A4, the table's header
 * row on every page, no row split across pages, and room to write in each row. */
static const char html_css[] =
	"body { font-family: Calibri, Carlito, Arial, sans-serif; font-size: 11pt; line-height: 1.35;"
	" color: #000; max-width: 48em; margin: 2em auto; padding: 0 1em; }\n"
	"h1 { font-size: 14pt; margin: 0 0 1em; }\n"
	"p { margin: 0 0 0.8em; }\n"
	"p.samt { margin-top: -0.8em; }\n"
	"table { border-collapse: collapse; width: 100%; margin-top: 1.5em; }\n"
	"th, td { border: 1px solid #000; padding: 0.4em 0.5em; text-align: left; vertical-align: top; }\n"
	"th { background: #d9d9d9; }\n"
	"td.punkt { width: 35%; }\n"
	"td.referat { height: 5em; }\n"
	"@media print {\n"
	"  @page { size: A4; margin: 2cm; }\n"
	"  body { max-width: none; margin: 0; padding: 0; }\n"
	"  thead { display: table-header-group; }\n"
	"  tr { break-inside: avoid; page-break-inside: avoid; }\n"
	"  th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }\n"
	"}\n";

static void render_html(struct buf *b, const struct model *m, const struct referatdoc *d)
{
	buf_adds(b, "<!DOCTYPE html>\n<html lang=\"da\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
	xml_text(b, m->heading);
	buf_addf(b, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", html_css);
	xml_text(b, m->heading);
	buf_adds(b, "</h1>\n<p class=\"sted\">");
	xml_text(b, m->place);
	buf_adds(b, "</p>\n");
	for (size_t i = 0; i < m->n; i++) {
		if (m->v[i].label) {
			buf_adds(b, "<p><strong>");
			xml_text(b, m->v[i].label);
			buf_adds(b, ":</strong> ");
		} else {
			buf_adds(b, "<p class=\"samt\">");
		}
		xml_text(b, m->v[i].text);
		buf_adds(b, "</p>\n");
	}
	buf_adds(b, "<table>\n<thead><tr><th>Dagsordenspunkt</th><th>Referat</th></tr></thead>\n<tbody>\n");
	if (!d->n_agenda)
		buf_adds(b, "<tr><td class=\"punkt\">Ingen punkter på dagsordenen</td><td class=\"referat\"></td></tr>\n");
	for (size_t i = 0; i < d->n_agenda; i++) {
		buf_addf(b, "<tr><td class=\"punkt\">%zu. ", i + 1);
		xml_text(b, d->agenda[i]);
		buf_adds(b, "</td><td class=\"referat\"></td></tr>\n");
	}
	buf_adds(b, "</tbody>\n</table>\n</body>\n</html>\n");
}

/* --- docx: the smallest package Word and LibreOffice open (ECMA-376 part 1 and 2) --- */

#define W_NS "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#define REL_NS "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"

static const char docx_content_types[] =
	XML_DECL
	"<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
	"<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
	"<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
	"<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument."
	"wordprocessingml.document.main+xml\"/>"
	"<Override PartName=\"/word/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument."
	"wordprocessingml.styles+xml\"/>"
	"</Types>";

static const char docx_rels[] =
	XML_DECL
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	"<Relationship Id=\"rId1\" Type=\"" REL_NS "/officeDocument\" Target=\"word/document.xml\"/>"
	"</Relationships>";

static const char docx_document_rels[] =
	XML_DECL
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	"<Relationship Id=\"rId1\" Type=\"" REL_NS "/styles\" Target=\"styles.xml\"/>"
	"</Relationships>";

/* Calibri 11 pt and Danish for spelling and hyphenation; the heading a "Title" paragraph so it is the
 * document's first entry in Word's navigation pane. */
static const char docx_styles[] =
	XML_DECL
	"<w:styles xmlns:w=\"" W_NS "\">"
	"<w:docDefaults><w:rPrDefault><w:rPr>"
	"<w:rFonts w:ascii=\"Calibri\" w:hAnsi=\"Calibri\" w:eastAsia=\"Calibri\" w:cs=\"Calibri\"/>"
	"<w:sz w:val=\"22\"/><w:szCs w:val=\"22\"/><w:lang w:val=\"da-DK\" w:eastAsia=\"da-DK\" w:bidi=\"ar-SA\"/>"
	"</w:rPr></w:rPrDefault>"
	"<w:pPrDefault><w:pPr><w:spacing w:after=\"160\" w:line=\"259\" w:lineRule=\"auto\"/></w:pPr>"
	"</w:pPrDefault></w:docDefaults>"
	"<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/>"
	"<w:qFormat/></w:style>"
	"<w:style w:type=\"paragraph\" w:styleId=\"Title\"><w:name w:val=\"Title\"/><w:basedOn w:val=\"Normal\"/>"
	"<w:next w:val=\"Normal\"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:after=\"240\"/></w:pPr>"
	"<w:rPr><w:b/><w:bCs/><w:sz w:val=\"28\"/><w:szCs w:val=\"28\"/></w:rPr></w:style>"
	"<w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\"><w:name w:val=\"Normal Table\"/>"
	"<w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/><w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/>"
	"<w:left w:w=\"108\" w:type=\"dxa\"/><w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/>"
	"</w:tblCellMar></w:tblPr></w:style>"
	"</w:styles>";

/* A4 with 2 cm margins: 11906 x 16838 twips, 1134 twips each side, 9638 twips of text width. */
#define DOCX_COL1 3402
#define DOCX_COL2 6236

/* <w:r> with text; leading and trailing blanks kept (xml:space). */
static void docx_run(struct buf *b, const char *text, int bold)
{
	buf_adds(b, "<w:r>");
	if (bold)
		buf_adds(b, "<w:rPr><w:b/><w:bCs/></w:rPr>");
	buf_adds(b, "<w:t xml:space=\"preserve\">");
	xml_text(b, text);
	buf_adds(b, "</w:t></w:r>");
}

static void docx_cell(struct buf *b, int width, const char *text, int bold, int shaded)
{
	buf_addf(b, "<w:tc><w:tcPr><w:tcW w:w=\"%d\" w:type=\"dxa\"/>", width);
	if (shaded)
		buf_adds(b, "<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"D9D9D9\"/>");
	buf_adds(b, "</w:tcPr><w:p><w:pPr><w:spacing w:before=\"60\" w:after=\"60\"/></w:pPr>");
	if (*text)
		docx_run(b, text, bold);
	buf_adds(b, "</w:p></w:tc>");
}

static void docx_table(struct buf *b, const struct referatdoc *d)
{
	static const char *const sides[] = { "top", "left", "bottom", "right", "insideH", "insideV" };

	/* tblPr children in the schema's order: tblW, tblBorders, tblLayout (Word refuses others) */
	buf_adds(b, "<w:tbl><w:tblPr><w:tblW w:w=\"5000\" w:type=\"pct\"/><w:tblBorders>");
	for (size_t i = 0; i < sizeof(sides) / sizeof(sides[0]); i++)
		buf_addf(b, "<w:%s w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>", sides[i]);
	buf_addf(b, "</w:tblBorders><w:tblLayout w:type=\"fixed\"/></w:tblPr>"
		 "<w:tblGrid><w:gridCol w:w=\"%d\"/><w:gridCol w:w=\"%d\"/></w:tblGrid>", DOCX_COL1, DOCX_COL2);
	/* the header row repeats on every page */
	buf_adds(b, "<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>");
	docx_cell(b, DOCX_COL1, "Dagsordenspunkt", 1, 1);
	docx_cell(b, DOCX_COL2, "Referat", 1, 1);
	buf_adds(b, "</w:tr>");
	for (size_t i = 0; i < (d->n_agenda ? d->n_agenda : 1); i++) {
		char *item = d->n_agenda ? xasprintf("%zu. %s", i + 1, d->agenda[i])
					 : xstrdup("Ingen punkter på dagsordenen");

		/* at least 2 cm high: room to write */
		buf_adds(b, "<w:tr><w:trPr><w:trHeight w:val=\"1134\" w:hRule=\"atLeast\"/></w:trPr>");
		docx_cell(b, DOCX_COL1, item, 0, 0);
		docx_cell(b, DOCX_COL2, "", 0, 0);
		buf_adds(b, "</w:tr>");
		free(item);
	}
	buf_adds(b, "</w:tbl>");
}

static void docx_document(struct buf *b, const struct model *m, const struct referatdoc *d)
{
	int open = 0;

	buf_adds(b, XML_DECL "<w:document xmlns:w=\"" W_NS "\"><w:body>");
	buf_adds(b, "<w:p><w:pPr><w:pStyle w:val=\"Title\"/></w:pPr>");
	docx_run(b, m->heading, 0);
	buf_adds(b, "</w:p><w:p>");
	docx_run(b, m->place, 0);
	buf_adds(b, "</w:p>");
	for (size_t i = 0; i < m->n; i++) {
		/* "Samt under punkt …" is a line of the Deltagere paragraph, as in the seeds */
		if (m->v[i].label || !open)
			buf_adds(b, open ? "</w:p><w:p>" : "<w:p>");
		else
			buf_adds(b, "<w:r><w:br/></w:r>");
		open = 1;
		if (m->v[i].label) {
			char *label = xasprintf("%s: ", m->v[i].label);
			docx_run(b, label, 1);
			free(label);
		}
		docx_run(b, m->v[i].text, 0);
	}
	if (open)
		buf_adds(b, "</w:p>");
	docx_table(b, d);
	/* Word wants a paragraph between a table and the end of the body */
	buf_adds(b, "<w:p/><w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"1134\" w:right=\"1134\" "
		 "w:bottom=\"1134\" w:left=\"1134\" w:header=\"708\" w:footer=\"708\" w:gutter=\"0\"/></w:sectPr>"
		 "</w:body></w:document>");
}

static int render_docx(const struct model *m, const struct referatdoc *d, char **ret, size_t *ret_len,
		       struct err *err)
{
	struct buf doc;
	struct zip z;
	int rc = -1;

	buf_init(&doc);
	zip_init(&z);
	docx_document(&doc, m, d);
	/* [Content_Types].xml first, as Office writes it; some readers look for it there */
	if (zip_add(&z, "[Content_Types].xml", docx_content_types, strlen(docx_content_types), err) < 0 ||
	    zip_add(&z, "_rels/.rels", docx_rels, strlen(docx_rels), err) < 0 ||
	    zip_add(&z, "word/_rels/document.xml.rels", docx_document_rels, strlen(docx_document_rels), err) < 0 ||
	    zip_add(&z, "word/document.xml", doc.data, doc.len, err) < 0 ||
	    zip_add(&z, "word/styles.xml", docx_styles, strlen(docx_styles), err) < 0)
		goto out;
	*ret = zip_finish(&z, ret_len);
	rc = 0;
out:
	zip_release(&z);
	buf_release(&doc);
	return rc;
}

int referatdoc_render(const struct referatdoc *d, enum referatdoc_format f, char **ret, size_t *ret_len,
		      struct err *err)
{
	struct model m;
	struct buf b;
	int rc = 0;

	model_build(&m, d);
	buf_init(&b);
	switch (f) {
	case REFERATDOC_TXT:
		render_txt(&b, &m, d);
		break;
	case REFERATDOC_MD:
		render_md(&b, &m, d);
		break;
	case REFERATDOC_HTML:
		render_html(&b, &m, d);
		break;
	case REFERATDOC_DOCX:
		rc = render_docx(&m, d, ret, ret_len, err);
		break;
	}
	if (f != REFERATDOC_DOCX)
		*ret = buf_detach(&b, ret_len);
	buf_release(&b);
	model_release(&m);
	return rc;
}
