#!/usr/bin/env python3
"""Example local service: sends seekers their meeting notices (Art. 4(2)).

Consumes soudand's events as a named consumer and writes one notice per
consultation.scheduled, consultation.rescheduled, consultation.cancelled and
consultation.no_show into a spool directory (where a mailer or SMS gateway
would pick them up). At least once, and idempotent: a notice is named after
its event's seq and written atomically, so a redelivered event (after a crash
of this service or of the daemon) rewrites nothing. The position is
acknowledged only after the notices are on disk.

    notifier.py --socket var/soudan.sock --spool var/notices
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from soudan_client import ConnectionLost, SoudanClient  # noqa: E402

NOTICE_TYPES = {
    "consultation.scheduled": "オンライン職業相談のご予約が確定しました",
    "consultation.rescheduled": "オンライン職業相談の日時が変更されました",
    "consultation.cancelled": "オンライン職業相談の予約が取り消されました",
    "consultation.no_show": "ご連絡がないまま開始時刻から10分が過ぎたため、相談は取消となりました",
}


def notice(event):
    data = event["data"]
    lines = [NOTICE_TYPES[event["type"]], "", "相談番号: %s" % data.get("consultation_id")]
    if data.get("start"):
        lines.append("日時: %s – %s" % (data["start"], data.get("end", "")))
    meeting = data.get("meeting")
    if meeting and event["type"] in ("consultation.scheduled", "consultation.rescheduled"):
        lines += ["Zoom: %s" % meeting["join_url"], "ミーティングID: %s" % meeting["meeting_id"], "パスコード: %s" % meeting["passcode"]]
    return {"seq": event["seq"], "type": event["type"], "seeker_no": data.get("seeker_no"), "text": "\n".join(lines)}


def write_notice(spool, event):
    path = os.path.join(spool, "%010d-%s.json" % (event["seq"], event["type"]))
    if os.path.exists(path):
        return False  # delivered before the last acknowledgement was lost
    partial = path + ".partial"
    with open(partial, "w", encoding="utf-8") as f:
        json.dump(notice(event), f, ensure_ascii=False, indent=2)
        f.flush()
        os.fsync(f.fileno())
    os.rename(partial, path)
    return True


def run(args):
    os.makedirs(args.spool, exist_ok=True)
    client = SoudanClient(args.socket, timeout=args.wait_ms / 1000 + 10)
    backoff = 0.1
    while True:
        try:
            events = client.call("events.fetch", {"consumer": args.consumer, "max": 100, "wait_ms": args.wait_ms})["events"]
            for event in events:
                if event["type"] in NOTICE_TYPES and write_notice(args.spool, event):
                    print("notice %d %s" % (event["seq"], event["type"]), flush=True)
            if events:
                client.call("events.ack", {"consumer": args.consumer, "seq": events[-1]["seq"]})
            elif args.once:
                return 0
            backoff = 0.1
        except (ConnectionLost, OSError) as e:
            # The daemon restarted or is down: what was not acknowledged comes again.
            print("notifier: daemon unreachable (%s); retrying" % e, file=sys.stderr, flush=True)
            time.sleep(backoff)
            backoff = min(backoff * 2, 5.0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", default="var/soudan.sock")
    parser.add_argument("--spool", default="var/notices")
    parser.add_argument("--consumer", default="notifier")
    parser.add_argument("--wait-ms", type=int, default=25000)
    parser.add_argument("--once", action="store_true", help="exit when no event is waiting")
    try:
        return run(parser.parse_args())
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
