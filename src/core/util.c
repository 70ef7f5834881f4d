#include "mesodesk/util.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Civil-from-days and days-from-civil: Howard Hinnant's proleptic Gregorian algorithms. */
md_day md_date_from_ymd(int y, int m, int d)
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (md_day)(era * 146097 + (int)doe - 719468);
}

void md_date_to_ymd(md_day z0, int *y, int *m, int *d)
{
    int z = z0 + 719468;
    const int era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return dm[m - 1];
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int md_date_parse(const char *s, md_day *out)
{
    int y, m, d;
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return -1;
    if (digits(s, 4, &y) || digits(s + 5, 2, &m) || digits(s + 8, 2, &d)) return -1;
    if (y < 1800 || y > 2999 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return -2;
    if (out) *out = md_date_from_ymd(y, m, d);
    return 0;
}

void md_date_format(md_day day, char out[MD_DATE_STR])
{
    int y, m, d;
    char buf[48];
    md_date_to_ymd(day, &y, &m, &d);
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", y % 10000, m, d);
    md_strlcpy(out, buf, MD_DATE_STR);
}

int md_age_years(md_day birth, md_day on)
{
    int by, bm, bd, oy, om, od;
    md_date_to_ymd(birth, &by, &bm, &bd);
    md_date_to_ymd(on, &oy, &om, &od);
    int age = oy - by;
    if (om < bm || (om == bm && od < bd)) age--;
    return age;
}

int64_t md_now(void)
{
    return (int64_t)time(NULL);
}

int64_t md_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

md_day md_today_utc(void)
{
    return (md_day)(md_now() / 86400);
}

void md_time_format(int64_t t, char out[MD_TIME_STR])
{
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t secs = t - days * 86400;
    int y, m, d;
    char buf[64];
    md_date_to_ymd((md_day)days, &y, &m, &d);
    snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", y % 10000, m, d,
             (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
    md_strlcpy(out, buf, MD_TIME_STR);
}

int md_time_parse(const char *s, int64_t *out)
{
    int hh, mm, ss;
    md_day day;
    char date[MD_DATE_STR];
    if (!s || strlen(s) != 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
        return -1;
    memcpy(date, s, 10);
    date[10] = '\0';
    if (md_date_parse(date, &day) != 0) return -1;
    if (digits(s + 11, 2, &hh) || digits(s + 14, 2, &mm) || digits(s + 17, 2, &ss)) return -1;
    if (hh > 23 || mm > 59 || ss > 60) return -1;
    *out = (int64_t)day * 86400 + hh * 3600 + mm * 60 + ss;
    return 0;
}

void md_id_new(char out[MD_ID_STR])
{
    unsigned char raw[16];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(out, MD_ID_STR, raw, sizeof raw);
}

int md_id_valid(const char *s)
{
    if (!s) return 0;
    size_t i = 0;
    for (; s[i]; i++) {
        if (i >= 32) return 0;
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    }
    return i == 32;
}

int md_init(void)
{
    return sodium_init() < 0 ? -1 : 0;
}

size_t md_strlcpy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    if (size) {
        size_t c = n < size - 1 ? n : size - 1;
        memcpy(dst, src, c);
        dst[c] = '\0';
    }
    return n;
}

int md_parse_long(const char *s, long min, long max, long *out)
{
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max) return -1;
    *out = v;
    return 0;
}
