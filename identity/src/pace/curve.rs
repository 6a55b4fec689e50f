//! The elliptic-curve arithmetic of PACE ECDH Generic Mapping (ICAO 9303-11 §4.4.3.3.1),
//! written once over the `elliptic_curve` traits and dispatched to P-256 or
//! brainpoolP256r1.
//!
//! Points cross this module's boundary only as uncompressed SEC1 bytes (04 ‖ x ‖ y, as
//! DO'81'–DO'84' carry them; BSI TR-03111 §3.2.1) and secrets only as zeroized scalar
//! bytes, so the protocol states above stay free of curve generics. Every point from the
//! peer is decoded with the on-curve check and refused when it is the identity: an
//! invalid-curve or small-subgroup point from a hostile chip must never reach a scalar
//! multiplication with our secret. (Both curves have cofactor 1.)

use elliptic_curve::array::Array;
use elliptic_curve::point::AffineCoordinates;
use elliptic_curve::sec1::{FromSec1Point, ModulusSize, ToSec1Point};
use elliptic_curve::{
    AffinePoint, CurveArithmetic, CurveGroup, FieldBytes, FieldBytesSize, Group, NonZeroScalar,
    PrimeField, Scalar,
};
use zeroize::Zeroizing;

use crate::security_info::SupportedCurve;
use crate::sm::RandomSource;
use crate::sm::random::RandomError;

/// How many times a fresh scalar is drawn before giving up: a draw of 32 random bytes is
/// refused when it is zero or not below the group order, which for brainpoolP256r1
/// happens about one time in three; 64 refusals in a row mean a broken source.
const MAX_SCALAR_DRAWS: usize = 64;

/// Why a curve operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum CurveError {
    /// Not an uncompressed point of the curve, or the identity.
    InvalidPoint,
    /// The nonce is not below the group order, or the mapped generator is the identity.
    Degenerate,
    Random(RandomError),
    /// The random source never gave a usable scalar.
    NoScalar,
}

/// A private scalar, as its big-endian bytes; wiped on drop.
pub(super) struct Secret(Zeroizing<Vec<u8>>);

/// A fresh key pair on `generator` (the curve's own when `None`): the secret and the
/// public point, uncompressed.
pub(super) fn generate(
    curve: SupportedCurve,
    generator: Option<&[u8]>,
    random: &mut dyn RandomSource,
) -> Result<(Secret, Vec<u8>), CurveError> {
    match curve {
        SupportedCurve::NistP256 => generate_on::<p256::NistP256>(generator, random),
        SupportedCurve::BrainpoolP256r1 => generate_on::<bp256::BrainpoolP256r1>(generator, random),
    }
}

/// G̃ = s·G + H with H = secret·peer (the shared point of the mapping's ECDH), encoded.
pub(super) fn map_generator(
    curve: SupportedCurve,
    nonce: &[u8],
    secret: &Secret,
    peer_mapping_key: &[u8],
) -> Result<Vec<u8>, CurveError> {
    match curve {
        SupportedCurve::NistP256 => map_on::<p256::NistP256>(nonce, secret, peer_mapping_key),
        SupportedCurve::BrainpoolP256r1 => {
            map_on::<bp256::BrainpoolP256r1>(nonce, secret, peer_mapping_key)
        }
    }
}

/// K = x(secret·peer), the shared secret of the key agreement (ICAO 9303-11 §4.4.3.4;
/// BSI TR-03111 §4.3.1: the x-coordinate as a field-length octet string).
pub(super) fn shared_secret(
    curve: SupportedCurve,
    secret: &Secret,
    peer_key: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CurveError> {
    match curve {
        SupportedCurve::NistP256 => shared_on::<p256::NistP256>(secret, peer_key),
        SupportedCurve::BrainpoolP256r1 => shared_on::<bp256::BrainpoolP256r1>(secret, peer_key),
    }
}

/// The curve traits every function below needs: arithmetic and SEC1 encoding.
trait PaceCurve: CurveArithmetic
where
    FieldBytesSize<Self>: ModulusSize,
    AffinePoint<Self>: FromSec1Point<Self> + ToSec1Point<Self>,
{
}

impl<C> PaceCurve for C
where
    C: CurveArithmetic,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
}

fn field_len<C: CurveArithmetic>() -> usize {
    FieldBytes::<C>::default().len()
}

fn decode<C>(bytes: &[u8]) -> Result<C::ProjectivePoint, CurveError>
where
    C: PaceCurve,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    // Only the uncompressed form: what ICAO 9303-11 §9.4 public keys use, and the only
    // one whose length alone tells a well-formed point.
    if bytes.first() != Some(&0x04) || bytes.len() != 1 + 2 * field_len::<C>() {
        return Err(CurveError::InvalidPoint);
    }
    let affine = AffinePoint::<C>::from_sec1_bytes(bytes).map_err(|_| CurveError::InvalidPoint)?;
    let point = C::ProjectivePoint::from(affine);
    if bool::from(point.is_identity()) {
        return Err(CurveError::InvalidPoint);
    }
    Ok(point)
}

fn encode<C>(point: &C::ProjectivePoint) -> Result<Vec<u8>, CurveError>
where
    C: PaceCurve,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    if bool::from(point.is_identity()) {
        return Err(CurveError::Degenerate);
    }
    Ok(point.to_affine().to_sec1_point(false).as_bytes().to_vec())
}

fn scalar<C: CurveArithmetic>(secret: &Secret) -> Result<NonZeroScalar<C>, CurveError> {
    let bytes = FieldBytes::<C>::try_from(secret.0.as_slice()).map_err(|_| CurveError::NoScalar)?;
    Option::from(NonZeroScalar::<C>::from_repr(bytes)).ok_or(CurveError::NoScalar)
}

fn generate_on<C>(
    generator: Option<&[u8]>,
    random: &mut dyn RandomSource,
) -> Result<(Secret, Vec<u8>), CurveError>
where
    C: PaceCurve,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    let base = match generator {
        Some(bytes) => decode::<C>(bytes)?,
        None => C::ProjectivePoint::generator(),
    };
    for _ in 0..MAX_SCALAR_DRAWS {
        let mut bytes = Zeroizing::new(FieldBytes::<C>::default());
        random
            .fill(bytes.as_mut_slice())
            .map_err(CurveError::Random)?;
        let Some(candidate) = Option::<NonZeroScalar<C>>::from(NonZeroScalar::from_repr(*bytes))
        else {
            continue;
        };
        let public = encode::<C>(&(base * *candidate))?;
        return Ok((Secret(Zeroizing::new(bytes.to_vec())), public));
    }
    Err(CurveError::NoScalar)
}

fn map_on<C>(nonce: &[u8], secret: &Secret, peer_mapping_key: &[u8]) -> Result<Vec<u8>, CurveError>
where
    C: PaceCurve,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    let peer = decode::<C>(peer_mapping_key)?;
    let h = peer * *scalar::<C>(secret)?;
    // The nonce is an octet string read as a big-endian integer (BSI TR-03111 §3.1.2);
    // it is shorter than the order, and one that is not below it is refused.
    let len = field_len::<C>();
    let pad = len.checked_sub(nonce.len()).ok_or(CurveError::Degenerate)?;
    let mut repr = Zeroizing::new(vec![0u8; len]);
    repr.get_mut(pad..)
        .ok_or(CurveError::Degenerate)?
        .copy_from_slice(nonce);
    let repr: Array<u8, FieldBytesSize<C>> =
        Array::try_from(repr.as_slice()).map_err(|_| CurveError::Degenerate)?;
    let s: Scalar<C> = Option::from(Scalar::<C>::from_repr(repr)).ok_or(CurveError::Degenerate)?;
    encode::<C>(&(C::ProjectivePoint::generator() * s + h))
}

fn shared_on<C>(secret: &Secret, peer_key: &[u8]) -> Result<Zeroizing<Vec<u8>>, CurveError>
where
    C: PaceCurve,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    let peer = decode::<C>(peer_key)?;
    let shared = peer * *scalar::<C>(secret)?;
    if bool::from(shared.is_identity()) {
        return Err(CurveError::Degenerate);
    }
    Ok(Zeroizing::new(shared.to_affine().x().to_vec()))
}

#[cfg(test)]
mod tests;
