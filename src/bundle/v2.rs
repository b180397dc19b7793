//! BIP370 (PSBT version 2) on top of rust-bitcoin's v0 `Psbt`: a raw key-value map reader, v2 →
//! v0 conversion (building the unsigned transaction the way BIP370 says) and v0 → v2 for handing a
//! v2 bundle back in the version it came in.
use bitcoin::absolute::LockTime;
use bitcoin::consensus::{encode, Decodable, Encodable};
use bitcoin::hashes::Hash;
use bitcoin::transaction::Version;
use bitcoin::{
    Amount, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Txid, VarInt, Witness,
};

use super::BundleError;

const MAGIC: &[u8] = b"psbt\xff";

// Global key types.
const G_UNSIGNED_TX: u8 = 0x00;
const G_TX_VERSION: u8 = 0x02;
const G_FALLBACK_LOCKTIME: u8 = 0x03;
const G_INPUT_COUNT: u8 = 0x04;
const G_OUTPUT_COUNT: u8 = 0x05;
const G_TX_MODIFIABLE: u8 = 0x06;
const G_VERSION: u8 = 0xfb;
// Input key types.
const I_PREVIOUS_TXID: u8 = 0x0e;
const I_OUTPUT_INDEX: u8 = 0x0f;
const I_SEQUENCE: u8 = 0x10;
const I_REQUIRED_TIME: u8 = 0x11;
const I_REQUIRED_HEIGHT: u8 = 0x12;
// Output key types.
const O_AMOUNT: u8 = 0x03;
const O_SCRIPT: u8 = 0x04;

type Map = Vec<(Vec<u8>, Vec<u8>)>;

/// Most entries one PSBT map may have. A 15-of-15 taproot multisig input has a few dozen; a
/// map of thousands is an attack on the reader, not a wallet.
pub const MAX_MAP_ENTRIES: usize = 10_000;

fn invalid(s: impl Into<String>) -> BundleError {
    BundleError::Invalid(s.into())
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64, BundleError> {
        let mut slice = &self.buf[self.pos..];
        let before = slice.len();
        let v = VarInt::consensus_decode(&mut slice).map_err(|_| invalid("truncated length"))?;
        self.pos += before - slice.len();
        Ok(v.0)
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], BundleError> {
        let n = usize::try_from(n).map_err(|_| invalid("length overflow"))?;
        let end = self.pos.checked_add(n).filter(|e| *e <= self.buf.len());
        let end = end.ok_or_else(|| invalid("a value runs past the end of the data"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    /// One key-value map. Duplicate keys are found with a hash set (a linear scan per key made
    /// 100,000 keys take minutes), and a map may hold at most [`MAX_MAP_ENTRIES`] entries.
    fn map(&mut self) -> Result<Map, BundleError> {
        let mut m: Map = Vec::new();
        let mut seen = std::collections::HashSet::new();
        loop {
            let klen = self.varint()?;
            if klen == 0 {
                return Ok(m);
            }
            let key = self.take(klen)?;
            let vlen = self.varint()?;
            let value = self.take(vlen)?.to_vec();
            if !seen.insert(key) {
                return Err(invalid("duplicate key in a map"));
            }
            if m.len() >= MAX_MAP_ENTRIES {
                return Err(invalid(format!(
                    "a map has more than {MAX_MAP_ENTRIES} entries"
                )));
            }
            m.push((key.to_vec(), value));
        }
    }
}

fn get(m: &Map, ty: u8) -> Result<Option<&[u8]>, BundleError> {
    let mut found = None;
    for (k, v) in m {
        if k[0] == ty {
            if k.len() != 1 {
                return Err(invalid(format!("key type {ty:#04x} must have no key data")));
            }
            found = Some(v.as_slice());
        }
    }
    Ok(found)
}

fn u32_le(v: &[u8], what: &str) -> Result<u32, BundleError> {
    let a: [u8; 4] = v
        .try_into()
        .map_err(|_| invalid(format!("{what} must be 4 bytes")))?;
    Ok(u32::from_le_bytes(a))
}

fn count(v: &[u8], what: &str) -> Result<usize, BundleError> {
    let mut s = v;
    let n = VarInt::consensus_decode(&mut s).map_err(|_| invalid(format!("bad {what}")))?;
    if !s.is_empty() {
        return Err(invalid(format!("bad {what}")));
    }
    usize::try_from(n.0).map_err(|_| invalid(format!("bad {what}")))
}

/// The PSBT version in the global map (0 when absent).
pub fn version_of(bytes: &[u8]) -> Result<u32, BundleError> {
    if !bytes.starts_with(MAGIC) {
        return Err(BundleError::NotPsbt("missing the psbt magic bytes".into()));
    }
    let mut r = Reader {
        buf: bytes,
        pos: MAGIC.len(),
    };
    let global = r.map()?;
    Ok(match get(&global, G_VERSION)? {
        Some(v) => u32_le(v, "PSBT_GLOBAL_VERSION")?,
        None => 0,
    })
}

fn write_map(out: &mut Vec<u8>, m: &Map) {
    for (k, v) in m {
        VarInt(k.len() as u64).consensus_encode(out).expect("vec");
        out.extend_from_slice(k);
        VarInt(v.len() as u64).consensus_encode(out).expect("vec");
        out.extend_from_slice(v);
    }
    out.push(0);
}

/// Rebuild a v2 PSBT as v0 bytes, computing the unsigned transaction per BIP370.
pub fn v2_to_v0(bytes: &[u8]) -> Result<Vec<u8>, BundleError> {
    let mut r = Reader {
        buf: bytes,
        pos: MAGIC.len(),
    };
    let global = r.map()?;
    if get(&global, G_UNSIGNED_TX)?.is_some() {
        return Err(invalid(
            "a version 2 PSBT must not contain PSBT_GLOBAL_UNSIGNED_TX",
        ));
    }
    let version = u32_le(
        get(&global, G_TX_VERSION)?
            .ok_or_else(|| invalid("PSBT_GLOBAL_TX_VERSION is required in v2"))?,
        "tx version",
    )?;
    if version < 2 {
        return Err(invalid("PSBT v2 requires transaction version 2 or more"));
    }
    let fallback = get(&global, G_FALLBACK_LOCKTIME)?
        .map(|v| u32_le(v, "fallback locktime"))
        .transpose()?;
    let n_in = count(
        get(&global, G_INPUT_COUNT)?
            .ok_or_else(|| invalid("PSBT_GLOBAL_INPUT_COUNT is required in v2"))?,
        "input count",
    )?;
    let n_out = count(
        get(&global, G_OUTPUT_COUNT)?
            .ok_or_else(|| invalid("PSBT_GLOBAL_OUTPUT_COUNT is required in v2"))?,
        "output count",
    )?;
    if let Some(m) = get(&global, G_TX_MODIFIABLE)? {
        if m.len() != 1 {
            return Err(invalid("PSBT_GLOBAL_TX_MODIFIABLE must be 1 byte"));
        }
    }
    // Each map is at least one byte; refuse counts the data cannot hold before allocating.
    if n_in.saturating_add(n_out) > bytes.len() {
        return Err(invalid("input/output counts exceed the data"));
    }
    let mut inputs = Vec::with_capacity(n_in);
    let mut txins = Vec::with_capacity(n_in);
    let (mut max_h, mut max_t) = (None::<u32>, None::<u32>);
    let (mut heights_ok, mut times_ok, mut any_req) = (true, true, false);
    for _ in 0..n_in {
        let m = r.map()?;
        let txid = get(&m, I_PREVIOUS_TXID)?
            .ok_or_else(|| invalid("input is missing PSBT_IN_PREVIOUS_TXID"))?;
        let txid = Txid::from_slice(txid)
            .map_err(|_| invalid("PSBT_IN_PREVIOUS_TXID must be 32 bytes"))?;
        let vout = u32_le(
            get(&m, I_OUTPUT_INDEX)?
                .ok_or_else(|| invalid("input is missing PSBT_IN_OUTPUT_INDEX"))?,
            "output index",
        )?;
        let seq = get(&m, I_SEQUENCE)?
            .map(|v| u32_le(v, "sequence"))
            .transpose()?
            .unwrap_or(0xffff_ffff);
        let t = get(&m, I_REQUIRED_TIME)?
            .map(|v| u32_le(v, "required time locktime"))
            .transpose()?;
        let h = get(&m, I_REQUIRED_HEIGHT)?
            .map(|v| u32_le(v, "required height locktime"))
            .transpose()?;
        if t.is_some_and(|t| t < 500_000_000) {
            return Err(invalid(
                "PSBT_IN_REQUIRED_TIME_LOCKTIME must be at least 500000000",
            ));
        }
        if h.is_some_and(|h| h == 0 || h >= 500_000_000) {
            return Err(invalid(
                "PSBT_IN_REQUIRED_HEIGHT_LOCKTIME must be below 500000000",
            ));
        }
        if t.is_some() || h.is_some() {
            any_req = true;
            heights_ok &= h.is_some();
            times_ok &= t.is_some();
        }
        max_h = max_h.max(h);
        max_t = max_t.max(t);
        txins.push(TxIn {
            previous_output: OutPoint { txid, vout },
            script_sig: ScriptBuf::new(),
            sequence: Sequence(seq),
            witness: Witness::new(),
        });
        inputs.push(
            m.into_iter()
                .filter(|(k, _)| !(I_PREVIOUS_TXID..=I_REQUIRED_HEIGHT).contains(&k[0]))
                .collect::<Map>(),
        );
    }
    let lock = if !any_req {
        fallback.unwrap_or(0)
    } else if heights_ok {
        max_h.unwrap_or(0)
    } else if times_ok {
        max_t.unwrap_or(0)
    } else {
        return Err(invalid(
            "inputs require both a height and a time locktime; no locktime satisfies them",
        ));
    };
    let mut outputs = Vec::with_capacity(n_out);
    let mut txouts = Vec::with_capacity(n_out);
    for _ in 0..n_out {
        let m = r.map()?;
        let amount =
            get(&m, O_AMOUNT)?.ok_or_else(|| invalid("output is missing PSBT_OUT_AMOUNT"))?;
        let amount: [u8; 8] = amount
            .try_into()
            .map_err(|_| invalid("PSBT_OUT_AMOUNT must be 8 bytes"))?;
        let script =
            get(&m, O_SCRIPT)?.ok_or_else(|| invalid("output is missing PSBT_OUT_SCRIPT"))?;
        txouts.push(TxOut {
            value: Amount::from_sat(u64::from_le_bytes(amount)),
            script_pubkey: ScriptBuf::from_bytes(script.to_vec()),
        });
        outputs.push(
            m.into_iter()
                .filter(|(k, _)| k[0] != O_AMOUNT && k[0] != O_SCRIPT)
                .collect::<Map>(),
        );
    }
    if r.pos != bytes.len() {
        return Err(invalid("data after the last output map"));
    }
    let tx = Transaction {
        version: Version(version as i32),
        lock_time: LockTime::from_consensus(lock),
        input: txins,
        output: txouts,
    };
    let mut v0_global: Map = vec![(vec![G_UNSIGNED_TX], encode::serialize(&tx))];
    v0_global.extend(global.into_iter().filter(|(k, _)| {
        !matches!(
            k[0],
            G_UNSIGNED_TX
                | G_TX_VERSION
                | G_FALLBACK_LOCKTIME
                | G_INPUT_COUNT
                | G_OUTPUT_COUNT
                | G_TX_MODIFIABLE
                | G_VERSION
        )
    }));
    let mut out = MAGIC.to_vec();
    write_map(&mut out, &v0_global);
    for m in inputs.iter().chain(outputs.iter()) {
        write_map(&mut out, m);
    }
    Ok(out)
}

/// Check a v0 PSBT carries no v2-only fields (BIP370: they are invalid in v0).
pub fn check_v0_has_no_v2_fields(bytes: &[u8]) -> Result<(), BundleError> {
    let mut r = Reader {
        buf: bytes,
        pos: MAGIC.len(),
    };
    let global = r.map()?;
    for ty in [
        G_TX_VERSION,
        G_FALLBACK_LOCKTIME,
        G_INPUT_COUNT,
        G_OUTPUT_COUNT,
        G_TX_MODIFIABLE,
    ] {
        if global.iter().any(|(k, _)| k.len() == 1 && k[0] == ty) {
            return Err(invalid(format!(
                "global key type {ty:#04x} is only allowed in PSBT version 2"
            )));
        }
    }
    let tx_bytes = get(&global, G_UNSIGNED_TX)?
        .ok_or_else(|| invalid("a version 0 PSBT needs PSBT_GLOBAL_UNSIGNED_TX"))?;
    let tx: Transaction =
        encode::deserialize(tx_bytes).map_err(|e| invalid(format!("unsigned tx: {e}")))?;
    for _ in 0..tx.input.len() {
        let m = r.map()?;
        if m.iter()
            .any(|(k, _)| k.len() == 1 && (I_PREVIOUS_TXID..=I_REQUIRED_HEIGHT).contains(&k[0]))
        {
            return Err(invalid(
                "input fields 0x0e-0x12 are only allowed in PSBT version 2",
            ));
        }
    }
    for _ in 0..tx.output.len() {
        let m = r.map()?;
        if m.iter()
            .any(|(k, _)| k.len() == 1 && (k[0] == O_AMOUNT || k[0] == O_SCRIPT))
        {
            return Err(invalid(
                "output fields 0x03/0x04 are only allowed in PSBT version 2",
            ));
        }
    }
    Ok(())
}

/// Serialise a v0 PSBT as version 2.
pub fn v0_to_v2(v0: &[u8], tx: &Transaction) -> Result<Vec<u8>, BundleError> {
    let mut r = Reader {
        buf: v0,
        pos: MAGIC.len(),
    };
    let global = r.map()?;
    let le32 = |v: u32| v.to_le_bytes().to_vec();
    let varint = |n: usize| encode::serialize(&VarInt(n as u64));
    let mut g: Map = vec![
        (vec![G_TX_VERSION], le32(tx.version.0 as u32)),
        (
            vec![G_FALLBACK_LOCKTIME],
            le32(tx.lock_time.to_consensus_u32()),
        ),
        (vec![G_INPUT_COUNT], varint(tx.input.len())),
        (vec![G_OUTPUT_COUNT], varint(tx.output.len())),
    ];
    g.extend(
        global
            .into_iter()
            .filter(|(k, _)| k[0] != G_UNSIGNED_TX && k[0] != G_VERSION),
    );
    g.push((vec![G_VERSION], le32(2)));
    let mut out = MAGIC.to_vec();
    write_map(&mut out, &g);
    for txin in &tx.input {
        let mut m = r.map()?;
        m.push((
            vec![I_PREVIOUS_TXID],
            txin.previous_output.txid.to_byte_array().to_vec(),
        ));
        m.push((vec![I_OUTPUT_INDEX], le32(txin.previous_output.vout)));
        m.push((vec![I_SEQUENCE], le32(txin.sequence.0)));
        write_map(&mut out, &m);
    }
    for txout in &tx.output {
        let mut m = r.map()?;
        m.push((vec![O_AMOUNT], txout.value.to_sat().to_le_bytes().to_vec()));
        m.push((vec![O_SCRIPT], txout.script_pubkey.to_bytes()));
        write_map(&mut out, &m);
    }
    Ok(out)
}
