#!/bin/sh
# zwgk's nightly crawl for machines without systemd: deploy/zwgk-crawl.cron runs it at 01:30 as
# user zwgk. It does what zwgk-crawl.service and zwgk-alert@.service do together:
# - one --jobdir per Beijing date (a run stopped tonight resumes when started again the same
#   day), the crawl's output appended to the log file with a dated header;
# - tonight's job folder removed once the run ended (exit 0 finished, 4 degraded), kept after
#   an interruption (1) and never touched when another crawl holds the lock (3); folders older
#   than 7 days removed in any case;
# - silent when the crawl finished; otherwise the alert text and the log's tail on stdout, which
#   cron mails to MAILTO, and the e-mail/webhook of /etc/zwgk/alert.env if that file exists.
# The store and the registry come from zwgk.toml ($ZWGK_CONFIG, set in the cron file).
# Exits with the crawl's exit status. Paths can be changed with the variables below.
set -u
ZWGK_BIN=${ZWGK_BIN:-/opt/zwgk/venv/bin/zwgk}
ZWGK_PYTHON=${ZWGK_PYTHON:-/opt/zwgk/venv/bin/python}
ZWGK_ALERT=${ZWGK_ALERT:-/opt/zwgk/deploy/zwgk_alert.py}
ZWGK_ALERT_ENV=${ZWGK_ALERT_ENV:-/etc/zwgk/alert.env}
ZWGK_STATE=${ZWGK_STATE:-/var/lib/zwgk}
ZWGK_LOG=${ZWGK_LOG:-/var/log/zwgk/crawl.log}

jobs="$ZWGK_STATE/jobs"
job="$jobs/$(TZ=Asia/Shanghai date +%F)"
mkdir -p "$jobs" || exit 2
echo "=== $(TZ=Asia/Shanghai date '+%F %T') Beijing: zwgk crawl --jobdir $job" >> "$ZWGK_LOG" || exit 2

nice -n 10 ionice -c 3 "$ZWGK_BIN" crawl --quiet --jobdir "$job" \
  >> "$ZWGK_LOG" 2>&1
status=$?
echo "=== $(TZ=Asia/Shanghai date '+%F %T') Beijing: exit $status" >> "$ZWGK_LOG"

case $status in
  0|4) rm -rf "$job" ;;
esac
find "$jobs" -mindepth 1 -maxdepth 1 -mtime +7 -exec rm -rf {} +

if [ "$status" -ne 0 ]; then
  "$ZWGK_PYTHON" "$ZWGK_ALERT" --print --exit-status "$status" --log-file "$ZWGK_LOG" zwgk-crawl.cron
  if [ -e "$ZWGK_ALERT_ENV" ]; then
    "$ZWGK_PYTHON" "$ZWGK_ALERT" --config "$ZWGK_ALERT_ENV" --exit-status "$status" \
      --log-file "$ZWGK_LOG" zwgk-crawl.cron
  fi
fi
exit "$status"
