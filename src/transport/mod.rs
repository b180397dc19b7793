//! Transport across the air gap. For now the Bytewords table (used by the bundle id); the UR and
//! BBQr encoders, the fountain decoder and QR rendering/scanning live here too once built.
pub mod bytewords;
