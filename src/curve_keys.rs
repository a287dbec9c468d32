//! CURVE (X25519) long-term key pairs, as `zmq_curve_keypair` and `zmq_curve_public` make
//! them: the secret key is 32 random bytes, the public key is X25519(secret, 9).
//!
//! Keys are stored unclamped, like libsodium's `crypto_box_keypair`; X25519 clamps the
//! scalar when it is used, so any 32 bytes are a valid secret key.

use crypto_box::aead::rand_core::RngCore;
use crypto_box::aead::OsRng;
use crypto_box::SecretKey;

use crate::error::{Errno, Result};
use crate::z85;

/// Size in bytes of a CURVE public or secret key.
pub(crate) const KEY_SIZE: usize = 32;

/// Length of a key in Z85 text, without the terminating NUL.
pub(crate) const Z85_KEY_LEN: usize = 40;

/// Generates a fresh key pair from the operating system's CSPRNG:
/// `(public key, secret key)`. Fails only if the OS has no randomness to give (errno of
/// `getrandom`), which `OsRng`'s infallible interface would turn into a panic.
pub fn keypair() -> Result<([u8; KEY_SIZE], [u8; KEY_SIZE])> {
    let mut secret = [0u8; KEY_SIZE];
    OsRng
        .try_fill_bytes(&mut secret)
        .map_err(|e| Errno(e.raw_os_error().unwrap_or(libc::EIO)))?;
    Ok((public_from_secret(&secret), secret))
}

/// The public key belonging to `secret`.
pub fn public_from_secret(secret: &[u8; KEY_SIZE]) -> [u8; KEY_SIZE] {
    SecretKey::from_bytes(*secret).public_key().to_bytes()
}

/// Z85 text of a key (40 characters).
pub fn key_to_z85(key: &[u8; KEY_SIZE]) -> [u8; Z85_KEY_LEN] {
    let mut text = [0u8; Z85_KEY_LEN];
    // 32 bytes always encode to exactly 40 characters.
    let _ = z85::encode_into(key, &mut text);
    text
}

/// A key from its Z85 text; `EINVAL` unless `text` is exactly 40 valid Z85 characters.
pub fn key_from_z85(text: &[u8]) -> Result<[u8; KEY_SIZE]> {
    if text.len() != Z85_KEY_LEN {
        return Err(Errno::EINVAL);
    }
    let mut key = [0u8; KEY_SIZE];
    z85::decode_into(text, &mut key)?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
        }
        out
    }

    #[test]
    fn rfc7748_section_6_1() {
        let alice_secret = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        let alice_public = hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
        let bob_secret = hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
        let bob_public = hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
        assert_eq!(public_from_secret(&alice_secret), alice_public);
        assert_eq!(public_from_secret(&bob_secret), bob_public);
    }

    #[test]
    fn shared_fixed_keys() {
        // /work/shared/specs/vectors/curve_fixedkeys.txt: s, c', s' and their public keys.
        let pairs = [
            (
                "1111111111111111111111111111111111111111111111111111111111111111",
                "7b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f74892cb0f73f13",
            ),
            (
                "2222222222222222222222222222222222222222222222222222222222222222",
                "0faa684ed28867b97f4a6a2dee5df8ce974e76b7018e3f22a1c4cf2678570f20",
            ),
            (
                "3333333333333333333333333333333333333333333333333333333333333333",
                "7b0d47d93427f8311160781c7c733fd89f88970aef490d8aa0ee19a4cb8a1b14",
            ),
        ];
        for (secret, public) in pairs {
            assert_eq!(public_from_secret(&hex(secret)), hex(public));
        }
    }

    #[test]
    fn keypair_is_consistent_and_random() {
        let (public, secret) = keypair().unwrap();
        assert_eq!(public_from_secret(&secret), public);
        let (public2, secret2) = keypair().unwrap();
        assert_ne!(secret, secret2);
        assert_ne!(public, public2);
    }

    #[test]
    fn z85_keys() {
        let (public, _) = keypair().unwrap();
        let text = key_to_z85(&public);
        assert_eq!(key_from_z85(&text).unwrap(), public);
        assert_eq!(key_from_z85(&text[..35]), Err(Errno::EINVAL));
        assert_eq!(key_from_z85(b""), Err(Errno::EINVAL));
        let mut bad = text;
        bad[3] = b' ';
        assert_eq!(key_from_z85(&bad), Err(Errno::EINVAL));
    }
}
