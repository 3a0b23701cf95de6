/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One leveled logger for every userspace part. libbpf's own output is routed
 * through it one level lower (its warnings become our info), so a failed load
 * still says why without drowning normal runs.
 */
#ifndef MMS_LOG_H
#define MMS_LOG_H

enum mms_log_level { MMS_LOG_ERR, MMS_LOG_WARN, MMS_LOG_INFO, MMS_LOG_DEBUG };

void mms_log_set_level(enum mms_log_level l);
enum mms_log_level mms_log_get_level(void);
/* Prefix every line with this tag (the node name), or NULL. */
void mms_log_set_tag(const char *tag);
void mms_log(enum mms_log_level l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Route libbpf's print callback through mms_log. */
void mms_log_libbpf(void);

#define pr_err(...)	mms_log(MMS_LOG_ERR, __VA_ARGS__)
#define pr_warn(...)	mms_log(MMS_LOG_WARN, __VA_ARGS__)
#define pr_info(...)	mms_log(MMS_LOG_INFO, __VA_ARGS__)
#define pr_debug(...)	mms_log(MMS_LOG_DEBUG, __VA_ARGS__)

#endif
