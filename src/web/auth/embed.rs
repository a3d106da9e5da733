//! Embed tokens: a URL that opens one widget read-only (`/embed/ID?embed=TOKEN`), so a widget
//! can be shown on another page without handing out the dashboard. A token is
//! `ID.EXPIRY.MAC`: the widget, an expiry in epoch seconds (0 for none), and an HMAC-SHA-256 of
//! both under the server's embed secret. Rotating the secret revokes every token at once.

use std::sync::{PoisonError, RwLock};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::secrets::random_key;

type HmacSha256 = Hmac<Sha256>;

/// Why an embed token is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmbedError {
    /// Not a token this server made (or made before the secret was rotated).
    #[error("the embed token is not valid (wrong, or revoked by rotating the embed secret)")]
    Invalid,
    /// Past its expiry.
    #[error("the embed token expired")]
    Expired,
}

/// Signs and checks embed tokens.
#[derive(Debug)]
pub struct EmbedSigner {
    secret: RwLock<[u8; 32]>,
}

impl Default for EmbedSigner {
    fn default() -> Self {
        Self {
            secret: RwLock::new(random_key()),
        }
    }
}

impl EmbedSigner {
    fn mac(&self, widget: &str, expires: u64) -> HmacSha256 {
        let secret = self.secret.read().unwrap_or_else(PoisonError::into_inner);
        let mut mac = HmacSha256::new_from_slice(&*secret).expect("HMAC takes a key of any size");
        mac.update(format!("streamviz-embed\n{widget}\n{expires}").as_bytes());
        mac
    }

    /// A token for `widget`, valid until `expires` (epoch seconds; 0: until the secret rotates).
    pub fn sign(&self, widget: &str, expires: u64) -> String {
        let tag = self.mac(widget, expires).finalize().into_bytes();
        format!("{widget}.{expires}.{}", URL_SAFE_NO_PAD.encode(tag))
    }

    /// The widget `token` opens at `now` (epoch seconds).
    pub fn verify(&self, token: &str, now: u64) -> Result<String, EmbedError> {
        let mut parts = token.rsplitn(3, '.');
        let (Some(tag), Some(expires), Some(widget)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(EmbedError::Invalid);
        };
        let expires: u64 = expires.parse().map_err(|_| EmbedError::Invalid)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| EmbedError::Invalid)?;
        self.mac(widget, expires)
            .verify_slice(&tag)
            .map_err(|_| EmbedError::Invalid)?;
        if expires != 0 && now >= expires {
            return Err(EmbedError::Expired);
        }
        Ok(widget.to_owned())
    }

    /// A new secret: every token signed so far stops working.
    pub fn rotate(&self) {
        *self.secret.write().unwrap_or_else(PoisonError::into_inner) = random_key();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_opens_its_widget_until_it_expires_or_the_secret_rotates() {
        let signer = EmbedSigner::default();
        let token = signer.sign("cpu.load", 1000);
        assert_eq!(signer.verify(&token, 999).unwrap(), "cpu.load");
        assert_eq!(signer.verify(&token, 1000), Err(EmbedError::Expired));
        let forever = signer.sign("cpu", 0);
        assert_eq!(signer.verify(&forever, u64::MAX).unwrap(), "cpu");
        // Another widget's name on this token's tag, a changed expiry, garbage.
        let forged = forever.replacen("cpu", "mem", 1);
        assert_eq!(signer.verify(&forged, 0), Err(EmbedError::Invalid));
        let extended = token.replacen(".1000.", ".0.", 1);
        assert_eq!(signer.verify(&extended, 0), Err(EmbedError::Invalid));
        assert_eq!(signer.verify("x", 0), Err(EmbedError::Invalid));
        signer.rotate();
        assert_eq!(signer.verify(&forever, 0), Err(EmbedError::Invalid));
    }
}
