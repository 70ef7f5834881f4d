/*
 * pdf_layout.c - the shared page layout of the printable documents (pdf_int.h): cairo's PDF
 * surface writing into memory, pango paragraphs broken across pages between lines, the
 * footer with the page number.  Nothing is kept between documents.
 */
#include "domain/pdf_int.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PDF_MAX (8u << 20)

static cairo_status_t pdf_write(void *closure, const unsigned char *data, unsigned int len)
{
    md_pdf *o = closure;
    if (o->n + len > PDF_MAX) {
        o->failed = 1;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    if (o->n + len > o->cap) {
        size_t cap = (o->n + len) * 2;
        unsigned char *p = realloc(o->p, cap);
        if (!p) {
            o->failed = 1;
            return CAIRO_STATUS_NO_MEMORY;
        }
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->n, data, len);
    o->n += len;
    return CAIRO_STATUS_SUCCESS;
}

void md_pdf_begin(md_pdf *d, const char *title, const char *footer)
{
    memset(d, 0, sizeof *d);
    d->surf = cairo_pdf_surface_create_for_stream(pdf_write, d, MD_PDF_PAGE_W, MD_PDF_PAGE_H);
    cairo_pdf_surface_set_metadata(d->surf, CAIRO_PDF_METADATA_TITLE, title);
    cairo_pdf_surface_set_metadata(d->surf, CAIRO_PDF_METADATA_CREATOR, "Mesodesk");
    d->cr = cairo_create(d->surf);
    d->y = MD_PDF_MARGIN;
    d->page = 1;
    d->footer = footer;
    cairo_set_source_rgb(d->cr, 0, 0, 0);
}

static void footer(md_pdf *d)
{
    char text[160];
    snprintf(text, sizeof text, "%s  -  page %d", d->footer ? d->footer : "", d->page);
    PangoLayout *l = pango_cairo_create_layout(d->cr);
    PangoFontDescription *fd = pango_font_description_from_string("DejaVu Sans 7");
    pango_layout_set_font_description(l, fd);
    pango_layout_set_text(l, text, -1);
    cairo_move_to(d->cr, MD_PDF_MARGIN, MD_PDF_PAGE_H - MD_PDF_MARGIN);
    pango_cairo_show_layout(d->cr, l);
    pango_font_description_free(fd);
    g_object_unref(l);
}

void md_pdf_new_page(md_pdf *d)
{
    footer(d);
    cairo_show_page(d->cr);
    d->page++;
    d->y = MD_PDF_MARGIN;
}

void md_pdf_para(md_pdf *d, const char *text, const char *font, double after)
{
    PangoLayout *l = pango_cairo_create_layout(d->cr);
    PangoFontDescription *fd = pango_font_description_from_string(font);
    pango_layout_set_font_description(l, fd);
    pango_layout_set_width(l, (int)(MD_PDF_CONTENT_W * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_text(l, text && *text ? text : "-", -1);
    int n = pango_layout_get_line_count(l);
    for (int i = 0; i < n; i++) {
        PangoLayoutLine *line = pango_layout_get_line_readonly(l, i);
        PangoRectangle ink, logical;
        pango_layout_line_get_extents(line, &ink, &logical);
        double h = (double)logical.height / PANGO_SCALE;
        if (d->y + h > MD_PDF_BOTTOM) md_pdf_new_page(d);
        cairo_move_to(d->cr, MD_PDF_MARGIN, d->y - (double)logical.y / PANGO_SCALE);
        pango_cairo_show_layout_line(d->cr, line);
        d->y += h;
    }
    d->y += after;
    pango_font_description_free(fd);
    g_object_unref(l);
}

md_code md_pdf_end(md_pdf *d, md_arena *a, unsigned char **pdf, size_t *len, md_err *err)
{
    md_code rc = MD_OK;
    footer(d);
    cairo_show_page(d->cr);
    cairo_destroy(d->cr);
    cairo_surface_finish(d->surf);
    cairo_status_t st = cairo_surface_status(d->surf);
    cairo_surface_destroy(d->surf);
    if (st != CAIRO_STATUS_SUCCESS || d->failed)
        rc = md_err_set(err, MD_EIO, NULL, "the PDF could not be made (%s)",
                        cairo_status_to_string(st));
    else if (!(*pdf = md_arena_alloc(a, d->n)))
        rc = md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    if (rc == MD_OK) {
        memcpy(*pdf, d->p, d->n);
        *len = d->n;
    }
    free(d->p);
    d->p = NULL;
    return rc;
}
