#!/usr/bin/env node
// Check Convene's iCalendar feeds with the ical.js parser.
//
// Parses every NAME.ics in a directory, registers its VTIMEZONEs, expands each
// expected event's occurrences inside the window and compares everything with
// NAME.expect.json (see README.md in this folder for the format).
//
// Usage: node check.mjs DIR
// Exit status: 0 if every check passed, 1 if any failed, 2 on a usage error.

import fs from 'node:fs';
import path from 'node:path';
import ICAL from 'ical.js';

const MAX_OCTETS = 75;
const MAX_FORMAT_REPORTS = 10;
const MAX_ITERATIONS = 100000;
const LABEL = 'ical.js';

const report = { passed: 0, failed: 0 };

// Text printed as is (not JSON-quoted) in a report.
class Raw {
  constructor(text) {
    this.text = text;
  }
}

function fmt(value) {
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value) && value.length && value.every((v) => v && typeof v === 'object')) {
    return '[\n' + value.map((v) => `       ${JSON.stringify(v)}\n`).join('') + '     ]';
  }
  if (value === undefined) return 'undefined';
  if (typeof value === 'string' || value === null || typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

// One counted check: a file's format, a calendar, or one expected event.
class Item {
  constructor(file, subject) {
    this.file = file;
    this.subject = subject;
    this.mismatches = 0;
  }

  fail(field, expected, actual, note = '') {
    this.mismatches += 1;
    let line = `FAIL ${this.file} ${this.subject} field=${field}\n` +
      `     expected: ${fmt(expected)}\n` +
      `     actual:   ${fmt(actual)}`;
    if (note) line += `\n     note:     ${note}`;
    console.log(line);
  }
}

function runItem(file, subject, fn) {
  const item = new Item(file, subject);
  try {
    fn(item);
  } catch (err) {
    item.fail('exception', 'no error', `${err && err.name}: ${err && err.message}`);
  }
  if (item.mismatches) report.failed += 1;
  else report.passed += 1;
}

// ------------------------------------------------------------------ file format

function checkFormat(raw, item) {
  const problems = new Map();
  const add = (kind, text) => {
    if (!problems.has(kind)) problems.set(kind, []);
    problems.get(kind).push(text);
  };
  if (raw.length === 0) {
    item.fail('format', 'a non-empty file', 'an empty file');
    return;
  }
  if (raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf) add('bom', 'file starts with a UTF-8 byte order mark');
  if (!(raw.length >= 2 && raw[raw.length - 2] === 0x0d && raw[raw.length - 1] === 0x0a)) {
    add('final-crlf', 'last line does not end with CRLF');
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const lines = [];
  let begin = 0;
  for (let i = 0; i < raw.length - 1; i += 1) {
    if (raw[i] === 0x0d && raw[i + 1] === 0x0a) {
      lines.push(raw.subarray(begin, i));
      begin = i + 2;
      i += 1;
    }
  }
  if (begin < raw.length) lines.push(raw.subarray(begin));
  lines.forEach((line, index) => {
    const number = index + 1;
    if (line.includes(0x0a) || line.includes(0x0d)) {
      add('line-ending', `line ${number}: bare LF or CR inside the line (lines must end with CRLF)`);
    }
    if (line.length > MAX_OCTETS) {
      add('line-length', `line ${number}: ${line.length} octets (max ${MAX_OCTETS}): ` +
        `${JSON.stringify(Buffer.from(line.subarray(0, 40)).toString('latin1'))}...`);
    }
    if (line.length === 0) add('empty-line', `line ${number}: empty line`);
    try {
      decoder.decode(line);
    } catch {
      add('utf-8', `line ${number}: not valid UTF-8 on its own; ` +
        'folding split a multi-octet character or the file is not UTF-8');
    }
  });
  checkTextEscaping(raw, add);
  for (const [kind, texts] of problems) {
    for (const text of texts.slice(0, MAX_FORMAT_REPORTS)) {
      item.fail(`format:${kind}`, 'RFC 5545 content lines', new Raw(text));
    }
    if (texts.length > MAX_FORMAT_REPORTS) {
      item.fail(`format:${kind}`, 'RFC 5545 content lines',
        new Raw(`... and ${texts.length - MAX_FORMAT_REPORTS} more such lines`));
    }
  }
}

// TEXT properties (RFC 5545 3.3.11): "," and ";" must be escaped, and only
// \\ \; \, \n \N are valid escapes. In the list-valued ones "," separates values.
const SINGLE_TEXT = new Set(['SUMMARY', 'DESCRIPTION', 'LOCATION', 'COMMENT', 'CONTACT', 'X-WR-CALNAME', 'X-WR-CALDESC']);
const LIST_TEXT = new Set(['CATEGORIES', 'RESOURCES']);

// Both parsers accept unescaped "," and ";" in TEXT values, so check the bytes.
function checkTextEscaping(raw, add) {
  const unfolded = raw.toString('utf8').replace(/\r\n/g, '\n').replace(/\n[ \t]/g, '');
  for (const line of unfolded.split('\n')) {
    let quoted = false;
    let colon = -1;
    for (let i = 0; i < line.length; i += 1) {
      const ch = line[i];
      if (ch === '"') quoted = !quoted;
      else if (ch === ':' && !quoted) {
        colon = i;
        break;
      }
    }
    if (colon < 0) continue;
    const name = line.slice(0, colon).split(';', 1)[0].toUpperCase();
    if (!SINGLE_TEXT.has(name) && !LIST_TEXT.has(name)) continue;
    const value = line.slice(colon + 1);
    for (let i = 0; i < value.length; i += 1) {
      const ch = value[i];
      if (ch === '\\') {
        const next = value.slice(i + 1, i + 2);
        if (!['\\', ';', ',', 'n', 'N'].includes(next)) {
          add('text-escaping', `${name}: invalid escape \\${next} in ${JSON.stringify(value.slice(0, 60))}`);
        }
        i += 1;
      } else if (ch === ';' || (ch === ',' && SINGLE_TEXT.has(name))) {
        add('text-escaping', `${name}: unescaped ${JSON.stringify(ch)} in ${JSON.stringify(value.slice(0, 60))}`);
      }
    }
  }
}

// ------------------------------------------------------------------ helpers

function parseInstant(text) {
  if (!/(Z|[+-]\d\d:\d\d)$/.test(text)) throw new Error(`time ${JSON.stringify(text)} has no UTC offset`);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`cannot parse time ${JSON.stringify(text)}`);
  return ms;
}

function fmtUtcMs(ms) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// UTC instant (ms) of an ICAL.Time as ical.js sees it. A floating time (a TZID
// without a usable VTIMEZONE) keeps its wall clock time, i.e. is read as UTC.
function utcMs(time) {
  const utc = time.convertToZone(ICAL.Timezone.utcTimezone);
  return Date.UTC(utc.year, utc.month - 1, utc.day, utc.hour, utc.minute, utc.second);
}

function wallString(time) {
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${p(time.year, 4)}-${p(time.month)}-${p(time.day)}T${p(time.hour)}:${p(time.minute)}:${p(time.second)}`;
}

function dateString(time) {
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${p(time.year, 4)}-${p(time.month)}-${p(time.day)}`;
}

function textOf(component, name) {
  const props = component.getAllProperties(name);
  if (!props.length) return null;
  return props.map((p) => String(p.getFirstValue())).join('\n');
}

function categoriesOf(component) {
  const out = [];
  for (const prop of component.getAllProperties('categories')) {
    for (const v of prop.getValues()) out.push(String(v));
  }
  return out;
}

function zoneName(time) {
  const zone = time.zone;
  if (!zone) return 'FLOATING';
  if (zone === ICAL.Timezone.utcTimezone || zone.tzid === 'UTC') return 'UTC';
  if (zone === ICAL.Timezone.localTimezone || zone.tzid === 'floating') return 'FLOATING';
  return zone.tzid;
}

// ------------------------------------------------------------------ events

function occurrenceRecord(start, end) {
  if (start.isDate) {
    return { start: dateString(start), end: end.isDate ? dateString(end) : `DATE-TIME ${end.toString()}` };
  }
  return {
    start: fmtUtcMs(utcMs(start)),
    end: fmtUtcMs(utcMs(end)),
    local_start: wallString(start),
    tz: zoneName(start),
  };
}

// Same rule as recurring-ical-events: an occurrence counts if it overlaps
// [windowStart, windowEnd); a zero-length one if its start is inside.
// All-day dates are taken as midnight UTC for this test.
function inWindow(start, end, windowStart, windowEnd) {
  const s = start.isDate ? Date.UTC(start.year, start.month - 1, start.day) : utcMs(start);
  const e = end.isDate ? Date.UTC(end.year, end.month - 1, end.day) : utcMs(end);
  if (s === e) return windowStart <= s && s < windowEnd;
  return s < windowEnd && windowStart < e;
}

function normaliseExpected(occ) {
  const out = {};
  for (const key of ['start', 'end']) {
    const text = occ[key];
    out[key] = text.length === 10 ? text : fmtUtcMs(parseInstant(text));
  }
  for (const key of ['local_start', 'tz']) {
    if (occ[key] !== undefined && occ[key] !== null) out[key] = occ[key];
  }
  return out;
}

function compareOccurrences(item, expected, actual) {
  const exp = expected.map(normaliseExpected);
  const keys = ['start', 'end'];
  const timed = exp.filter((o) => o.start.includes('T'));
  for (const optional of ['local_start', 'tz']) {
    if (timed.length && timed.every((o) => optional in o)) keys.push(optional);
  }
  const project = (o) => {
    const p = {};
    for (const k of keys) if (k in o) p[k] = o[k];
    return p;
  };
  const byStart = (a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0);
  const expP = exp.map(project).sort(byStart);
  const actP = actual.map(project).sort(byStart);
  const key = (o) => JSON.stringify(o);
  if (JSON.stringify(expP) === JSON.stringify(actP)) return;
  const actKeys = new Set(actP.map(key));
  const expKeys = new Set(expP.map(key));
  const missing = expP.filter((o) => !actKeys.has(key(o)));
  const extra = actP.filter((o) => !expKeys.has(key(o)));
  const note = [];
  if (missing.length) note.push('missing: ' + missing.map(key).join('; '));
  if (extra.length) note.push('unexpected: ' + extra.map(key).join('; '));
  if (!missing.length && !extra.length) note.push('same occurrences, different count (duplicates)');
  item.fail('occurrences', expP, actP, note.join('\n               '));
}

function expand(master, overrides, windowStart, windowEnd, item) {
  // Pass the overrides explicitly: without `exceptions`, ical.js relates every
  // VEVENT with a RECURRENCE-ID in the calendar, whatever its UID.
  const event = new ICAL.Event(master, { strictExceptions: true, exceptions: [] });
  for (const o of overrides) event.relateException(o);
  // An override can move an occurrence from outside the window into it, so
  // iterate recurrence ids up to the window end or the last override,
  // whichever is later.
  let stopMs = windowEnd;
  for (const o of overrides) {
    const rid = o.getFirstPropertyValue('recurrence-id');
    if (rid) stopMs = Math.max(stopMs, rid.isDate ? Date.UTC(rid.year, rid.month - 1, rid.day + 1) : utcMs(rid) + 1);
  }
  const out = [];
  const iterator = event.iterator();
  let next;
  let count = 0;
  while ((next = iterator.next())) {
    count += 1;
    if (count > MAX_ITERATIONS) {
      item.fail('occurrences', `at most ${MAX_ITERATIONS} recurrences before the window end`, 'more; stopped');
      break;
    }
    const ridMs = next.isDate ? Date.UTC(next.year, next.month - 1, next.day) : utcMs(next);
    if (ridMs >= stopMs) break;
    const details = event.getOccurrenceDetails(next);
    if (inWindow(details.startDate, details.endDate, windowStart, windowEnd)) {
      out.push(occurrenceRecord(details.startDate, details.endDate));
    }
  }
  return out;
}

function checkEvent(expected, item, window, masters, overrides) {
  const uid = expected.uid;
  const found = masters.get(uid) || [];
  if (!found.length) {
    item.fail('uid', `a VEVENT with UID ${uid} and no RECURRENCE-ID`, 'none');
    return;
  }
  if (found.length > 1) item.fail('uid', 'exactly one master VEVENT', `${found.length} VEVENTs without RECURRENCE-ID`);
  const master = found[0];
  const same = (field, exp, act) => {
    if (exp !== act) item.fail(field, exp, act);
  };
  same('summary', expected.summary, textOf(master, 'summary'));
  if ('location' in expected) same('location', expected.location, textOf(master, 'location'));
  if ('categories' in expected) {
    const expC = [...(expected.categories || [])].sort();
    const actC = categoriesOf(master).sort();
    if (JSON.stringify(expC) !== JSON.stringify(actC)) item.fail('categories', expC, actC, 'compared without regard to order');
  }
  if ('status' in expected) same('status', expected.status, textOf(master, 'status'));
  if ('sequence' in expected) {
    const seq = master.getFirstPropertyValue('sequence');
    same('sequence', expected.sequence, seq === null || seq === undefined ? 0 : Number(seq));
  }
  if ('attendee' in expected) {
    // A personal feed: its one ATTENDEE, by address, with its CN and PARTSTAT.
    const actualA = master.getAllProperties('attendee').map((a) => ({
      address: String(a.getFirstValue()),
      cn: a.getParameter('cn') ?? null,
      partstat: a.getParameter('partstat') ?? null,
    }));
    const expA = JSON.stringify([expected.attendee]);
    if (expA !== JSON.stringify(actualA)) item.fail('attendee', [expected.attendee], actualA);
  }
  const description = textOf(master, 'description') || '';
  for (const piece of expected.description_contains || []) {
    if (!description.includes(piece)) item.fail('description_contains', piece, description);
  }
  const dtstart = master.getFirstPropertyValue('dtstart');
  if (!dtstart) {
    item.fail('dtstart', 'a DTSTART', 'none');
    return;
  }
  if ('all_day' in expected) same('all_day', expected.all_day, dtstart.isDate);
  const ovs = overrides.get(uid) || [];
  for (const o of ovs) {
    const rid = o.getFirstPropertyValue('recurrence-id');
    if (rid.isDate !== dtstart.isDate) {
      item.fail('recurrence-id', "same value type as the master's DTSTART", `RECURRENCE-ID ${rid.toString()}`);
    }
  }
  const actual = expand(master, ovs, window[0], window[1], item);
  compareOccurrences(item, expected.occurrences || [], actual);
}

function walk(component, visit) {
  visit(component);
  for (const sub of component.getAllSubcomponents()) walk(sub, visit);
}

function checkCalendar(cal, expect, item, masters, overrides) {
  if (cal.name !== 'vcalendar') item.fail('component', 'vcalendar', cal.name);
  if (textOf(cal, 'version') !== '2.0') item.fail('version', '2.0', textOf(cal, 'version'));
  if (!textOf(cal, 'prodid')) item.fail('prodid', 'a PRODID', null);
  if ('calname' in expect && expect.calname !== textOf(cal, 'x-wr-calname')) {
    item.fail('calname', expect.calname, textOf(cal, 'x-wr-calname'));
  }
  const defined = new Set(cal.getAllSubcomponents('vtimezone').map((z) => String(z.getFirstPropertyValue('tzid'))));
  const used = new Set();
  for (const ev of cal.getAllSubcomponents('vevent')) {
    for (const prop of ['uid', 'dtstamp', 'dtstart']) {
      if (!ev.hasProperty(prop)) {
        item.fail('required-property', `${prop.toUpperCase()} in every VEVENT`,
          `VEVENT ${ev.getFirstPropertyValue('uid')} without ${prop.toUpperCase()}`);
      }
    }
    for (const prop of ev.getAllProperties()) {
      const tzid = prop.getParameter('tzid');
      if (tzid) used.add(String(tzid));
    }
  }
  for (const tzid of [...used].sort()) {
    if (!defined.has(tzid)) {
      item.fail('vtimezone', `a VTIMEZONE for TZID ${tzid} (RFC 5545 3.2.19)`, 'none in the file',
        'ical.js then treats these times as floating (wall clock time read as UTC here)');
    }
  }
  const expectedUids = new Set((expect.events || []).map((e) => e.uid));
  for (const uid of [...new Set([...masters.keys(), ...overrides.keys()])].sort()) {
    if (!expectedUids.has(uid)) item.fail('uid', 'only UIDs listed in the expect file', `unexpected VEVENT UID ${uid}`);
  }
  for (const uid of [...overrides.keys()].sort()) {
    if (!masters.has(uid)) item.fail('recurrence-id', `a master VEVENT for overridden UID ${uid}`, 'none');
  }
}

function checkPair(icsPath, expectPath) {
  const name = path.basename(icsPath);
  const raw = fs.readFileSync(icsPath);
  runItem(name, 'file', (item) => checkFormat(raw, item));
  const expect = JSON.parse(fs.readFileSync(expectPath, 'utf8'));
  let cal = null;
  let window = null;
  const masters = new Map();
  const overrides = new Map();
  runItem(name, 'calendar', (item) => {
    window = expect.window.map(parseInstant);
    const jcal = ICAL.parse(raw.toString('utf8'));
    if (Array.isArray(jcal[0])) {
      item.fail('component', 'exactly one VCALENDAR', `${jcal.length} top-level components`);
      cal = new ICAL.Component(jcal[0]);
    } else {
      cal = new ICAL.Component(jcal);
    }
    // Register this file's VTIMEZONEs before any event time is read; clear the
    // previous file's first so one feed cannot lend its zones to another.
    ICAL.TimezoneService.reset();
    for (const vtz of cal.getAllSubcomponents('vtimezone')) {
      ICAL.TimezoneService.register(new ICAL.Timezone(vtz));
    }
    for (const ev of cal.getAllSubcomponents('vevent')) {
      const uid = String(ev.getFirstPropertyValue('uid'));
      const target = ev.hasProperty('recurrence-id') ? overrides : masters;
      if (!target.has(uid)) target.set(uid, []);
      target.get(uid).push(ev);
    }
    checkCalendar(cal, expect, item, masters, overrides);
  });
  for (const expected of expect.events || []) {
    runItem(name, `uid=${expected.uid}`, (item) => {
      if (!cal || !window) {
        item.fail('parse', 'a parsed calendar', 'parse failed (see above)');
        return;
      }
      checkEvent(expected, item, window, masters, overrides);
    });
  }
}

function main(argv) {
  const dir = argv[2];
  if (argv.length !== 3 || !fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    console.error('usage: node check.mjs DIR  (DIR holds NAME.ics + NAME.expect.json pairs)');
    return 2;
  }
  const names = fs.readdirSync(dir).sort();
  const expects = names.filter((n) => n.endsWith('.expect.json'));
  const icss = names.filter((n) => n.endsWith('.ics'));
  for (const ics of icss) {
    const stem = ics.slice(0, -'.ics'.length);
    if (!names.includes(`${stem}.expect.json`)) {
      runItem(ics, 'file', (item) => item.fail('expect-file', `${stem}.expect.json`, 'missing'));
    }
  }
  for (const expect of expects) {
    const stem = expect.slice(0, -'.expect.json'.length);
    if (!names.includes(`${stem}.ics`)) {
      runItem(`${stem}.ics`, 'file', (item) => item.fail('ics-file', `${stem}.ics next to ${expect}`, 'missing'));
      continue;
    }
    checkPair(path.join(dir, `${stem}.ics`), path.join(dir, expect));
  }
  if (!expects.length && !icss.length) {
    console.log(`FAIL ${dir}: no NAME.ics / NAME.expect.json pairs found`);
    report.failed += 1;
  }
  console.log(`calendar check (${LABEL}): ${report.passed} passed, ${report.failed} failed`);
  return report.failed ? 1 : 0;
}

process.exitCode = main(process.argv);
