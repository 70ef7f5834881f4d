/*
 * pdf_int.h - the page layout the printable documents share (consent_pdf.c, aftercare_pdf.c):
 * an A4 PDF drawn with cairo into memory, wrapped paragraphs with pango broken across pages
 * line by line, a footer with the page number on every page.  Private to src/domain.
 *
 * Use: md_pdf_begin -> md_pdf_para ... -> md_pdf_end (always: it frees what begin made,
 * and on success copies the PDF into the arena).  Failures of cairo are reported once, by
 * md_pdf_end (MD_EIO); a PDF over 8 MiB is a failure.
 */
#ifndef MESODESK_PDF_INT_H
#define MESODESK_PDF_INT_H

#include <cairo.h>
#include <stddef.h>

#include "mesodesk/arena.h"
#include "mesodesk/error.h"

#define MD_PDF_PAGE_W 595.276 /* A4 in points */
#define MD_PDF_PAGE_H 841.890
#define MD_PDF_MARGIN 56.0
#define MD_PDF_CONTENT_W (MD_PDF_PAGE_W - 2 * MD_PDF_MARGIN)
#define MD_PDF_BOTTOM (MD_PDF_PAGE_H - MD_PDF_MARGIN - 18)

typedef struct md_pdf {
    cairo_surface_t *surf;
    cairo_t *cr;
    double y; /* where the next line goes */
    int page;
    const char *footer; /* borrowed: "<footer>  -  page N" */
    unsigned char *p;   /* the PDF so far (malloc) */
    size_t n, cap;
    int failed;
} md_pdf;

/* Start a document titled title (metadata), with footer on each page (both borrowed until
 * md_pdf_end). */
void md_pdf_begin(md_pdf *d, const char *title, const char *footer);
/* A paragraph in font (a pango description, "DejaVu Sans 10"), wrapped to the page, then
 * after points of space. */
void md_pdf_para(md_pdf *d, const char *text, const char *font, double after);
/* Close the page (footer) and start the next. */
void md_pdf_new_page(md_pdf *d);
/* Finish: *pdf (in a) and *len on MD_OK; MD_EIO or MD_ENOMEM otherwise. */
md_code md_pdf_end(md_pdf *d, md_arena *a, unsigned char **pdf, size_t *len, md_err *err);

#endif
