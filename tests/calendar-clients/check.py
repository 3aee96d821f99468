#!/usr/bin/env python3
"""Check Convene's iCalendar feeds with third-party parsers.

Parses every NAME.ics in a directory with `icalendar`, expands recurrences with
`recurring-ical-events`, and compares the result with NAME.expect.json (see
README.md in this folder for the format).

Usage: python check.py DIR
Exit status: 0 if every check passed, 1 if any failed, 2 on a usage error.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import recurring_ical_events
from dateutil import rrule as du_rrule

UTC = dt.timezone.utc
MAX_OCTETS = 75
MAX_FORMAT_REPORTS = 10
LABEL = "icalendar + recurring-ical-events"


class Report:
    """Collects mismatches per check item and prints them."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def item(self, file: str, subject: str) -> "Item":
        return Item(self, file, subject)


class Item:
    """One counted check (a file's format, a calendar, or one expected event)."""

    def __init__(self, report: Report, file: str, subject: str) -> None:
        self.report = report
        self.file = file
        self.subject = subject
        self.mismatches = 0

    def fail(self, field: str, expected, actual, note: str = "") -> None:
        self.mismatches += 1
        line = (
            f"FAIL {self.file} {self.subject} field={field}\n"
            f"     expected: {fmt(expected)}\n"
            f"     actual:   {fmt(actual)}"
        )
        if note:
            line += f"\n     note:     {note}"
        print(line)

    def __enter__(self) -> "Item":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is not None:
            self.fail("exception", "no error", f"{exc_type.__name__}: {exc}")
        if self.mismatches:
            self.report.failed += 1
        else:
            self.report.passed += 1
        return True  # an exception is reported as a mismatch, not raised


class Raw(str):
    """Text printed as is (not JSON-quoted) in a report."""


def fmt(value) -> str:
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return "[\n" + "".join(f"       {json.dumps(v, ensure_ascii=False)}\n" for v in value) + "     ]"
    if isinstance(value, (dict, list, str)) or value is None:
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# --------------------------------------------------------------------------- file format


def check_format(raw: bytes, item: Item) -> None:
    """CRLF line endings, <= 75 octets per line, folding never splits UTF-8."""
    problems: dict[str, list[str]] = {}

    def add(kind: str, text: str) -> None:
        problems.setdefault(kind, []).append(text)

    if not raw:
        item.fail("format", "a non-empty file", "an empty file")
        return
    if raw.startswith(b"\xef\xbb\xbf"):
        add("bom", "file starts with a UTF-8 byte order mark")
    if not raw.endswith(b"\r\n"):
        add("final-crlf", "last line does not end with CRLF")
    lines = raw.split(b"\r\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        if b"\n" in line or b"\r" in line:
            add("line-ending", f"line {number}: bare LF or CR inside the line (lines must end with CRLF)")
        if len(line) > MAX_OCTETS:
            add("line-length", f"line {number}: {len(line)} octets (max {MAX_OCTETS}): {line[:40]!r}...")
        if line == b"":
            add("empty-line", f"line {number}: empty line")
        try:
            line.decode("utf-8", errors="strict")
        except UnicodeDecodeError as err:
            add("utf-8", f"line {number}: not valid UTF-8 on its own ({err.reason} at octet {err.start}); "
                         f"folding split a multi-octet character or the file is not UTF-8")
    check_text_escaping(raw, add)
    for kind, texts in problems.items():
        for text in texts[:MAX_FORMAT_REPORTS]:
            item.fail(f"format:{kind}", "RFC 5545 content lines", Raw(text))
        if len(texts) > MAX_FORMAT_REPORTS:
            item.fail(f"format:{kind}", "RFC 5545 content lines",
                      Raw(f"... and {len(texts) - MAX_FORMAT_REPORTS} more such lines"))


# TEXT properties (RFC 5545 3.3.11): "," and ";" must be escaped, and only
# \\ \; \, \n \N are valid escapes. In the list-valued ones "," separates values.
SINGLE_TEXT = {"SUMMARY", "DESCRIPTION", "LOCATION", "COMMENT", "CONTACT", "X-WR-CALNAME", "X-WR-CALDESC"}
LIST_TEXT = {"CATEGORIES", "RESOURCES"}


def check_text_escaping(raw: bytes, add) -> None:
    """Both parsers accept unescaped "," and ";" in TEXT values, so check the bytes."""
    text = raw.decode("utf-8", errors="replace").replace("\r\n", "\n")
    unfolded = text.replace("\n ", "").replace("\n\t", "")
    for line in unfolded.split("\n"):
        quoted = False
        colon = -1
        for index, ch in enumerate(line):
            if ch == '"':
                quoted = not quoted
            elif ch == ":" and not quoted:
                colon = index
                break
        if colon < 0:
            continue
        name = line[:colon].split(";", 1)[0].upper()
        if name not in SINGLE_TEXT and name not in LIST_TEXT:
            continue
        value = line[colon + 1:]
        index = 0
        while index < len(value):
            ch = value[index]
            if ch == "\\":
                nxt = value[index + 1:index + 2]
                if nxt not in ("\\", ";", ",", "n", "N"):
                    add("text-escaping", f"{name}: invalid escape \\{nxt} in {value[:60]!r}")
                index += 2
                continue
            if ch == ";" or (ch == "," and name in SINGLE_TEXT):
                add("text-escaping", f"{name}: unescaped {ch!r} in {value[:60]!r}")
            index += 1


# --------------------------------------------------------------------------- helpers


def parse_instant(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"window/occurrence time {text!r} has no UTC offset")
    return value.astimezone(UTC)


def fmt_utc(value: dt.datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def text_of(component, name: str) -> str | None:
    value = component.get(name)
    if value is None:
        return None
    if isinstance(value, list):  # property given more than once
        return "\n".join(str(v) for v in value)
    return str(value)


def categories_of(component) -> list[str]:
    value = component.get("CATEGORIES")
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    cats: list[str] = []
    for v in values:
        cats.extend(str(c) for c in getattr(v, "cats", [v]))
    return cats


def tzid_of(prop, value: dt.datetime) -> str:
    tzid = prop.params.get("TZID") if hasattr(prop, "params") else None
    if tzid:
        return str(tzid)
    if value.tzinfo is None:
        return "FLOATING"
    name = getattr(value.tzinfo, "key", None) or getattr(value.tzinfo, "zone", None) or str(value.tzinfo)
    if value.tzinfo is UTC or name in ("UTC", "Etc/UTC"):
        return "UTC"
    return name


def iter_props(component):
    """(name, property object) for every property value, lists flattened."""
    for name, value in component.items():
        for v in value if isinstance(value, list) else [value]:
            yield name, v


# --------------------------------------------------------------------------- VTIMEZONE


class VTimezone:
    """Offsets defined by one VTIMEZONE, evaluated independently of tzdata."""

    def __init__(self, component, horizon: dt.datetime) -> None:
        self.tzid = str(component.get("TZID"))
        self.transitions: list[tuple[dt.datetime, dt.timedelta, dt.timedelta, str]] = []
        for obs in component.subcomponents:
            if obs.name not in ("STANDARD", "DAYLIGHT"):
                continue
            start = obs.get("DTSTART").dt
            start = start.replace(tzinfo=None) if isinstance(start, dt.datetime) else dt.datetime.combine(start, dt.time())
            off_from = obs.get("TZOFFSETFROM").td
            off_to = obs.get("TZOFFSETTO").td
            onsets = [start]
            for rdate in iter_props(obs):
                if rdate[0] == "RDATE":
                    for d in rdate[1].dts:
                        v = d.dt
                        onsets.append(v.replace(tzinfo=None) if isinstance(v, dt.datetime)
                                      else dt.datetime.combine(v, dt.time()))
            rule = obs.get("RRULE")
            if rule is not None:
                until_horizon = horizon.replace(tzinfo=None) + dt.timedelta(days=400)
                text = rule.to_ical().decode()
                parsed = du_rrule.rrulestr(text, dtstart=start, ignoretz=True)
                for onset in parsed:
                    if onset > until_horizon:
                        break
                    onsets.append(onset)
            for local in onsets:
                self.transitions.append((local - off_from, off_from, off_to, obs.name))
        self.transitions.sort(key=lambda t: t[0])

    def offset_at(self, instant_utc: dt.datetime) -> dt.timedelta | None:
        """UTC offset in force at an instant, or None before the first observance."""
        naive = instant_utc.astimezone(UTC).replace(tzinfo=None)
        found = None
        for onset, _from, to, _name in self.transitions:
            if onset <= naive:
                found = to
            else:
                break
        return found


def check_vtimezones(cal, item: Item, horizon: dt.datetime) -> dict[str, VTimezone]:
    zones: dict[str, VTimezone] = {}
    for comp in cal.walk("VTIMEZONE"):
        try:
            vtz = VTimezone(comp, horizon)
        except Exception as err:  # noqa: BLE001
            item.fail("vtimezone", "a well-formed VTIMEZONE", f"{comp.get('TZID')}: {err}")
            continue
        if vtz.tzid in zones:
            item.fail("vtimezone", f"one VTIMEZONE for {vtz.tzid}", "more than one")
        zones[vtz.tzid] = vtz
        try:
            zone = ZoneInfo(vtz.tzid)
        except (ZoneInfoNotFoundError, ValueError):
            continue  # not a tz database name; nothing to compare with
        for onset, off_from, off_to, name in vtz.transitions:
            onset_utc = onset.replace(tzinfo=UTC)
            before = (onset_utc - dt.timedelta(seconds=1)).astimezone(zone).utcoffset()
            after = onset_utc.astimezone(zone).utcoffset()
            if (before, after) != (off_from, off_to):
                item.fail(
                    f"vtimezone:{vtz.tzid}",
                    f"tz database offsets {before} -> {after} at {fmt_utc(onset_utc)}",
                    f"{name} observance TZOFFSETFROM {off_from} TZOFFSETTO {off_to}",
                )
    return zones


# --------------------------------------------------------------------------- events


def occurrence_record(component, item: Item, zones: dict[str, VTimezone]) -> dict:
    start_prop = component.get("DTSTART")
    start = start_prop.dt
    end_prop = component.get("DTEND")
    if end_prop is not None:
        end = end_prop.dt
    elif component.get("DURATION") is not None:
        end = start + component.get("DURATION").dt
    else:
        end = start + (dt.timedelta(days=1) if not isinstance(start, dt.datetime) else dt.timedelta(0))
    if not isinstance(start, dt.datetime):
        return {"start": start.isoformat(), "end": end.isoformat() if not isinstance(end, dt.datetime) else f"DATE-TIME {end}"}
    if start.tzinfo is None:
        return {"start": f"FLOATING {start.isoformat()}", "end": f"FLOATING {end.isoformat()}",
                "local_start": start.isoformat(), "tz": "FLOATING"}
    tz = tzid_of(start_prop, start)
    record = {"start": fmt_utc(start), "end": fmt_utc(end),
              "local_start": start.replace(tzinfo=None).isoformat(), "tz": tz}
    # The instants above come from the tz database (zoneinfo). Check that the
    # feed's own VTIMEZONE puts the same wall clock time on those instants.
    vtz = zones.get(tz)
    if vtz is not None:
        for label, value in (("start", start), ("end", end)):
            offset = vtz.offset_at(value)
            wall = value.replace(tzinfo=None)
            if offset is None:
                item.fail(f"vtimezone:{tz}", f"an observance in force at {fmt_utc(value)}",
                          "the occurrence is before the VTIMEZONE's first observance")
            elif value.astimezone(UTC).replace(tzinfo=None) + offset != wall:
                item.fail(f"vtimezone:{tz}",
                          f"{wall.isoformat()} local ({fmt_utc(value)}) per tz database",
                          f"{(value.astimezone(UTC).replace(tzinfo=None) + offset).isoformat()} local "
                          f"per the feed's VTIMEZONE (offset {offset}) for occurrence {label}")
    return record


def normalise_expected(occ: dict) -> dict:
    out = {}
    for key in ("start", "end"):
        text = occ[key]
        if len(text) == 10:
            out[key] = dt.date.fromisoformat(text).isoformat()
        else:
            out[key] = fmt_utc(parse_instant(text))
    for key in ("local_start", "tz"):
        if key in occ and occ[key] is not None:
            out[key] = occ[key]
    return out


def compare_occurrences(item: Item, expected: list[dict], actual: list[dict]) -> None:
    exp = [normalise_expected(o) for o in expected]
    keys = ["start", "end"]
    timed = [o for o in exp if "T" in o["start"]]
    for optional in ("local_start", "tz"):
        if timed and all(optional in o for o in timed):
            keys.append(optional)

    def project(o: dict) -> dict:
        return {k: o[k] for k in keys if k in o}

    exp_p = sorted((project(o) for o in exp), key=lambda o: o["start"])
    act_p = sorted((project(o) for o in actual), key=lambda o: o["start"])
    if exp_p == act_p:
        return
    missing = [o for o in exp_p if o not in act_p]
    extra = [o for o in act_p if o not in exp_p]
    note = []
    if missing:
        note.append("missing: " + "; ".join(json.dumps(o) for o in missing))
    if extra:
        note.append("unexpected: " + "; ".join(json.dumps(o) for o in extra))
    if not missing and not extra:
        note.append("same occurrences, different count (duplicates)")
    item.fail("occurrences", exp_p, act_p, "\n               ".join(note))


_EXPANDED: dict[int, tuple[object, dict[str, list]]] = {}


def expanded(cal, window) -> dict[str, list]:
    """All occurrences in the window by UID, expanded once per calendar."""
    key = id(cal)
    if key not in _EXPANDED:
        by_uid: dict[str, list] = {}
        for component in recurring_ical_events.of(cal).between(window[0], window[1]):
            by_uid.setdefault(str(component.get("UID")), []).append(component)
        _EXPANDED[key] = (cal, by_uid)  # holding cal keeps its id from being reused
    return _EXPANDED[key][1]


def check_event(cal, expected: dict, item: Item, window, zones, masters, overrides) -> None:
    uid = expected["uid"]
    found = masters.get(uid, [])
    if not found:
        item.fail("uid", f"a VEVENT with UID {uid} and no RECURRENCE-ID", "none")
        return
    if len(found) > 1:
        item.fail("uid", "exactly one master VEVENT", f"{len(found)} VEVENTs without RECURRENCE-ID")
    master = found[0]

    def same(field, exp, act):
        if exp != act:
            item.fail(field, exp, act)

    same("summary", expected.get("summary"), text_of(master, "SUMMARY"))
    if "location" in expected:
        same("location", expected["location"], text_of(master, "LOCATION"))
    if "categories" in expected:
        exp_c = sorted(expected["categories"] or [])
        act_c = sorted(categories_of(master))
        if exp_c != act_c:
            item.fail("categories", exp_c, act_c, "compared without regard to order")
    if "status" in expected:
        same("status", expected["status"], text_of(master, "STATUS"))
    if "sequence" in expected:
        seq = master.get("SEQUENCE")
        same("sequence", expected["sequence"], int(seq) if seq is not None else 0)
    if "attendee" in expected:
        # A personal feed: its one ATTENDEE, by address, with its CN and PARTSTAT.
        found_a = master.get("ATTENDEE")
        attendees = found_a if isinstance(found_a, list) else ([found_a] if found_a is not None else [])
        actual_a = [
            {
                "address": str(a),
                "cn": a.params.get("CN"),
                "partstat": a.params.get("PARTSTAT"),
            }
            for a in attendees
        ]
        same("attendee", [expected["attendee"]], actual_a)
    description = text_of(master, "DESCRIPTION") or ""
    for piece in expected.get("description_contains", []) or []:
        if piece not in description:
            item.fail("description_contains", piece, description)
    start_prop = master.get("DTSTART")
    if start_prop is None:
        item.fail("dtstart", "a DTSTART", "none")
        return
    is_all_day = not isinstance(start_prop.dt, dt.datetime)
    if "all_day" in expected:
        same("all_day", expected["all_day"], is_all_day)
    for override in overrides.get(uid, []):
        rid = override.get("RECURRENCE-ID").dt
        if isinstance(rid, dt.datetime) != isinstance(start_prop.dt, dt.datetime):
            item.fail("recurrence-id", "same value type as the master's DTSTART", f"RECURRENCE-ID {rid}")

    occurrences = expanded(cal, window).get(uid, [])
    actual = [occurrence_record(c, item, zones) for c in occurrences]
    compare_occurrences(item, expected.get("occurrences", []), actual)


def check_calendar(cal, expect: dict, item: Item, masters, overrides) -> None:
    if cal.name != "VCALENDAR":
        item.fail("component", "VCALENDAR", cal.name)
    for comp in cal.walk():
        errors = getattr(comp, "errors", None)
        if errors:
            item.fail(f"parse:{comp.name}", "no parse errors", [f"{p}: {e}" for p, e in errors])
    if text_of(cal, "VERSION") != "2.0":
        item.fail("version", "2.0", text_of(cal, "VERSION"))
    if not text_of(cal, "PRODID"):
        item.fail("prodid", "a PRODID", None)
    if "calname" in expect:
        if expect["calname"] != text_of(cal, "X-WR-CALNAME"):
            item.fail("calname", expect["calname"], text_of(cal, "X-WR-CALNAME"))
    defined = {str(c.get("TZID")) for c in cal.walk("VTIMEZONE")}
    used: set[str] = set()
    for event in cal.walk("VEVENT"):
        for prop in ("UID", "DTSTAMP", "DTSTART"):
            if event.get(prop) is None:
                item.fail("required-property", f"{prop} in every VEVENT", f"VEVENT {event.get('UID')} without {prop}")
        for _name, value in iter_props(event):
            tzid = getattr(value, "params", {}).get("TZID")
            if tzid:
                used.add(str(tzid))
    for tzid in sorted(used - defined):
        item.fail("vtimezone", f"a VTIMEZONE for TZID {tzid} (RFC 5545 3.2.19)", "none in the file")
    expected_uids = {e["uid"] for e in expect.get("events", [])}
    for uid in sorted(set(masters) | set(overrides)):
        if uid not in expected_uids:
            item.fail("uid", "only UIDs listed in the expect file", f"unexpected VEVENT UID {uid}")
    for uid in sorted(set(overrides) - set(masters)):
        item.fail("recurrence-id", f"a master VEVENT for overridden UID {uid}", "none")


def check_pair(ics_path: Path, expect_path: Path, report: Report) -> None:
    name = ics_path.name
    raw = ics_path.read_bytes()
    with report.item(name, "file") as item:
        check_format(raw, item)
    expect = json.loads(expect_path.read_text(encoding="utf-8"))
    cal = None
    window = None
    zones: dict[str, VTimezone] = {}
    masters: dict[str, list] = {}
    overrides: dict[str, list] = {}
    with report.item(name, "calendar") as item:
        window = tuple(parse_instant(t) for t in expect["window"])
        cal = icalendar.Calendar.from_ical(raw)
        for event in cal.walk("VEVENT"):
            target = overrides if event.get("RECURRENCE-ID") is not None else masters
            target.setdefault(str(event.get("UID")), []).append(event)
        check_calendar(cal, expect, item, masters, overrides)
        zones = check_vtimezones(cal, item, window[1])
    for expected in expect.get("events", []):
        with report.item(name, f"uid={expected.get('uid')}") as item:
            if cal is None or window is None:
                item.fail("parse", "a parsed calendar", "parse failed (see above)")
                continue
            check_event(cal, expected, item, window, zones, masters, overrides)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not Path(argv[1]).is_dir():
        print(f"usage: {Path(argv[0]).name} DIR  (DIR holds NAME.ics + NAME.expect.json pairs)", file=sys.stderr)
        return 2
    directory = Path(argv[1])
    report = Report()
    expects = sorted(directory.glob("*.expect.json"))
    icss = sorted(directory.glob("*.ics"))
    for ics in icss:
        if not (directory / (ics.stem + ".expect.json")).exists():
            with report.item(ics.name, "file") as item:
                item.fail("expect-file", f"{ics.stem}.expect.json", "missing")
    for expect in expects:
        stem = expect.name[: -len(".expect.json")]
        ics = directory / f"{stem}.ics"
        if not ics.exists():
            with report.item(f"{stem}.ics", "file") as item:
                item.fail("ics-file", f"{stem}.ics next to {expect.name}", "missing")
            continue
        check_pair(ics, expect, report)
    if not expects and not icss:
        print(f"FAIL {directory}: no NAME.ics / NAME.expect.json pairs found")
        report.failed += 1
    print(f"calendar check ({LABEL}): {report.passed} passed, {report.failed} failed")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
