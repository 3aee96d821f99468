//! Rate limits for actions worth abusing: per address (signing in) and per member (posting
//! in the forum).
//! Limits are kept in each instance's memory: with several instances an address gets each
//! instance's allowance, which still stops a flood.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use poem::Request;

use crate::error::AppError;

pub struct AddressLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    trust_forwarded_for: bool,
    checks: AtomicU32,
    message: &'static str,
}

impl AddressLimiter {
    pub fn per_minute(count: u32, trust_forwarded_for: bool, message: &'static str) -> Self {
        let count = NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN);
        Self {
            limiter: RateLimiter::keyed(Quota::per_minute(count)),
            trust_forwarded_for,
            checks: AtomicU32::new(0),
            message,
        }
    }

    /// Counts one attempt from the request's address; refuses once the allowance is spent.
    pub fn check(&self, req: &Request) -> Result<(), AppError> {
        // Forget quiet addresses now and then so the table does not grow for ever.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 1024 == 1023 {
            self.limiter.retain_recent();
        }
        let Some(ip) = client_ip(req, self.trust_forwarded_for) else {
            return Ok(());
        };
        self.limiter.check_key(&ip).map_err(|not_until| {
            use governor::clock::Clock;
            let wait = not_until.wait_time_from(self.limiter.clock().now());
            AppError::TooManyRequests {
                message: self.message.to_string(),
                retry_after_secs: wait.as_secs() + 1,
            }
        })
    }
}

/// The client's address: the socket's peer, or behind a trusted reverse proxy the last
/// address it appended to `X-Forwarded-For`.
pub fn client_ip(req: &Request, trust_forwarded_for: bool) -> Option<IpAddr> {
    if trust_forwarded_for
        && let Some(ip) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return Some(ip);
    }
    req.remote_addr().as_socket_addr().map(|addr| addr.ip())
}

/// A limit per member: so many actions an hour, refilled evenly.
pub struct MemberLimiter {
    limiter: DefaultKeyedRateLimiter<i64>,
    checks: AtomicU32,
    message: &'static str,
}

impl MemberLimiter {
    pub fn per_hour(count: u32, message: &'static str) -> Self {
        let count = NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN);
        Self {
            limiter: RateLimiter::keyed(Quota::per_hour(count)),
            checks: AtomicU32::new(0),
            message,
        }
    }

    /// Counts one action by this account; refuses once the allowance is spent, saying when
    /// the next one is possible.
    pub fn check(&self, account: i64) -> Result<(), AppError> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % 1024 == 1023 {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&account).map_err(|not_until| {
            use governor::clock::Clock;
            let wait = not_until.wait_time_from(self.limiter.clock().now());
            let minutes = wait.as_secs().div_ceil(60).max(1);
            AppError::TooManyRequests {
                message: format!(
                    "{} You can post again in {minutes} minute{}.",
                    self.message,
                    if minutes == 1 { "" } else { "s" }
                ),
                retry_after_secs: wait.as_secs() + 1,
            }
        })
    }
}
