#include "mesodesk/log.h"
#include "mesodesk/sbuf.h"
#include "mesodesk/util.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static md_log_format log_format = MD_LOG_TEXT;
static md_log_level log_min = MD_LOG_INFO;

static const char *level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void md_log_configure(md_log_format format, md_log_level min_level)
{
    log_format = format;
    log_min = min_level;
}

int md_log_format_parse(const char *s, md_log_format *out)
{
    if (strcmp(s, "text") == 0) {
        *out = MD_LOG_TEXT;
        return 0;
    }
    if (strcmp(s, "json") == 0) {
        *out = MD_LOG_JSON;
        return 0;
    }
    return -1;
}

static void emit(const char *line, size_t n)
{
    /* One write per line keeps lines from concurrent threads whole. */
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w;
}

void md_log_kv(md_log_level level, const char *event, const char *const *kv)
{
    if (level < log_min) return;
    char ts[MD_TIME_STR];
    md_time_format(md_now(), ts);
    char buf[4096];
    if (log_format == MD_LOG_JSON) {
        json_t *o = json_object();
        json_object_set_new(o, "ts", json_string(ts));
        json_object_set_new(o, "level", json_string(level_names[level]));
        json_object_set_new(o, "event", json_string(event));
        for (size_t i = 0; kv && kv[i] && kv[i + 1]; i += 2)
            json_object_set_new(o, kv[i], json_string(kv[i + 1]));
        char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
        json_decref(o);
        if (!s) return;
        int n = snprintf(buf, sizeof buf, "%s\n", s);
        free(s);
        if (n > 0) emit(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
        return;
    }
    /* Room is kept for the line's end: " (cut)" when a pair did not fit, and "\n". */
    static const char cut[] = " (cut)";
    md_sbuf b;
    md_sbuf_init(&b, buf, sizeof buf - sizeof cut);
    md_sbuf_appendf(&b, "%s %s %s", ts, level_names[level], event);
    for (size_t i = 0; kv && kv[i] && kv[i + 1]; i += 2) {
        const char *v = kv[i + 1];
        int quote = strchr(v, ' ') != NULL || *v == '\0';
        md_sbuf_appendf(&b, quote ? " %s=\"%s\"" : " %s=%s", kv[i], v);
    }
    size_t off = b.len;
    if (!md_sbuf_ok(&b)) {
        memcpy(buf + off, cut, sizeof cut - 1);
        off += sizeof cut - 1;
    }
    buf[off++] = '\n';
    emit(buf, off);
}

void md_log(md_log_level level, const char *event, const char *fmt, ...)
{
    if (level < log_min) return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *kv[] = {"msg", msg, NULL};
    md_log_kv(level, event, kv);
}
