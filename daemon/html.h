/* HTML → plain text for reading a mail someone wrote. */
#ifndef TOVHOLDER_HTML_H
#define TOVHOLDER_HTML_H

/* <head>, <style>, <script>, comments dropped; block elements and <br> end lines; white space collapsed (except
 * in <pre>); entities decoded (&nbsp; → space); blockquote lines prefixed "> " per level; <hr> becomes a line
 * of 32 '_' (as in Outlook's own text part) so the quoted "Fra: … Sendt: …" block stays recognisable. At most
 * one empty line in a row. Caller frees. */
char *html_to_text(const char *html);

#endif
