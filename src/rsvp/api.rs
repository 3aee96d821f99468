//! Answers in the JSON API: a token holder answers for an event, or one date of a series, as
//! on its page (Going, Can't come, staying for the extra, a private note), or takes the
//! answer back. The same form rules, the same workflow and so the same places, waiting list
//! and deadline as the pages.

use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, Tags};

use crate::api::auth::Token;
use crate::api::problem::{Problem, WriteError};
use crate::error::AppError;
use crate::events::{self, queries::Lookup};
use crate::rsvp::forms::AnswerForm;
use crate::rsvp::routes::find_slot;
use crate::rsvp::workflow::{self, Outcome};
use crate::state::AppState;

#[derive(Tags)]
enum RsvpTags {
    /// Answering events as the token's member.
    Answers,
}

/// What the member answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum Reply {
    Going,
    CantCome,
}

/// An answer.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct AnswerBody {
    pub answer: Reply,
    /// Staying for the extra the event offers (lunch), when going.
    #[oai(default)]
    pub extra: bool,
    /// A dietary or access note for the organiser (at most 500 characters), when going. Line
    /// breaks and tabs, but no other control characters.
    #[oai(validator(
        max_length = 500,
        pattern = r"^(?:[^\x00-\x08\x0B-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]|\r\n)*$"
    ))]
    pub note: Option<String>,
}

/// Where the member stands after answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum Standing {
    Going,
    /// On the waiting list (`position` says where; 1 is next).
    Waiting,
    /// Can't come (apologies).
    Apologies,
    /// No answer.
    None,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AnswerResult {
    pub standing: Standing,
    /// The place on the waiting list.
    pub position: Option<u64>,
    /// What the page would say.
    pub message: String,
}

#[derive(ApiResponse)]
enum AnswerResponse {
    /// The answer is taken.
    #[oai(status = 200)]
    Ok(Json<AnswerResult>),
}

fn result(outcome: Outcome, message: String) -> AnswerResult {
    let (standing, position) = match outcome {
        Outcome::Going => (Standing::Going, None),
        Outcome::Waiting(n) => (Standing::Waiting, Some(n)),
        Outcome::Apologies => (Standing::Apologies, None),
        Outcome::Withdrawn => (Standing::None, None),
    };
    AnswerResult {
        standing,
        position,
        message,
    }
}

async fn take(
    state: &AppState,
    token: &Token,
    slug: &str,
    date: Option<String>,
    form: AnswerForm,
) -> Result<AnswerResult, WriteError> {
    let actor = token.writer()?;
    // Only what is public exists for the API, whoever holds the token (an author's own
    // draft too); an older slug finds the event, as on the site.
    let current = match events::queries::find_by_slug(&state.db, slug).await? {
        Some(Lookup::Found(e)) if e.status.is_public() => e.slug,
        Some(Lookup::Moved(current)) => current,
        _ => return Err(AppError::NotFound.into()),
    };
    // A day that is not one (2026-02-30) is a date the event does not have: 404.
    let (e, slot) = find_slot(state, None, &current, date.as_deref()).await?;
    let input = form.parse().map_err(|errors| {
        let (field, message) = errors
            .into_iter()
            .next()
            .unwrap_or(("answer", String::new()));
        Problem::bad(field, message)
    })?;
    let answered =
        workflow::answer(&state.db, actor, e.id, slot.date, &input, state.clock.now()).await?;
    let message = crate::rsvp::views::outcome_message(
        answered.outcome,
        crate::rsvp::views::extra_label(&e).as_deref(),
        input.extra,
    );
    Ok(result(answered.outcome, message))
}

pub struct RsvpApi;

#[OpenApi(tag = "RsvpTags::Answers")]
impl RsvpApi {
    /// Answer for an event
    ///
    /// Going or Can't come, for a one-off event (a series is answered date by date: see
    /// `answerEventDate`; here it is not found). Going takes a place, or a place on the
    /// waiting list when the event is full; answering again changes the answer and keeps a
    /// place already held. Needs a token with the write scope.
    #[oai(
        path = "/events/:slug/answer",
        method = "put",
        operation_id = "answerEvent"
    )]
    async fn answer(
        &self,
        state: Data<&AppState>,
        token: Token,
        /// The event's slug.
        #[oai(validator(max_length = 200, pattern = r"^[^\x00-\x1F\x7F]+$"))]
        slug: Path<String>,
        body: Json<AnswerBody>,
    ) -> Result<AnswerResponse, WriteError> {
        let answered = take(&state, &token, &slug.0, None, form_of(&body)).await?;
        Ok(AnswerResponse::Ok(Json(answered)))
    }

    /// Take back an answer
    ///
    /// Removes the member's answer to a one-off event; a place it held goes to the first on
    /// the waiting list at once. Taking back no answer is harmless. Needs a token with the
    /// write scope.
    #[oai(
        path = "/events/:slug/answer",
        method = "delete",
        operation_id = "withdrawAnswer"
    )]
    async fn withdraw(
        &self,
        state: Data<&AppState>,
        token: Token,
        /// The event's slug.
        #[oai(validator(max_length = 200, pattern = r"^[^\x00-\x1F\x7F]+$"))]
        slug: Path<String>,
    ) -> Result<AnswerResponse, WriteError> {
        let answered = take(&state, &token, &slug.0, None, withdrawal()).await?;
        Ok(AnswerResponse::Ok(Json(answered)))
    }

    /// Answer for a date of a series
    ///
    /// As `answerEvent`, for the date of a series planned for `date` (its page's address:
    /// `/events/{slug}/{date}`); a day the series does not meet is not found.
    #[oai(
        path = "/events/:slug/dates/:date/answer",
        method = "put",
        operation_id = "answerEventDate"
    )]
    async fn answer_date(
        &self,
        state: Data<&AppState>,
        token: Token,
        /// The series' slug.
        #[oai(validator(max_length = 200, pattern = r"^[^\x00-\x1F\x7F]+$"))]
        slug: Path<String>,
        /// The date, as `2026-12-09`.
        #[oai(validator(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))]
        date: Path<String>,
        body: Json<AnswerBody>,
    ) -> Result<AnswerResponse, WriteError> {
        let answered = take(&state, &token, &slug.0, Some(date.0), form_of(&body)).await?;
        Ok(AnswerResponse::Ok(Json(answered)))
    }

    /// Take back an answer for a date of a series
    #[oai(
        path = "/events/:slug/dates/:date/answer",
        method = "delete",
        operation_id = "withdrawDateAnswer"
    )]
    async fn withdraw_date(
        &self,
        state: Data<&AppState>,
        token: Token,
        /// The series' slug.
        #[oai(validator(max_length = 200, pattern = r"^[^\x00-\x1F\x7F]+$"))]
        slug: Path<String>,
        /// The date, as `2026-12-09`.
        #[oai(validator(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))]
        date: Path<String>,
    ) -> Result<AnswerResponse, WriteError> {
        let answered = take(&state, &token, &slug.0, Some(date.0), withdrawal()).await?;
        Ok(AnswerResponse::Ok(Json(answered)))
    }
}

fn form_of(body: &AnswerBody) -> AnswerForm {
    AnswerForm {
        answer: match body.answer {
            Reply::Going => "going",
            Reply::CantCome => "cant",
        }
        .into(),
        extra: body.extra.then(|| "on".to_string()),
        note: body.note.clone().unwrap_or_default(),
    }
}

fn withdrawal() -> AnswerForm {
    AnswerForm {
        answer: "withdraw".into(),
        ..Default::default()
    }
}
