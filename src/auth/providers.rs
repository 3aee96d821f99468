//! Identity providers: building the authorization request (code flow with PKCE, `state`, and
//! `nonce` for OpenID Connect) and turning the callback's code into a verified identity.
//!
//! OpenID Connect providers (any issuer, Google, Microsoft) are found through their discovery
//! document, cached for a while, and their ID tokens are validated (signature against the
//! provider's keys, issuer, audience, expiry, nonce). GitHub is plain OAuth2 plus its user and
//! verified-emails API.

use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreJsonWebKeySet, CoreProviderMetadata,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, TokenResponse,
};
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::config::{Config, ProviderConfig, ProviderKind};

/// How long a discovery document and key set are trusted before being fetched again.
const METADATA_TTL: Duration = Duration::from_secs(600);

/// What a provider told us about the person, after verification.
#[derive(Debug, Clone)]
pub struct ProviderIdentity {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
}

/// Where to send the browser, and what to remember until it comes back.
pub struct AuthRequest {
    pub url: String,
    pub state: String,
    pub pkce_verifier: String,
    pub nonce: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The provider did not answer, answered too slowly, or answered nonsense.
    #[error("{0}")]
    Unavailable(String),
    /// The provider answered, but the answer cannot be trusted or was refused.
    #[error("{0}")]
    Rejected(String),
}

pub struct Provider {
    pub config: ProviderConfig,
    redirect_url: RedirectUrl,
    metadata: Mutex<Option<(Instant, CoreProviderMetadata)>>,
}

pub struct Providers {
    http: reqwest::Client,
    entries: Vec<Provider>,
}

impl Providers {
    pub fn new(config: &Config) -> Result<Self, String> {
        // Never follow redirects from a provider's back channel.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.auth.provider_timeout)
            .connect_timeout(config.auth.provider_timeout)
            .user_agent(concat!("Convene/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let entries = config
            .auth
            .providers
            .iter()
            .map(|p| {
                let redirect = config.absolute_url(&format!("/auth/{}/callback", p.id));
                Ok(Provider {
                    config: p.clone(),
                    redirect_url: RedirectUrl::new(redirect)
                        .map_err(|e| format!("provider {}: bad redirect URL: {e}", p.id))?,
                    metadata: Mutex::new(None),
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(Self { http, entries })
    }

    pub fn get(&self, id: &str) -> Option<&Provider> {
        self.entries.iter().find(|p| p.config.id == id)
    }

    pub fn all(&self) -> &[Provider] {
        &self.entries
    }

    pub async fn begin(&self, provider: &Provider) -> Result<AuthRequest, ProviderError> {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        match &provider.config.kind {
            ProviderKind::GitHub => {
                let client = github_client(provider)?;
                let (url, state) = client
                    .authorize_url(CsrfToken::new_random)
                    .add_scope(Scope::new("read:user".into()))
                    .add_scope(Scope::new("user:email".into()))
                    .set_pkce_challenge(challenge)
                    .url();
                Ok(AuthRequest {
                    url: url.to_string(),
                    state: state.secret().clone(),
                    pkce_verifier: verifier.secret().clone(),
                    nonce: None,
                })
            }
            _ => {
                let metadata = self.metadata(provider, false).await?;
                let client = CoreClient::from_provider_metadata(
                    metadata,
                    ClientId::new(provider.config.client_id.clone()),
                    Some(ClientSecret::new(provider.config.client_secret.clone())),
                )
                .set_redirect_uri(provider.redirect_url.clone());
                let (url, state, nonce) = client
                    .authorize_url(
                        CoreAuthenticationFlow::AuthorizationCode,
                        CsrfToken::new_random,
                        Nonce::new_random,
                    )
                    .add_scope(Scope::new("email".into()))
                    .add_scope(Scope::new("profile".into()))
                    .set_pkce_challenge(challenge)
                    .url();
                Ok(AuthRequest {
                    url: url.to_string(),
                    state: state.secret().clone(),
                    pkce_verifier: verifier.secret().clone(),
                    nonce: Some(nonce.secret().clone()),
                })
            }
        }
    }

    /// Exchanges the code and verifies what comes back.
    pub async fn finish(
        &self,
        provider: &Provider,
        code: String,
        pkce_verifier: String,
        nonce: Option<String>,
    ) -> Result<ProviderIdentity, ProviderError> {
        match &provider.config.kind {
            ProviderKind::GitHub => self.finish_github(provider, code, pkce_verifier).await,
            _ => {
                let nonce = nonce.ok_or_else(|| {
                    ProviderError::Rejected("the sign-in was started without a nonce".into())
                })?;
                self.finish_oidc(provider, code, pkce_verifier, nonce).await
            }
        }
    }

    async fn finish_oidc(
        &self,
        provider: &Provider,
        code: String,
        pkce_verifier: String,
        nonce: String,
    ) -> Result<ProviderIdentity, ProviderError> {
        let metadata = self.metadata(provider, false).await?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(provider.config.client_id.clone()),
            Some(ClientSecret::new(provider.config.client_secret.clone())),
        )
        .set_redirect_uri(provider.redirect_url.clone());
        let token = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| ProviderError::Unavailable(format!("no token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier))
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        let id_token = token
            .id_token()
            .ok_or_else(|| ProviderError::Rejected("the provider sent no ID token".into()))?;
        let nonce = Nonce::new(nonce);
        let multi_tenant_microsoft = matches!(
            &provider.config.kind,
            ProviderKind::Microsoft { tenant } if is_multi_tenant(tenant)
        );

        // What the ID token says: the subject always; e-mail, its verification and the name
        // only if the provider put them there (many send them from UserInfo alone).
        struct Stated {
            subject: String,
            email: Option<String>,
            email_verified: Option<bool>,
            name: Option<String>,
        }
        let verify = |client: &CoreClient<_, _, _, _, _, _>| -> Result<Stated, String> {
            let verifier = client
                .id_token_verifier()
                .require_issuer_match(!multi_tenant_microsoft);
            let claims = id_token
                .claims(&verifier, &nonce)
                .map_err(|e| e.to_string())?;
            if multi_tenant_microsoft && !is_microsoft_tenant_issuer(claims.issuer().as_str()) {
                return Err(format!("unexpected issuer {}", claims.issuer().as_str()));
            }
            Ok(Stated {
                subject: claims.subject().to_string(),
                email: claims.email().map(|e| e.to_string()),
                email_verified: claims.email_verified(),
                name: claims
                    .name()
                    .and_then(|n| n.get(None))
                    .map(|n| n.to_string()),
            })
        };

        let (mut stated, client) = match verify(&client) {
            Ok(stated) => (stated, client),
            Err(first) => {
                // The provider may have rotated its keys since we cached them: fetch them
                // again and retry once before refusing.
                let fresh = self.metadata(provider, true).await?;
                let client = CoreClient::from_provider_metadata(
                    fresh,
                    ClientId::new(provider.config.client_id.clone()),
                    Some(ClientSecret::new(provider.config.client_secret.clone())),
                );
                let stated = verify(&client).map_err(|second| {
                    tracing::warn!(provider = %provider.config.id, error = %second, first = %first, "ID token rejected");
                    ProviderError::Rejected(format!("the ID token could not be verified: {second}"))
                })?;
                (stated, client)
            }
        };

        // OpenID Connect lets a provider that issues an access token return the profile and
        // e-mail claims from its UserInfo endpoint only (oidc-provider by default, Okta,
        // Entra ID without optional claims): ask there for what the ID token left out. The
        // answer must be about the same subject.
        if stated.email.is_none() || stated.email_verified.is_none() || stated.name.is_none() {
            let subject = openidconnect::SubjectIdentifier::new(stated.subject.clone());
            let request = client
                .user_info(token.access_token().clone(), Some(subject))
                .map_err(|e| ProviderError::Rejected(format!("no UserInfo endpoint: {e}")))?;
            let info: openidconnect::core::CoreUserInfoClaims =
                request.request_async(&self.http).await.map_err(|e| {
                    tracing::warn!(provider = %provider.config.id, error = %e, "UserInfo request failed");
                    match e {
                        // An answer about someone else, or one that does not check out.
                        openidconnect::UserInfoError::ClaimsVerification(_)
                        | openidconnect::UserInfoError::Parse(_) => ProviderError::Rejected(
                            format!("its UserInfo answer was refused: {e}"),
                        ),
                        _ => ProviderError::Unavailable(format!(
                            "its UserInfo endpoint failed: {e}"
                        )),
                    }
                })?;
            if stated.email.is_none() {
                stated.email = info.email().map(|e| e.to_string());
                stated.email_verified = info.email_verified();
            }
            stated.email_verified = stated.email_verified.or(info.email_verified());
            if stated.name.is_none() {
                stated.name = info.name().and_then(|n| n.get(None)).map(|n| n.to_string());
            }
        }

        let verified = match &provider.config.kind {
            // A single tenant's directory is run by the organisation that owns the addresses
            // in it; across tenants, Entra ID does not vouch for addresses.
            ProviderKind::Microsoft { tenant } => !is_multi_tenant(tenant),
            _ => stated.email_verified.unwrap_or(false),
        };
        Ok(ProviderIdentity {
            subject: stated.subject,
            email_verified: verified && stated.email.is_some(),
            email: stated.email,
            name: stated.name,
        })
    }

    async fn finish_github(
        &self,
        provider: &Provider,
        code: String,
        pkce_verifier: String,
    ) -> Result<ProviderIdentity, ProviderError> {
        let client = github_client(provider)?;
        let token = client
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier))
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        let bearer = token.access_token().secret();

        #[derive(Deserialize)]
        struct GitHubUser {
            id: u64,
            login: String,
            name: Option<String>,
        }
        let user: GitHubUser = self
            .github_get("https://api.github.com/user", bearer)
            .await?;
        let emails: Vec<GitHubEmail> = self
            .github_get("https://api.github.com/user/emails", bearer)
            .await?;
        let (email, email_verified) = match choose_github_email(&emails) {
            Some(email) => (Some(email), true),
            None => (None, false),
        };
        Ok(ProviderIdentity {
            subject: user.id.to_string(),
            email,
            email_verified,
            name: user
                .name
                .filter(|n| !n.trim().is_empty())
                .or(Some(user.login)),
        })
    }

    async fn github_get<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        bearer: &str,
    ) -> Result<T, ProviderError> {
        let resp = self
            .http
            .get(url)
            .bearer_auth(bearer)
            .header("accept", "application/vnd.github+json")
            .send()
            .await
            .map_err(|e| ProviderError::Unavailable(format!("GitHub did not answer: {e}")))?;
        if !resp.status().is_success() {
            return Err(ProviderError::Rejected(format!(
                "GitHub answered {} for {url}",
                resp.status()
            )));
        }
        resp.json().await.map_err(|e| {
            ProviderError::Unavailable(format!("GitHub sent something unexpected: {e}"))
        })
    }

    /// The provider's discovery document and keys, from the cache while fresh.
    async fn metadata(
        &self,
        provider: &Provider,
        refresh: bool,
    ) -> Result<CoreProviderMetadata, ProviderError> {
        let mut cached = provider.metadata.lock().await;
        if !refresh
            && let Some((at, metadata)) = cached.as_ref()
            && at.elapsed() < METADATA_TTL
        {
            return Ok(metadata.clone());
        }
        let issuer = issuer_url(&provider.config.kind);
        let metadata = self.discover(&issuer, &provider.config.kind).await?;
        *cached = Some((Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    async fn discover(
        &self,
        issuer: &str,
        kind: &ProviderKind,
    ) -> Result<CoreProviderMetadata, ProviderError> {
        let unavailable = |e: String| ProviderError::Unavailable(e);
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let resp = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| unavailable(format!("cannot fetch {url}: {}", describe(&e))))?;
        if !resp.status().is_success() {
            return Err(unavailable(format!("{url} answered {}", resp.status())));
        }
        let body = resp
            .bytes()
            .await
            .map_err(|e| unavailable(format!("cannot read {url}: {}", describe(&e))))?;
        let metadata: CoreProviderMetadata = serde_json::from_slice(&body)
            .map_err(|e| unavailable(format!("{url} is not a discovery document: {e}")))?;
        // A multi-tenant Microsoft document names a templated issuer; every other provider
        // must name exactly the issuer we were configured with.
        let expected = issuer.trim_end_matches('/');
        let stated = metadata.issuer().as_str().trim_end_matches('/');
        let templated =
            matches!(kind, ProviderKind::Microsoft { tenant } if is_multi_tenant(tenant));
        if !templated && stated != expected {
            return Err(ProviderError::Rejected(format!(
                "the discovery document names the issuer {stated}, not {expected}"
            )));
        }
        let jwks = CoreJsonWebKeySet::fetch_async(metadata.jwks_uri(), &self.http)
            .await
            .map_err(|e| unavailable(format!("cannot fetch the provider's keys: {e}")))?;
        Ok(metadata.set_jwks(jwks))
    }
}

type GitHubClient = oauth2::Client<
    oauth2::basic::BasicErrorResponse,
    oauth2::basic::BasicTokenResponse,
    oauth2::basic::BasicTokenIntrospectionResponse,
    oauth2::StandardRevocableToken,
    oauth2::basic::BasicRevocationErrorResponse,
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

fn github_client(provider: &Provider) -> Result<GitHubClient, ProviderError> {
    let bad = |e: oauth2::url::ParseError| ProviderError::Unavailable(e.to_string());
    Ok(
        oauth2::basic::BasicClient::new(oauth2::ClientId::new(provider.config.client_id.clone()))
            .set_client_secret(oauth2::ClientSecret::new(
                provider.config.client_secret.clone(),
            ))
            .set_auth_uri(
                oauth2::AuthUrl::new("https://github.com/login/oauth/authorize".into())
                    .map_err(bad)?,
            )
            .set_token_uri(
                oauth2::TokenUrl::new("https://github.com/login/oauth/access_token".into())
                    .map_err(bad)?,
            )
            .set_redirect_uri(
                oauth2::RedirectUrl::new(provider.redirect_url.to_string()).map_err(bad)?,
            ),
    )
}

#[derive(Debug, Deserialize)]
struct GitHubEmail {
    email: String,
    primary: bool,
    verified: bool,
}

/// The primary address if GitHub verified it, else any verified address.
fn choose_github_email(emails: &[GitHubEmail]) -> Option<String> {
    emails
        .iter()
        .filter(|e| e.verified)
        .max_by_key(|e| e.primary)
        .map(|e| e.email.clone())
}

fn issuer_url(kind: &ProviderKind) -> String {
    match kind {
        ProviderKind::Oidc { issuer } => issuer.as_str().trim_end_matches('/').to_string(),
        ProviderKind::Google => "https://accounts.google.com".into(),
        ProviderKind::Microsoft { tenant } => {
            format!("https://login.microsoftonline.com/{tenant}/v2.0")
        }
        ProviderKind::GitHub => "https://github.com".into(),
    }
}

fn is_multi_tenant(tenant: &str) -> bool {
    matches!(tenant, "common" | "organizations" | "consumers")
}

/// `https://login.microsoftonline.com/{tenant id}/v2.0`, the issuer of a real tenant.
fn is_microsoft_tenant_issuer(issuer: &str) -> bool {
    issuer
        .strip_prefix("https://login.microsoftonline.com/")
        .and_then(|rest| rest.strip_suffix("/v2.0"))
        .is_some_and(|tid| {
            tid.len() == 36 && tid.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
        })
}

fn describe(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        "it did not answer in time".into()
    } else if err.is_connect() {
        "it could not be reached".into()
    } else {
        err.to_string()
    }
}

fn token_error<RE, T>(err: RequestTokenError<RE, T>) -> ProviderError
where
    RE: std::error::Error + 'static,
    T: oauth2::ErrorResponse + 'static,
{
    match err {
        RequestTokenError::ServerResponse(response) => {
            ProviderError::Rejected(format!("the provider refused the sign-in code: {response}"))
        }
        RequestTokenError::Request(e) => {
            let text = e.to_string();
            let timed_out = std::error::Error::source(&e).is_some_and(|s| {
                s.downcast_ref::<reqwest::Error>()
                    .or_else(|| s.downcast_ref::<Box<reqwest::Error>>().map(|b| &**b))
                    .is_some_and(reqwest::Error::is_timeout)
            });
            ProviderError::Unavailable(if timed_out {
                "the provider did not answer in time".into()
            } else {
                format!("the provider could not be reached: {text}")
            })
        }
        other => {
            ProviderError::Unavailable(format!("the provider's answer was not usable: {other}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_email_must_be_verified() {
        let emails = vec![
            GitHubEmail {
                email: "unverified-primary@example.org".into(),
                primary: true,
                verified: false,
            },
            GitHubEmail {
                email: "work@northvale-council.example".into(),
                primary: false,
                verified: true,
            },
        ];
        assert_eq!(
            choose_github_email(&emails).as_deref(),
            Some("work@northvale-council.example")
        );
        assert_eq!(choose_github_email(&emails[..1]), None);
    }

    #[test]
    fn microsoft_multi_tenant_issuers() {
        assert!(is_microsoft_tenant_issuer(
            "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"
        ));
        assert!(!is_microsoft_tenant_issuer(
            "https://login.microsoftonline.com.evil.example/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"
        ));
        assert!(!is_microsoft_tenant_issuer(
            "https://login.microsoftonline.com/{tenantid}/v2.0"
        ));
        assert_eq!(
            issuer_url(&ProviderKind::Microsoft {
                tenant: "northvale.example".into()
            }),
            "https://login.microsoftonline.com/northvale.example/v2.0"
        );
    }
}
