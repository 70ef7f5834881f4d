/*
 * log.h - structured logging to stderr.
 *
 * One line per event: "2026-11-21T09:30:00Z INFO event key=value ..." in text
 * mode, or a JSON object per line ({"ts","level","event",...}) with
 * --log-format json.  Thread-safe (one write(2) per line).  Logging is the only
 * output the library makes, and only to stderr.
 */
#ifndef MESODESK_LOG_H
#define MESODESK_LOG_H

typedef enum md_log_level { MD_LOG_DEBUG, MD_LOG_INFO, MD_LOG_WARN, MD_LOG_ERROR } md_log_level;
typedef enum md_log_format { MD_LOG_TEXT, MD_LOG_JSON } md_log_format;

void md_log_configure(md_log_format format, md_log_level min_level);
/* Parse "text"/"json"; returns 0 on success, -1 if unknown. */
int md_log_format_parse(const char *s, md_log_format *out);

/* Log an event.  kv is a NULL-terminated list of key, value string pairs. */
void md_log_kv(md_log_level level, const char *event, const char *const *kv);
/* Log an event with a formatted free-text "msg". */
void md_log(md_log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
