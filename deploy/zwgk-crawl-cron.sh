#!/bin/sh
# zwgk's nightly crawl for machines without systemd: deploy/zwgk-crawl.cron runs it at 01:30 as
# user zwgk. It does what zwgk-crawl.service and zwgk-alert@.service do together:
# - one --jobdir per Beijing date (a run stopped tonight resumes when started again the same
#   day), the crawl's output appended to the log file with a dated header;
# - tonight's job folder removed once the run ended (exit 0 finished, 4 degraded), kept after
#   an interruption (1) and never touched when another crawl holds the lock (3); folders older
#   than 7 days removed in any case;
# - the daily patrol (zwgk patrol, docs/patrol.md) after a run that ended (exit 0 finished, 4
#   degraded: its unread units are not judged), as zwgk-patrol.service does after the crawl
#   service; not after any other exit (nothing new to judge); its output in the same log;
# - silent when the crawl finished and the patrol succeeded; otherwise, for each that did not,
#   the alert text and the log's tail on stdout, which cron mails to MAILTO, and the
#   e-mail/webhook of /etc/zwgk/alert.env if that file exists (zwgk-crawl.cron, zwgk-patrol.cron).
# The store, the registry and the patrol's [patrol] come from zwgk.toml ($ZWGK_CONFIG, set in
# the cron file).
# Exits with the crawl's exit status when it is not 0, else with the patrol's: a failed patrol
# after a finished crawl is not a quiet night. Paths can be changed with the variables below.
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

alert() {  # unit, exit status
  "$ZWGK_PYTHON" "$ZWGK_ALERT" --print --exit-status "$2" --log-file "$ZWGK_LOG" "$1"
  if [ -e "$ZWGK_ALERT_ENV" ]; then
    "$ZWGK_PYTHON" "$ZWGK_ALERT" --config "$ZWGK_ALERT_ENV" --exit-status "$2" \
      --log-file "$ZWGK_LOG" "$1"
  fi
}

if [ "$status" -ne 0 ]; then
  alert zwgk-crawl.cron "$status"
fi

case $status in
  0|4)
    echo "=== $(TZ=Asia/Shanghai date '+%F %T') Beijing: zwgk patrol" >> "$ZWGK_LOG"
    nice -n 10 ionice -c 3 "$ZWGK_BIN" patrol >> "$ZWGK_LOG" 2>&1
    patrol=$?
    echo "=== $(TZ=Asia/Shanghai date '+%F %T') Beijing: patrol exit $patrol" >> "$ZWGK_LOG"
    if [ "$patrol" -ne 0 ]; then
      alert zwgk-patrol.cron "$patrol"
      if [ "$status" -eq 0 ]; then
        status=$patrol
      fi
    fi
    ;;
esac
exit "$status"
