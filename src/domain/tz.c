/*
 * tz.c - civil time in a clinic's IANA zone through libical and the system zoneinfo.
 *
 * Everything here reduces to one question libical answers well: the offset east of UTC in
 * force at a UTC instant (icaltimezone_get_utc_offset_of_utc_time).  A local wall-clock time L
 * (seconds as if it were UTC) maps to the instants u = L - o for the offsets o in force a day
 * before and a day after it; u is a real instant when the offset in force at u is o.
 *   - one candidate holds: the ordinary case;
 *   - two hold: the hour repeated when clocks go back; the earlier instant is taken;
 *   - none holds: the hour skipped when clocks go forward; refused (MD_EUNPROCESSABLE).
 * No zone in use changes its offset twice within a day, so the two probes see every change.
 *
 * Thread safety: libical's zone cache and its lazily expanded table of changes are shared,
 * so every call into libical holds tz_lock.  Zones are looked up once by name and kept in a
 * small table (libical owns them until the process exits).
 */
#include "mesodesk/tz.h"

#include "mesodesk/clinic.h"

#include <libical/ical.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define TZ_CACHE 32

static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char name[65];
    icaltimezone *zone;
} tz_cache[TZ_CACHE];
static int tz_cached;

/* The zone named name, or NULL; tz_lock held. */
static icaltimezone *zone_locked(const char *name)
{
    if (!name) return NULL;
    if (strcmp(name, "UTC") == 0) return icaltimezone_get_utc_timezone();
    for (int i = 0; i < tz_cached; i++)
        if (strcmp(tz_cache[i].name, name) == 0) return tz_cache[i].zone;
    if (!md_time_zone_valid(name)) return NULL; /* a file name: checked before libical opens it */
    icaltimezone *z = icaltimezone_get_builtin_timezone(name);
    if (z && tz_cached < TZ_CACHE) {
        md_strlcpy(tz_cache[tz_cached].name, name, sizeof tz_cache[tz_cached].name);
        tz_cache[tz_cached++].zone = z;
    }
    return z;
}

/* The offset in force at utc; tz_lock held. */
static int offset_locked(icaltimezone *z, int64_t utc)
{
    struct icaltimetype tt =
        icaltime_from_timet_with_zone((time_t)utc, 0, icaltimezone_get_utc_timezone());
    int dst = 0;
    return icaltimezone_get_utc_offset_of_utc_time(z, &tt, &dst);
}

/* The instants of local wall-clock time L in z: *n of them (0, 1 or 2) in u[], earliest first;
 * o_before, o_after the offsets a day either side.  tz_lock held. */
static void candidates_locked(icaltimezone *z, int64_t L, int64_t u[2], int *n, int *o_before,
                              int *o_after)
{
    *o_before = offset_locked(z, L - 86400);
    *o_after = offset_locked(z, L + 86400);
    int offs[2] = {*o_before, *o_after};
    *n = 0;
    for (int i = 0; i < 2; i++) {
        if (i == 1 && offs[1] == offs[0]) break;
        int64_t cand = L - offs[i];
        if (offset_locked(z, cand) == offs[i]) u[(*n)++] = cand;
    }
    if (*n == 2 && u[1] < u[0]) {
        int64_t t = u[0];
        u[0] = u[1];
        u[1] = t;
    }
}

/* "YYYY-MM-DDTHH:MM" or "...:SS" to seconds as if UTC; -1 when malformed or impossible. */
static int parse_local(const char *s, int64_t *out)
{
    size_t len = s ? strlen(s) : 0;
    if (len != 16 && len != 19) return -1;
    char date[MD_DATE_STR];
    memcpy(date, s, 10);
    date[10] = '\0';
    md_day day;
    if (md_date_parse(date, &day) != 0 || s[10] != 'T' || s[13] != ':') return -1;
    int v[3] = {0, 0, 0};
    for (int k = 0; k < (len == 19 ? 3 : 2); k++) {
        const char *p = s + 11 + 3 * k;
        if (k > 0 && p[-1] != ':') return -1;
        if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9') return -1;
        v[k] = (p[0] - '0') * 10 + (p[1] - '0');
    }
    if (v[0] > 23 || v[1] > 59 || v[2] > 59) return -1;
    *out = (int64_t)day * 86400 + v[0] * 3600 + v[1] * 60 + v[2];
    return 0;
}

static void offset_text(int off, char out[8])
{
    int a = off < 0 ? -off : off;
    snprintf(out, 8, "%c%02d:%02d", off < 0 ? '-' : '+', (a / 3600) % 100, (a / 60) % 60);
}

md_code md_tz_local_to_utc(const char *zone, const char *local, int64_t *utc, const char *field,
                           md_err *err)
{
    int64_t L;
    if (parse_local(local, &L) != 0)
        return md_err_set(err, MD_EINVAL, field,
                          "%s must be a local time YYYY-MM-DDTHH:MM (or with :SS), with no offset",
                          field);
    pthread_mutex_lock(&tz_lock);
    icaltimezone *z = zone_locked(zone);
    int64_t u[2];
    int n = 0, ob = 0, oa = 0;
    if (z) candidates_locked(z, L, u, &n, &ob, &oa);
    pthread_mutex_unlock(&tz_lock);
    if (!z) return md_err_set(err, MD_EINVAL, field, "unknown time zone '%s'", zone ? zone : "");
    if (n == 0) {
        char from[8], to[8];
        offset_text(ob, from);
        offset_text(oa, to);
        return md_err_set(err, MD_EUNPROCESSABLE, field,
                          "%s does not exist in %s: the clocks go forward from UTC%s to UTC%s and "
                          "skip %d minutes",
                          local, zone, from, to, (oa - ob) / 60);
    }
    *utc = u[0];
    return MD_OK;
}

int md_tz_from_utc(const char *zone, int64_t utc, char out[MD_LOCAL_STR], int *offset_s)
{
    pthread_mutex_lock(&tz_lock);
    icaltimezone *z = zone_locked(zone);
    int off = z ? offset_locked(z, utc) : 0;
    pthread_mutex_unlock(&tz_lock);
    if (!z) return -1;
    int64_t L = utc + off;
    int64_t d = L >= 0 ? L / 86400 : (L - 86399) / 86400;
    int64_t sec = L - d * 86400;
    char date[MD_DATE_STR], o[8];
    md_date_format((md_day)d, date);
    offset_text(off, o);
    char text[64];
    snprintf(text, sizeof text, "%sT%02d:%02d:%02d%s", date, (int)(sec / 3600),
             (int)(sec / 60 % 60), (int)(sec % 60), o);
    md_strlcpy(out, text, MD_LOCAL_STR);
    if (offset_s) *offset_s = off;
    return 0;
}

int md_tz_day(const char *zone, int64_t utc, md_day *day)
{
    pthread_mutex_lock(&tz_lock);
    icaltimezone *z = zone_locked(zone);
    int off = z ? offset_locked(z, utc) : 0;
    pthread_mutex_unlock(&tz_lock);
    if (!z) return -1;
    int64_t L = utc + off;
    *day = (md_day)(L >= 0 ? L / 86400 : (L - 86399) / 86400);
    return 0;
}

int md_tz_day_start(const char *zone, md_day day, int64_t *utc)
{
    int64_t L = (int64_t)day * 86400;
    pthread_mutex_lock(&tz_lock);
    icaltimezone *z = zone_locked(zone);
    int64_t u[2];
    int n = 0, ob = 0, oa = 0;
    if (z) {
        candidates_locked(z, L, u, &n, &ob, &oa);
        if (n == 0) {
            /* Midnight skipped: the day starts at the change, the first instant whose offset
             * is the later one, between L - oa and L - ob. */
            int64_t lo = L - oa, hi = L - ob;
            while (lo < hi) {
                int64_t mid = lo + (hi - lo) / 2;
                if (offset_locked(z, mid) == oa)
                    hi = mid;
                else
                    lo = mid + 1;
            }
            u[0] = lo;
        }
    }
    pthread_mutex_unlock(&tz_lock);
    if (!z) return -1;
    *utc = u[0];
    return 0;
}
