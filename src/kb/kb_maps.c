/*
 * kb_maps.c - kb/body_maps.json: the body maps a session is charted on (chart.h), loaded and
 * checked with the rest of the kb (kb_load.c calls kb_maps_parse after the vocabulary).
 *
 * A map ("face_front", "neck", "body_back"...) has its own coordinates: width x height, the
 * origin top left, x to the right and y down.  Each zone is a simple polygon in those
 * coordinates and belongs to one kb area (vocabulary "areas").  A point is charted in a
 * zone when it lies inside the map and inside (or on the edge of) the zone's polygon
 * (even-odd rule).  The facial depth limit applies to every zone whose area is one of the
 * limit's "areas" or part of one (vocabulary part_of, followed up).
 *
 * Checks, reported as "kb/body_maps.json:<path>": known keys only; every map, zone and the
 * depth limit with sources from sources.json; map ids and zone codes [a-z0-9_], unique (zones
 * within their map); width and height 1..10000; a view among front, left, right, back, top;
 * 3..64 polygon points, each [x, y] inside the map, enclosing a non-zero area; the zone's
 * area a canonical vocabulary area code (not a synonym); the limit 0 < mm <= 10.
 * State: everything lives in the kb's arena; read-only once loaded.
 */
#include <math.h>
#include <string.h>

#include "kb/kb_int.h"
#include "mesodesk/chart.h"

#define MAPS_MAX 16
#define ZONES_MAX 32
#define POINTS_MAX 64
#define LIMIT_AREAS_MAX 8
#define MAP_SIDE_MAX 10000

typedef struct kb_zone {
    const char *code, *label, *area;
    int area_id;
    int facial; /* the facial depth limit applies */
    double *xy; /* n points, x then y */
    size_t n;
    const char **src;
    size_t n_src;
} kb_zone;

struct md_body_map {
    const char *id, *label, *view, *note;
    long width, height;
    const char **src;
    size_t n_src;
    kb_zone zones[ZONES_MAX];
    size_t n_zones;
};

struct kb_maps {
    md_body_map maps[MAPS_MAX];
    size_t n;
    md_depth_limit facial;
    const char *facial_note;
    int facial_areas[LIMIT_AREAS_MAX];
    size_t n_facial_areas;
};

static const char *const views[] = {"front", "left", "right", "back", "top", NULL};

/* A canonical area code of the vocabulary (a synonym is refused: maps name areas exactly);
 * v the JSON string at path f. */
static md_code area_of(md_kb *kb, const json_t *v, const char *f, int *id, md_err *err)
{
    if (!v) return md_err_set(err, MD_EINVAL, f, "%s: required", f);
    if (!json_is_string(v)) return md_err_set(err, MD_EINVAL, f, "%s: expected an area code", f);
    const char *typed = json_string_value(v);
    md_code rc = kb_vocab_resolve(kb, MD_VOCAB_AREA, typed, f, MD_EINVAL, id, err);
    if (rc) return rc;
    if (strcmp(kb->vocab[MD_VOCAB_AREA].e[*id].code, typed) != 0)
        return md_err_set(err, MD_EINVAL, f, "%s: '%s' is a synonym: write the area code '%s'", f,
                          typed, kb->vocab[MD_VOCAB_AREA].e[*id].code);
    return MD_OK;
}

/* Is area id `a` the area `anc` or part of it (part_of followed up)? */
static int area_in(const md_kb *kb, int a, int anc)
{
    const kb_vocab *v = &kb->vocab[MD_VOCAB_AREA];
    for (int depth = 0; a >= 0 && (size_t)a < v->n && depth < KB_MAX_IDS; depth++) {
        if (a == anc) return 1;
        a = v->e[a].parent;
    }
    return 0;
}

/* Twice the signed area of a polygon (shoelace). */
static double area2(const double *xy, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = (i + 1) % n;
        s += xy[2 * i] * xy[2 * k + 1] - xy[2 * k] * xy[2 * i + 1];
    }
    return s;
}

static md_code parse_polygon(md_kb *kb, const md_body_map *m, const json_t *zj, const char *zp,
                             kb_zone *z, md_err *err)
{
    const json_t *arr = NULL;
    char pp[KB_PATH_MAX], ip[KB_PATH_MAX];
    md_code rc = kj_array(zj, "polygon", zp, 1, POINTS_MAX, &arr, err);
    if (rc) return rc;
    kj_key(pp, zp, "polygon");
    if (json_array_size(arr) < 3)
        return md_err_set(err, MD_EINVAL, pp, "%s: a polygon has at least 3 points", pp);
    z->n = json_array_size(arr);
    z->xy = md_arena_calloc(kb->arena, 2 * z->n * sizeof *z->xy);
    if (!z->xy) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < z->n; i++) {
        const json_t *p = json_array_get(arr, i);
        kj_index(ip, pp, i);
        if (!json_is_array(p) || json_array_size(p) != 2 || !json_is_number(json_array_get(p, 0)) ||
            !json_is_number(json_array_get(p, 1)))
            return md_err_set(err, MD_EINVAL, ip, "%s: a point is [x, y]", ip);
        double x = json_number_value(json_array_get(p, 0)),
               y = json_number_value(json_array_get(p, 1));
        if (x < 0 || y < 0 || x > (double)m->width || y > (double)m->height)
            return md_err_set(err, MD_EINVAL, ip, "%s: outside the map (%ld x %ld)", ip, m->width,
                              m->height);
        z->xy[2 * i] = x, z->xy[2 * i + 1] = y;
    }
    if (fabs(area2(z->xy, z->n)) < 1e-9)
        return md_err_set(err, MD_EINVAL, pp, "%s: the polygon encloses no area", pp);
    return MD_OK;
}

static md_code parse_zone(md_kb *kb, struct kb_maps *km, md_body_map *m, const json_t *zj,
                          const char *zp, kb_zone *z, md_err *err)
{
    static const char *const keys[] = {"code", "label", "area", "polygon", "sources", NULL};
    char ap[KB_PATH_MAX];
    md_code rc;
    kj_key(ap, zp, "area");
    if ((rc = kj_object(zj, zp, keys, err)) ||
        (rc = kb_code_field(kb, zj, "code", zp, &z->code, err)) ||
        (rc = kj_string_copy(kb->arena, zj, "label", zp, 1, &z->label, err)) ||
        (rc = area_of(kb, json_object_get(zj, "area"), ap, &z->area_id, err)) ||
        (rc = parse_polygon(kb, m, zj, zp, z, err)) ||
        (rc = kb_sources_parse(kb, kb->arena, zj, zp, 0, &z->src, &z->n_src, err)))
        return rc;
    z->area = kb->vocab[MD_VOCAB_AREA].e[z->area_id].code;
    for (size_t i = 0; i < km->n_facial_areas; i++)
        if (area_in(kb, z->area_id, km->facial_areas[i])) z->facial = 1;
    return MD_OK;
}

static md_code parse_map(md_kb *kb, struct kb_maps *km, const json_t *mj, const char *ep,
                         md_body_map *m, md_err *err)
{
    static const char *const keys[] = {"id",   "label",   "width", "height", "view",
                                       "note", "sources", "zones", NULL};
    const json_t *zones = NULL;
    char zp[KB_PATH_MAX], ip[KB_PATH_MAX], f[KB_PATH_MAX];
    md_code rc;
    if ((rc = kj_object(mj, ep, keys, err)) ||
        (rc = kb_code_field(kb, mj, "id", ep, &m->id, err)) ||
        (rc = kj_string_copy(kb->arena, mj, "label", ep, 1, &m->label, err)) ||
        (rc = kj_int(mj, "width", ep, 1, 1, MAP_SIDE_MAX, &m->width, NULL, err)) ||
        (rc = kj_int(mj, "height", ep, 1, 1, MAP_SIDE_MAX, &m->height, NULL, err)) ||
        (rc = kj_string_copy(kb->arena, mj, "view", ep, 1, &m->view, err)) ||
        (rc = kj_string_copy(kb->arena, mj, "note", ep, 0, &m->note, err)) ||
        (rc = kb_sources_parse(kb, kb->arena, mj, ep, 0, &m->src, &m->n_src, err)) ||
        (rc = kj_array(mj, "zones", ep, 1, ZONES_MAX, &zones, err)))
        return rc;
    kj_key(f, ep, "view");
    if ((rc = kj_enum(m->view, f, views, err))) return rc;
    kj_key(zp, ep, "zones");
    if (json_array_size(zones) == 0) return md_err_set(err, MD_EINVAL, zp, "%s: at least one", zp);
    for (size_t i = 0; i < json_array_size(zones); i++) {
        kb_zone *z = &m->zones[i];
        kj_index(ip, zp, i);
        if ((rc = parse_zone(kb, km, m, json_array_get(zones, i), ip, z, err))) return rc;
        for (size_t k = 0; k < i; k++)
            if (strcmp(m->zones[k].code, z->code) == 0)
                return md_err_set(err, MD_EINVAL, ip, "%s: duplicate zone '%s' in map '%s'", ip,
                                  z->code, m->id);
        m->n_zones = i + 1;
    }
    return MD_OK;
}

static md_code parse_limit(md_kb *kb, struct kb_maps *km, const json_t *doc, const char *fp,
                           md_err *err)
{
    static const char *const keys[] = {"value", "areas", "note", "sources", NULL};
    const json_t *areas = NULL;
    char lp[KB_PATH_MAX], ap[KB_PATH_MAX], ip[KB_PATH_MAX], vp[KB_PATH_MAX];
    const json_t *o = json_object_get(doc, "facial_depth_max_mm");
    kj_key(lp, fp, "facial_depth_max_mm");
    if (!o) return md_err_set(err, MD_EINVAL, lp, "%s: required", lp);
    md_code rc = kj_object(o, lp, keys, err);
    if (rc) return rc;
    kj_key(vp, lp, "value");
    const json_t *v = json_object_get(o, "value");
    if (!json_is_number(v) || json_number_value(v) <= 0 || json_number_value(v) > 10)
        return md_err_set(err, MD_EINVAL, vp, "%s: a number of mm, 0 < value <= 10", vp);
    km->facial.max_mm = json_number_value(v);
    if ((rc = kj_string_copy(kb->arena, o, "note", lp, 0, &km->facial_note, err)) ||
        (rc = kb_sources_parse(kb, kb->arena, o, lp, 0, &km->facial.sources, &km->facial.n_sources,
                               err)) ||
        (rc = kj_array(o, "areas", lp, 1, LIMIT_AREAS_MAX, &areas, err)))
        return rc;
    kj_key(ap, lp, "areas");
    if (json_array_size(areas) == 0) return md_err_set(err, MD_EINVAL, ap, "%s: at least one", ap);
    for (size_t i = 0; i < json_array_size(areas); i++) {
        kj_index(ip, ap, i);
        if ((rc = area_of(kb, json_array_get(areas, i), ip, &km->facial_areas[i], err))) return rc;
        km->n_facial_areas = i + 1;
    }
    return MD_OK;
}

md_code kb_maps_parse(md_kb *kb, const json_t *doc, const char *fp, md_err *err)
{
    static const char *const top[] = {"facial_depth_max_mm", "maps", NULL};
    const json_t *maps = NULL;
    char sp[KB_PATH_MAX], ep[KB_PATH_MAX];
    struct kb_maps *km = md_arena_calloc(kb->arena, sizeof *km);
    if (!km) return md_err_set(err, MD_ENOMEM, NULL, "out of memory");
    md_code rc = kj_object(doc, "kb/body_maps.json", top, err);
    if (rc || (rc = parse_limit(kb, km, doc, fp, err)) ||
        (rc = kj_array(doc, "maps", fp, 1, MAPS_MAX, &maps, err)))
        return rc;
    kj_key(sp, fp, "maps");
    if (json_array_size(maps) == 0) return md_err_set(err, MD_EINVAL, sp, "%s: at least one", sp);
    for (size_t i = 0; i < json_array_size(maps); i++) {
        md_body_map *m = &km->maps[i];
        kj_index(ep, sp, i);
        if ((rc = parse_map(kb, km, json_array_get(maps, i), ep, m, err))) return rc;
        for (size_t k = 0; k < i; k++)
            if (strcmp(km->maps[k].id, m->id) == 0)
                return md_err_set(err, MD_EINVAL, ep, "%s: duplicate map '%s'", ep, m->id);
        km->n = i + 1;
    }
    kb->maps = km;
    return MD_OK;
}

/* ---- reads ------------------------------------------------------------------------- */

const md_body_map *md_kb_map_find(const md_kb *kb, const char *id)
{
    if (!kb || !kb->maps || !id) return NULL;
    for (size_t i = 0; i < kb->maps->n; i++)
        if (strcmp(kb->maps->maps[i].id, id) == 0) return &kb->maps->maps[i];
    return NULL;
}

static const kb_zone *zone_find(const md_body_map *m, const char *zone)
{
    for (size_t i = 0; m && zone && i < m->n_zones; i++)
        if (strcmp(m->zones[i].code, zone) == 0) return &m->zones[i];
    return NULL;
}

/* On the segment a-b (within a small tolerance)? */
static int on_segment(double px, double py, double ax, double ay, double bx, double by)
{
    double cross = (bx - ax) * (py - ay) - (by - ay) * (px - ax);
    double len = hypot(bx - ax, by - ay);
    if (fabs(cross) > 1e-9 * (len > 1 ? len : 1)) return 0;
    return px >= fmin(ax, bx) - 1e-9 && px <= fmax(ax, bx) + 1e-9 && py >= fmin(ay, by) - 1e-9 &&
           py <= fmax(ay, by) + 1e-9;
}

int md_polygon_contains(const double *xy, size_t n, double x, double y)
{
    int inside = 0;
    if (!isfinite(x) || !isfinite(y)) return 0;
    for (size_t i = 0, j = n - 1; i < n; j = i++) {
        double xi = xy[2 * i], yi = xy[2 * i + 1], xj = xy[2 * j], yj = xy[2 * j + 1];
        if (on_segment(x, y, xi, yi, xj, yj)) return 1;
        if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
}

const char *md_body_map_zone_area(const md_body_map *m, const char *zone, double x, double y,
                                  const char **why)
{
    const char *dummy;
    if (!why) why = &dummy;
    *why = NULL;
    if (!m) return *why = "unknown map", NULL;
    const kb_zone *z = zone_find(m, zone);
    if (!z) return *why = "unknown zone", NULL;
    if (!isfinite(x) || !isfinite(y) || x < 0 || y < 0 || x > (double)m->width ||
        y > (double)m->height)
        return *why = "outside the map", NULL;
    if (!md_polygon_contains(z->xy, z->n, x, y)) return *why = "outside the zone", NULL;
    return z->area;
}

int md_body_map_zone_facial(const md_body_map *m, const char *zone)
{
    const kb_zone *z = zone_find(m, zone);
    return z ? z->facial : 0;
}

const char *md_body_map_id(const md_body_map *m)
{
    return m ? m->id : NULL;
}

const md_depth_limit *md_kb_facial_depth_limit(const md_kb *kb)
{
    return kb && kb->maps ? &kb->maps->facial : NULL;
}

int md_kb_area_within(const md_kb *kb, const char *area, const char *ancestor)
{
    if (!kb || !area || !ancestor) return 0;
    int a = kb_vocab_find(&kb->vocab[MD_VOCAB_AREA], area);
    int b = kb_vocab_find(&kb->vocab[MD_VOCAB_AREA], ancestor);
    return a >= 0 && b >= 0 && area_in(kb, a, b);
}

static json_t *zone_json(const kb_zone *z)
{
    json_t *poly = json_array();
    for (size_t i = 0; poly && i < z->n; i++)
        json_array_append_new(poly, json_pack("[f,f]", z->xy[2 * i], z->xy[2 * i + 1]));
    return json_pack("{s:s,s:s,s:s,s:b,s:o,s:o}", "code", z->code, "label", z->label, "area",
                     z->area, "facial", z->facial, "polygon", poly, "sources",
                     kb_strings_json(z->src, z->n_src));
}

json_t *md_kb_maps_json(const md_kb *kb)
{
    if (!kb || !kb->maps) return json_pack("{s:[],s:n}", "maps", "facial_depth_max_mm");
    const struct kb_maps *km = kb->maps;
    json_t *maps = json_array(), *areas = json_array();
    for (size_t i = 0; areas && i < km->n_facial_areas; i++)
        json_array_append_new(areas,
                              json_string(kb->vocab[MD_VOCAB_AREA].e[km->facial_areas[i]].code));
    for (size_t i = 0; maps && i < km->n; i++) {
        const md_body_map *m = &km->maps[i];
        json_t *zones = json_array();
        for (size_t k = 0; zones && k < m->n_zones; k++)
            json_array_append_new(zones, zone_json(&m->zones[k]));
        json_array_append_new(maps, json_pack("{s:s,s:s,s:s,s:s?,s:i,s:i,s:o,s:o}", "id", m->id,
                                              "label", m->label, "view", m->view, "note", m->note,
                                              "width", (json_int_t)m->width, "height",
                                              (json_int_t)m->height, "sources",
                                              kb_strings_json(m->src, m->n_src), "zones", zones));
    }
    return json_pack("{s:o,s:{s:f,s:o,s:s?,s:o}}", "maps", maps, "facial_depth_max_mm", "value",
                     km->facial.max_mm, "areas", areas, "note", km->facial_note, "sources",
                     kb_strings_json(km->facial.sources, km->facial.n_sources));
}
