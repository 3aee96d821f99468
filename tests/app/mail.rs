//! E-mail through the outbox: written with the change that causes it, read by admins when no
//! mail server is configured, sent through a real SMTP server (Python's aiosmtpd, run from
//! `tests/smtp-server/`) with the headers every message carries, kept and sent later when
//! the server is down, given up on (and shown why) when an address is refused, and sent once
//! each when two workers share the database.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use entity::outbox::{self, Status};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::helpers::{TestApp, demo_app, signed_in};

const PRIYA: &str = "priya.shah@northvale-council.example";
const TOM: &str = "tom.okafor@eastmere-uni.example";
const GARETH: &str = "gareth.lloyd@riverside-city.example";

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The test SMTP server's Python, its virtual environment made on first use.
fn smtp_python() -> PathBuf {
    let dir = repo("tests/smtp-server");
    let python = dir.join(".venv/bin/python");
    if !python.exists() {
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(dir.join(".venv"))
            .status()
            .unwrap()
            .success();
        assert!(ok, "python3 -m venv failed");
        let ok = Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "-r"])
            .arg(dir.join("requirements.txt"))
            .status()
            .unwrap()
            .success();
        assert!(ok, "installing aiosmtpd failed");
    }
    python
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A real SMTP server on 127.0.0.1, keeping every message it accepts. Killed when dropped.
struct SmtpServer {
    child: Child,
    out: tempfile::TempDir,
}

/// One message as the SMTP server received it.
#[derive(Debug, Clone)]
struct Received {
    rcpt_tos: Vec<String>,
    data: String,
}

impl Received {
    fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or_default();
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
    }

    fn subject(&self) -> String {
        self.header("Subject").unwrap_or_default()
    }
}

impl SmtpServer {
    fn start(port: u16, refuse: &[&str]) -> SmtpServer {
        Self::start_with(port, refuse, 0)
    }

    /// A server that loses the first `drop` messages mid-way (closing the connection once
    /// the message is sent, before answering).
    fn start_with(port: u16, refuse: &[&str], drop: u32) -> SmtpServer {
        use std::io::BufRead;
        let out = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(smtp_python());
        cmd.arg(repo("tests/smtp-server/server.py"))
            .args(["--port", &port.to_string()])
            .arg("--out")
            .arg(out.path());
        if !refuse.is_empty() {
            cmd.arg("--refuse").args(refuse);
        }
        if drop > 0 {
            cmd.args(["--drop", &drop.to_string()]);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the test SMTP server starts");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.starts_with("ready"), "the SMTP server said {line:?}");
        SmtpServer { child, out }
    }

    fn received(&self) -> Vec<Received> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.out.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| {
                let v: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
                Received {
                    rcpt_tos: v["rcpt_tos"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|a| a.as_str().unwrap().to_string())
                        .collect(),
                    data: v["data"].as_str().unwrap().to_string(),
                }
            })
            .collect()
    }

    /// Waits (up to 30 s) until a message matching `what` has arrived.
    async fn wait_for(&self, what: impl Fn(&Received) -> bool) -> Received {
        for _ in 0..300 {
            if let Some(m) = self.received().into_iter().find(|m| what(m)) {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "no such message arrived; got: {:?}",
            self.received()
                .iter()
                .map(|m| (m.rcpt_tos.clone(), m.subject()))
                .collect::<Vec<_>>()
        );
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn queued(app: &TestApp, kind: &str) -> Vec<outbox::Model> {
    outbox::Entity::find()
        .filter(outbox::Column::Kind.eq(kind))
        .order_by_asc(outbox::Column::Id)
        .all(app.db())
        .await
        .unwrap()
}

/// The demo app sending through the test SMTP server at `port` (no TLS on loopback), with
/// more settings if given.
async fn mailing_app(port: u16, more: &[(&str, &str)]) -> TestApp {
    let port = port.to_string();
    let mut settings = vec![
        ("smtp.host", "127.0.0.1"),
        ("smtp.port", port.as_str()),
        ("smtp.security", "none"),
    ];
    settings.extend_from_slice(more);
    demo_app(&settings).await
}

fn event_form<'a>(title: &'a str, date: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        ("summary", "Open data about the canal towpaths."),
        ("description", "Bring boots."),
        ("time_zone", "Europe/London"),
        ("start_date", date),
        ("start_time", "18:00"),
        ("end_date", date),
        ("end_time", "20:00"),
        ("place_name", "Canal Basin"),
        ("tags", "walking"),
        ("repeat", "none"),
        ("note_to_admins", "First time organising: tips welcome."),
        ("action", "submit"),
    ]
}

fn in_a_month() -> String {
    (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string()
}

#[tokio::test]
async fn without_a_mail_server_messages_wait_in_the_outbox_where_admins_read_them() {
    let app = demo_app(&[]).await;
    let gareth = signed_in(&app, GARETH).await;
    let date = in_a_month();
    let resp = gareth
        .post(&app, "/events/new", &event_form("Towpath Data Walk", &date))
        .await;
    assert_eq!(resp.status(), 303);

    // Both admins are told; the member who submitted is not.
    let submitted: Vec<outbox::Model> = queued(&app, "event-submitted")
        .await
        .into_iter()
        .filter(|m| m.data.contains("Towpath Data Walk"))
        .collect();
    let mut to: Vec<&str> = submitted.iter().map(|m| m.to_address.as_str()).collect();
    to.sort_unstable();
    assert_eq!(to, [PRIYA, TOM]);
    assert!(submitted.iter().all(|m| m.status == Status::Queued));

    let priya = signed_in(&app, PRIYA).await;
    let list = priya
        .get(&format!("{}/admin/outbox", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("No mail server is configured"));
    let one = priya
        .get(&format!("{}/admin/outbox/{}", app.url, submitted[0].id))
        .await;
    assert_eq!(one.status(), 200);
    let html = crate::helpers::unescape(&one.text().await.unwrap());
    assert!(html.contains("New event waiting for approval: Towpath Data Walk"));
    assert!(html.contains("Gareth Lloyd submitted"));
    assert!(html.contains("First time organising: tips welcome."));
    assert!(html.contains("/admin/moderation"));

    // The demo's own decisions told their authors, and wait here too.
    let decided = queued(&app, "event-decided").await;
    assert!(decided.iter().any(
        |m| m.to_address == "aisha.rahman@midshire-transport.example"
            && m.data.contains("Bus Data Hack Day")
    ));

    // Members do not read the outbox.
    assert_eq!(
        gareth
            .get(&format!("{}/admin/outbox", app.url))
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn messages_go_out_through_a_real_smtp_server_with_their_headers() {
    crate::helpers::needs_peers!();
    let port = free_port();
    let smtp = SmtpServer::start(port, &[]);
    let app = mailing_app(
        port,
        &[(
            "smtp.from",
            "Northvale Open Data Forum <forum@northvale.example>",
        )],
    )
    .await;

    // A submission: each admin gets their own message.
    let gareth = signed_in(&app, GARETH).await;
    gareth
        .post(
            &app,
            "/events/new",
            &event_form("Towpath Data Walk", &in_a_month()),
        )
        .await;
    let to_priya = smtp
        .wait_for(|m| m.rcpt_tos == [PRIYA] && m.subject().contains("Towpath Data Walk"))
        .await;
    smtp.wait_for(|m| m.rcpt_tos == [TOM] && m.subject().contains("Towpath Data Walk"))
        .await;
    assert_eq!(
        to_priya.subject(),
        "New event waiting for approval: Towpath Data Walk"
    );
    assert_eq!(
        to_priya.header("From").as_deref(),
        Some("\"Northvale Open Data Forum\" <forum@northvale.example>")
    );
    assert_eq!(
        to_priya.header("To").as_deref(),
        Some(PRIYA),
        "no other recipient shows"
    );
    assert_eq!(
        to_priya.header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    assert!(to_priya.header("Date").is_some());
    let message_id = to_priya.header("Message-ID").unwrap();
    assert!(
        message_id.starts_with('<') && message_id.ends_with("@127.0.0.1>"),
        "{message_id}"
    );
    assert!(to_priya.data.contains("multipart/alternative"));
    assert!(to_priya.data.contains("text/plain") && to_priya.data.contains("text/html"));
    assert!(to_priya.data.contains("First time organising"));

    // The admin rejects it with a reason: the author hears, with the reason.
    let e = entity::event::Entity::find()
        .filter(entity::event::Column::Title.eq("Towpath Data Walk"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let priya = signed_in(&app, PRIYA).await;
    let resp = priya
        .post(
            &app,
            &format!("/admin/moderation/events/{}/reject", e.id),
            &[("note", "The towpath is closed for repairs until spring.")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let to_gareth = smtp
        .wait_for(|m| m.rcpt_tos == [GARETH] && m.subject() == "Not published: Towpath Data Walk")
        .await;
    assert!(to_gareth.data.contains("closed for repairs"));

    // A place comes free on the full hack day: Helen, first in line, hears at once.
    let tom = signed_in(&app, TOM).await;
    tom.post(
        &app,
        "/events/bus-data-hack-day/rsvp",
        &[("answer", "withdraw")],
    )
    .await;
    let to_helen = smtp
        .wait_for(|m| {
            m.rcpt_tos == ["helen.mcallister@openstreets-trust.example"]
                && m.subject() == "You have a place: Bus Data Hack Day"
        })
        .await;
    assert!(to_helen.data.contains("/events/bus-data-hack-day"));

    // The admins' view says they were sent.
    let sent = queued(&app, "rsvp-promoted").await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].status, Status::Sent);
}

#[tokio::test]
async fn a_mail_server_that_is_down_delays_messages_and_loses_none() {
    crate::helpers::needs_peers!();
    let port = free_port();
    let app = mailing_app(port, &[("smtp.timeout_secs", "2")]).await;
    let gareth = signed_in(&app, GARETH).await;
    gareth
        .post(
            &app,
            "/events/new",
            &event_form("Towpath Data Walk", &in_a_month()),
        )
        .await;
    // Nobody listens: the worker tries, records why, and waits before trying again.
    let mut waiting = Vec::new();
    for _ in 0..100 {
        waiting = queued(&app, "event-submitted").await;
        if !waiting.is_empty()
            && waiting
                .iter()
                .all(|m| m.attempts >= 1 && m.last_error.is_some())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!waiting.is_empty());
    assert!(
        waiting
            .iter()
            .all(|m| m.status == Status::Queued && m.attempts >= 1)
    );
    let delayed: Vec<i64> = outbox::Entity::find()
        .all(app.db())
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();

    // The server comes up; once the pause is over, everything is delivered, once. (Moving
    // the clock on may queue more, such as a reminder for a demo event now a day away: those
    // count too.)
    let smtp = SmtpServer::start(port, &[]);
    app.clock.advance(chrono::Duration::minutes(10));
    // Until every message in the outbox has arrived, those queued after the clock moved
    // included (on a busy machine the worker's next rounds can take a while); then, after one
    // more round of the worker (a second copy of anything would have arrived by then), the
    // same again.
    let mut total = 0;
    for round in 0..2 {
        if round == 1 {
            tokio::time::sleep(Duration::from_secs(3)).await;
        }
        for _ in 0..600 {
            total = outbox::Entity::find().all(app.db()).await.unwrap().len();
            if total >= delayed.len() && smtp.received().len() >= total {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let received = smtp.received();
    assert!(total >= delayed.len());
    assert_eq!(received.len(), total, "every message, and each once");
    let mut ids: Vec<String> = received
        .iter()
        .map(|m| m.header("Message-ID").unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), total);
    assert!(
        outbox::Entity::find()
            .all(app.db())
            .await
            .unwrap()
            .iter()
            .all(|m| m.status == Status::Sent)
    );
}

#[tokio::test]
async fn a_refused_address_is_given_up_on_and_shown_to_admins() {
    crate::helpers::needs_peers!();
    let port = free_port();
    let smtp = SmtpServer::start(port, &[TOM]);
    let app = mailing_app(port, &[]).await;
    let gareth = signed_in(&app, GARETH).await;
    gareth
        .post(
            &app,
            "/events/new",
            &event_form("Towpath Data Walk", &in_a_month()),
        )
        .await;
    smtp.wait_for(|m| m.rcpt_tos == [PRIYA] && m.subject().contains("Towpath"))
        .await;
    let mut dead = None;
    for _ in 0..100 {
        dead = queued(&app, "event-submitted")
            .await
            .into_iter()
            .find(|m| m.to_address == TOM && m.status == Status::Dead);
        if dead.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let dead = dead.expect("the refused message is given up on at once");
    assert_eq!(dead.attempts, 1, "a permanent refusal is not retried");
    assert!(
        dead.last_error
            .as_deref()
            .unwrap()
            .contains("No such mailbox")
    );
    let priya = signed_in(&app, PRIYA).await;
    let list = priya
        .get(&format!("{}/admin/outbox", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("Not delivered") && list.contains("No such mailbox"));
    // Tried again on an admin's word: queued from the start.
    let resp = priya
        .post(&app, &format!("/admin/outbox/{}/retry", dead.id), &[])
        .await;
    assert_eq!(resp.status(), 303);
    let again = outbox::Entity::find_by_id(dead.id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    // The worker may already have tried it again (and been refused again): either way the
    // retry put it back in the queue from now.
    assert!(
        again.next_attempt_at > dead.next_attempt_at,
        "queued again from the moment of the retry"
    );
    assert!(again.attempts <= 1, "its attempts start again from none");
    assert_eq!(
        signed_in(&app, GARETH)
            .await
            .post(&app, &format!("/admin/outbox/{}/retry", dead.id), &[])
            .await
            .status(),
        403
    );
}

/// Two workers (as two instances would run) on one database: every message is sent once.
#[tokio::test]
async fn two_workers_on_one_database_send_each_message_once() {
    crate::helpers::needs_peers!();
    let port = free_port();
    let smtp = SmtpServer::start(port, &[]);
    // The app itself has no mail server, so no worker of its own: the two below are the
    // only ones.
    let app = demo_app(&[]).await;
    let now = app.state.clock.now();
    let admins = convene::notify::outbox::admins(app.db(), None)
        .await
        .unwrap();
    for i in 0..20 {
        convene::notify::outbox::enqueue(
            app.db(),
            convene::notify::outbox::Mail {
                kind: "event-submitted",
                topic: convene::notify::topics::SUBMISSIONS,
                to: &admins[i % admins.len()],
                data: serde_json::json!({
                    "title": format!("Event {i}"),
                    "author": "Test",
                    "change": false,
                    "note": null,
                    "path": "/admin/moderation",
                }),
                dedupe_key: format!("two-workers:{i}"),
            },
            now,
        )
        .await
        .unwrap();
    }
    let smtp_config = convene::config::SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        security: convene::config::SmtpSecurity::None,
        credentials: None,
        from: "Open Data Forum <forum@example.org>".into(),
        timeout: Duration::from_secs(10),
    };
    let state = app.state.clone();
    let mut workers = Vec::new();
    for _ in 0..2 {
        let state = state.clone();
        let smtp_config = smtp_config.clone();
        workers.push(tokio::spawn(async move {
            let mailer = convene::notify::worker::transport(&smtp_config).unwrap();
            let mut sent = 0;
            for _ in 0..50 {
                let n = convene::notify::worker::run_once(&state, &smtp_config, &mailer)
                    .await
                    .unwrap();
                sent += n;
                if n == 0 {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            sent
        }));
    }
    let mut sent = 0;
    for w in workers {
        sent += w.await.unwrap();
    }
    // The server's own rounds may queue more meanwhile (a reminder for a demo event now a day
    // away): those count too, so the total is read once the workers are done.
    let rows = outbox::Entity::find().all(app.db()).await.unwrap();
    assert!(
        rows.iter().all(|m| m.status != Status::Queued),
        "nothing left waiting"
    );
    let total = rows.iter().filter(|m| m.status == Status::Sent).count();
    assert!(total >= 20);
    assert_eq!(sent, total, "between them, the workers sent each message");
    let received = smtp.received();
    assert_eq!(received.len(), total, "and the server got each once");
    let mut ids: Vec<String> = received
        .iter()
        .map(|m| m.header("Message-ID").unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), total);
}

#[tokio::test]
async fn every_message_stops_its_kind_with_one_click_and_reminders_carry_the_calendar_entry() {
    crate::helpers::needs_peers!();
    let port = free_port();
    let smtp = SmtpServer::start(port, &[]);
    let app = mailing_app(
        port,
        &[("smtp.from", "Open Data Forum <forum@example.org>")],
    )
    .await;
    const HELEN: &str = "helen.mcallister@openstreets-trust.example";

    // Tom withdraws from the full hack day: Helen, first in line, gets his place.
    let tom = signed_in(&app, TOM).await;
    tom.post(
        &app,
        "/events/bus-data-hack-day/rsvp",
        &[("answer", "withdraw")],
    )
    .await;
    let to_helen = smtp
        .wait_for(|m| m.rcpt_tos == [HELEN] && m.subject().starts_with("You have a place"))
        .await;
    let header = to_helen
        .header("List-Unsubscribe")
        .expect("List-Unsubscribe");
    let link = header
        .strip_prefix('<')
        .and_then(|h| h.strip_suffix('>'))
        .unwrap()
        .to_string();
    assert!(
        link.starts_with(&format!("{}/mail/unsubscribe/", app.url)) && link.ends_with("/places"),
        "{link}"
    );
    assert_eq!(
        to_helen.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    assert!(to_helen.data.contains("Stop these e-mails (Waiting list)"));

    // Opening the link (as mail scanners do) only asks.
    let nobody = crate::helpers::browser_client();
    let page = nobody.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = crate::helpers::unescape(&page.text().await.unwrap());
    assert!(
        page.contains("Stop e-mails about \u{201c}Waiting list\u{201d}?"),
        "{page}"
    );
    assert!(page.contains(HELEN));
    let helen = entity::user::Entity::find()
        .filter(entity::user::Column::Email.eq(HELEN))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let wants = |topic: &'static str| {
        let db = app.db().clone();
        async move {
            convene::notify::preferences::wants(&db, helen.id, topic)
                .await
                .unwrap()
        }
    };
    assert!(wants("places").await);

    // The mail program's one-click POST: no cookie, no token, no sign-in.
    let resp = reqwest::Client::new()
        .post(&link)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(!wants("places").await, "places are off");
    assert!(wants("reminders").await, "other topics stay on");
    // Twice is the same as once.
    let resp = reqwest::Client::new().post(&link).send().await.unwrap();
    assert_eq!(resp.status(), 200);

    // A link with a secret nobody has, or a topic that does not exist: 404, nothing changed.
    let forged = format!("{}/mail/unsubscribe/{}/places", app.url, "A".repeat(43));
    assert_eq!(
        reqwest::Client::new()
            .post(&forged)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let wrong_topic = link.replace("/places", "/everything");
    assert_eq!(
        reqwest::Client::new()
            .post(&wrong_topic)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // The day before the hack day, those going get a reminder with the calendar entry.
    let e = entity::event::Entity::find()
        .filter(entity::event::Column::Title.eq("Bus Data Hack Day"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    app.clock
        .advance(e.starts_at - chrono::Utc::now() - chrono::Duration::hours(20));
    convene::rsvp::notices::send_reminders(&app.state)
        .await
        .unwrap();
    let reminder = smtp
        .wait_for(|m| m.rcpt_tos == [HELEN] && m.subject() == "Tomorrow: Bus Data Hack Day")
        .await;
    assert!(reminder.data.contains("multipart/mixed"));
    assert!(reminder.data.contains("text/calendar"));
    assert!(reminder.data.contains("filename=\"bus-data-hack-day.ics\""));
    assert!(
        reminder
            .header("List-Unsubscribe")
            .unwrap()
            .ends_with("/reminders>"),
        "the reminder's link stops reminders"
    );
}

#[tokio::test]
async fn a_connection_dropped_mid_message_is_tried_again_and_delivered_once() {
    crate::helpers::needs_peers!();
    let port = free_port();
    let smtp = SmtpServer::start_with(port, &[], 1);
    // The demo's own messages go out as the app starts: the first is lost on the way.
    let app = mailing_app(port, &[("smtp.timeout_secs", "2")]).await;
    let total = outbox::Entity::find().all(app.db()).await.unwrap().len();
    assert!(total > 1);
    let mut dropped = None;
    for _ in 0..100 {
        dropped = outbox::Entity::find()
            .filter(outbox::Column::LastError.is_not_null())
            .one(app.db())
            .await
            .unwrap();
        if dropped.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let dropped = dropped.expect("the lost message is recorded");
    assert_eq!(dropped.status, Status::Queued, "it waits to be tried again");

    // After its pause it is sent again: every message arrives, each once.
    app.clock.advance(chrono::Duration::minutes(10));
    for _ in 0..300 {
        if smtp.received().len() >= total {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let received = smtp.received();
    assert_eq!(received.len(), total, "every message, and each once");
    let mut ids: Vec<String> = received
        .iter()
        .map(|m| m.header("Message-ID").unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), total);
    let again = outbox::Entity::find_by_id(dropped.id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.status, Status::Sent);
    assert_eq!(again.attempts, 2);
}
