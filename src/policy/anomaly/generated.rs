//! The anomaly checks on a generated history (issue 8, item 6): a seeded, deterministic timeline
//! of normal spends with realistic variation and injected anomalies of every kind. Every
//! injected anomaly must be flagged with its code; the codes the normal spends get are counted
//! as false positives and printed (`cargo test --locked --lib policy::anomaly::generated --
//! --nocapture`); `docs/policy.md` records the figures.
//!
//! The generator:
//! - 12 recurring payees (7 p2wpkh, 4 p2tr, 1 p2sh), picked with weights 1/rank; each has its
//!   own usual amount, a log-uniform multiple (0.5–2) of 0.02 BTC, and each payment varies
//!   log-normally around it (σ = 0.5). One spend in 20 pays a one-off new payee (p2wpkh or p2tr)
//!   instead; one in 10 also pays a second recurring payee (a batch).
//! - Fee rates follow a mempool that drifts (a random walk in log space) between 1 and 50
//!   sat/vB, each spend ±10 % around it; sizes of 141, 209 or 277 vB.
//! - Signings arrive a few a day (exponential gaps, mean 8 hours).
//! - 25 anomalies, 5 of each kind, interleaved after 20 normal spends (so the median checks have
//!   history): a new p2wpkh payee with a usual amount and fee; 10–100 × the usual amount to a
//!   recurring payee; a fee rate of 200–2,000 sat/vB (a fee siphon: far above anything normal);
//!   a payment to a p2pkh, p2wsh, witness-v2 or OP_RETURN output; and the 6th signing within an
//!   hour, after 5 normal signings 5 minutes apart. A burst's lead-in signings are normal
//!   spends; the signings before and after a burst are at least an hour away, so each burst
//!   holds one injected anomaly.
//! - An injected anomaly is refused (as a rule with `"refuse"` would), so it never enters the
//!   history; every normal spend does, after it is checked.
use bitcoin::hashes::Hash;
use bitcoin::{Address, Network, ScriptBuf, WitnessProgram, WitnessVersion};

use super::{check, Kind, Params};
use crate::audit::{Payment, ScriptKind, SignedSpend};

/// xorshift64*: small, seeded, good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u = self.unit().max(1e-12);
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut b = [0u8; N];
        for x in b.iter_mut() {
            *x = self.next() as u8;
        }
        b
    }
}

/// A fresh output script of `kind`, and how the review would name it.
fn destination(rng: &mut Rng, kind: ScriptKind) -> (ScriptKind, String) {
    let spk = match kind {
        ScriptKind::P2wpkh => {
            ScriptBuf::new_p2wpkh(&bitcoin::WPubkeyHash::from_byte_array(rng.bytes::<20>()))
        }
        ScriptKind::P2tr => ScriptBuf::new_witness_program(
            &WitnessProgram::new(WitnessVersion::V1, &rng.bytes::<32>()).unwrap(),
        ),
        ScriptKind::P2sh => {
            ScriptBuf::new_p2sh(&bitcoin::ScriptHash::from_byte_array(rng.bytes::<20>()))
        }
        ScriptKind::P2pkh => {
            ScriptBuf::new_p2pkh(&bitcoin::PubkeyHash::from_byte_array(rng.bytes::<20>()))
        }
        ScriptKind::P2wsh => {
            ScriptBuf::new_p2wsh(&bitcoin::WScriptHash::from_byte_array(rng.bytes::<32>()))
        }
        ScriptKind::OpReturn => ScriptBuf::new_op_return(rng.bytes::<8>()),
        ScriptKind::Other => ScriptBuf::new_witness_program(
            &WitnessProgram::new(WitnessVersion::V2, &rng.bytes::<32>()).unwrap(),
        ),
    };
    // The classifier the review uses must agree with what was built.
    assert_eq!(ScriptKind::of(&spk), kind);
    let to = match Address::from_script(&spk, Network::Regtest) {
        Ok(a) => a.to_string(),
        Err(_) if spk.is_op_return() => format!("OP_RETURN {}", crate::hex::encode(spk.as_bytes())),
        Err(_) => format!("script {}", crate::hex::encode(spk.as_bytes())),
    };
    (kind, to)
}

struct Payee {
    kind: ScriptKind,
    to: String,
    center: f64,
}

/// One event of the timeline.
#[derive(Debug, Clone)]
struct Event {
    spend: SignedSpend,
    /// The anomaly injected, or none for a normal spend.
    injected: Option<Kind>,
    /// A normal spend whose destination had never been paid (a first payment).
    first_payment: bool,
}

const CENTER: f64 = 2_000_000.0;
const NORMAL: usize = 200;
const PER_KIND: usize = 5;
const WARM_UP: usize = 20;

struct Generator {
    rng: Rng,
    payees: Vec<Payee>,
    weights: Vec<f64>,
    log_rate: f64,
    time: u64,
    paid: std::collections::BTreeSet<String>,
    events: Vec<Event>,
}

impl Generator {
    fn new(seed: u64) -> Self {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let kinds = [
            ScriptKind::P2wpkh,
            ScriptKind::P2tr,
            ScriptKind::P2wpkh,
            ScriptKind::P2wpkh,
            ScriptKind::P2tr,
            ScriptKind::P2wpkh,
            ScriptKind::P2sh,
            ScriptKind::P2wpkh,
            ScriptKind::P2tr,
            ScriptKind::P2wpkh,
            ScriptKind::P2tr,
            ScriptKind::P2wpkh,
        ];
        let payees = kinds
            .iter()
            .map(|k| {
                let (kind, to) = destination(&mut rng, *k);
                let center = CENTER * 2f64.powf(rng.range(-1.0, 1.0));
                Payee { kind, to, center }
            })
            .collect::<Vec<_>>();
        let weights = (1..=payees.len()).map(|r| 1.0 / r as f64).collect();
        let log_rate = rng.range(1f64.ln(), 50f64.ln());
        Generator {
            rng,
            payees,
            weights,
            log_rate,
            time: 1_780_000_000,
            paid: Default::default(),
            events: Vec::new(),
        }
    }

    fn pick_payee(&mut self) -> usize {
        let total: f64 = self.weights.iter().sum();
        let mut x = self.rng.range(0.0, total);
        for (i, w) in self.weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        self.weights.len() - 1
    }

    fn usual_amount(&mut self, center: f64) -> u64 {
        (center * (0.5 * self.rng.normal()).exp())
            .round()
            .max(1_000.0) as u64
    }

    /// The mempool drifts between spends; this spend's rate is ±10 % around it.
    fn usual_rate(&mut self) -> f64 {
        self.log_rate = (self.log_rate + 0.3 * self.rng.normal()).clamp(0.0, 50f64.ln());
        (self.log_rate.exp() * self.rng.range(0.9, 1.1)).clamp(1.0, 50.0)
    }

    fn advance(&mut self) {
        let gap = -(8.0 * 3600.0) * (1.0 - self.rng.unit()).ln();
        self.time += (gap as u64).max(120);
    }

    fn spend(&mut self, payments: Vec<Payment>, rate: f64) -> SignedSpend {
        let vsize = [141u64, 209, 277][self.rng.below(3)];
        SignedSpend {
            time: self.time,
            leaving: payments.iter().map(|p| p.amount).sum(),
            fee: Some((rate * vsize as f64).round() as u64),
            vsize: Some(vsize),
            payments,
        }
    }

    fn recurring_payment(&mut self) -> Payment {
        let i = self.pick_payee();
        let amount = self.usual_amount(self.payees[i].center);
        Payment {
            script_type: self.payees[i].kind,
            to: self.payees[i].to.clone(),
            amount,
        }
    }

    fn normal(&mut self) {
        let mut payments = Vec::new();
        if self.rng.below(20) == 0 {
            let kind = [ScriptKind::P2wpkh, ScriptKind::P2tr][self.rng.below(2)];
            let (kind, to) = destination(&mut self.rng, kind);
            let amount = self.usual_amount(CENTER);
            payments.push(Payment {
                script_type: kind,
                to,
                amount,
            });
        } else {
            payments.push(self.recurring_payment());
        }
        if self.rng.below(10) == 0 {
            let p = self.recurring_payment();
            if p.to != payments[0].to {
                payments.push(p);
            }
        }
        let first_payment = payments.iter().any(|p| !self.paid.contains(&p.to));
        self.paid.extend(payments.iter().map(|p| p.to.clone()));
        let rate = self.usual_rate();
        let spend = self.spend(payments, rate);
        self.events.push(Event {
            spend,
            injected: None,
            first_payment,
        });
    }

    fn inject(&mut self, kind: Kind, n: usize) {
        let rate = self.usual_rate();
        let spend = match kind {
            Kind::NewDestination => {
                let (k, to) = destination(&mut self.rng, ScriptKind::P2wpkh);
                let amount = self.usual_amount(CENTER);
                self.spend(
                    vec![Payment {
                        script_type: k,
                        to,
                        amount,
                    }],
                    rate,
                )
            }
            Kind::Amount => {
                // 10–100 × the typical amount, to a recurring payee.
                let i = self.pick_payee();
                let amount = (CENTER * self.rng.range(10.0, 100.0)) as u64;
                let p = Payment {
                    script_type: self.payees[i].kind,
                    to: self.payees[i].to.clone(),
                    amount,
                };
                self.spend(vec![p], rate)
            }
            Kind::FeeRate => {
                let p = self.recurring_payment();
                let siphon = self.rng.range(200.0, 2_000.0);
                self.spend(vec![p], siphon)
            }
            Kind::ScriptType => {
                let kind = [
                    ScriptKind::P2pkh,
                    ScriptKind::P2wsh,
                    ScriptKind::Other,
                    ScriptKind::OpReturn,
                ][n % 4];
                let (k, to) = destination(&mut self.rng, kind);
                let mut payments = vec![];
                if k == ScriptKind::OpReturn {
                    // A data output rides along a usual payment.
                    payments.push(self.recurring_payment());
                    payments.push(Payment {
                        script_type: k,
                        to,
                        amount: 0,
                    });
                } else {
                    let amount = self.usual_amount(CENTER);
                    payments.push(Payment {
                        script_type: k,
                        to,
                        amount,
                    });
                }
                self.spend(payments, rate)
            }
            Kind::Burst => {
                // An hour of quiet, five usual signings five minutes apart, then the sixth.
                self.time += 3600;
                for i in 0..5 {
                    if i > 0 {
                        self.time += 300;
                    }
                    self.normal();
                }
                self.time += 300;
                let p = self.recurring_payment();
                self.spend(vec![p], rate)
            }
        };
        self.events.push(Event {
            spend,
            injected: Some(kind),
            first_payment: false,
        });
        if kind == Kind::Burst {
            // The next signing comes after the burst's hour.
            self.time += 3600;
        }
    }

    /// The whole timeline: `NORMAL` normal spends (plus the bursts' lead-ins), with
    /// `PER_KIND` anomalies of each kind at shuffled, evenly spread places after the warm-up.
    fn run(mut self) -> Vec<Event> {
        let mut kinds: Vec<Kind> = Kind::ALL
            .iter()
            .flat_map(|k| std::iter::repeat_n(*k, PER_KIND))
            .collect();
        for i in (1..kinds.len()).rev() {
            let j = self.rng.below(i + 1);
            kinds.swap(i, j);
        }
        let slots = kinds.len();
        let mut next = 0;
        let mut seen = std::collections::BTreeMap::<Kind, usize>::new();
        for i in 0..NORMAL {
            self.advance();
            self.normal();
            let due = WARM_UP + next * (NORMAL - WARM_UP) / slots;
            if next < slots && i + 1 >= due {
                self.advance();
                let k = kinds[next];
                let n = seen.entry(k).or_default();
                let nth = *n;
                *n += 1;
                self.inject(k, nth);
                next += 1;
            }
        }
        assert_eq!(next, slots, "every anomaly placed");
        self.events
    }
}

/// Per-code counts over one timeline.
#[derive(Debug, Default, Clone)]
struct Counts {
    normal: usize,
    first_payments: usize,
    /// Normal spends flagged, per code.
    flagged: std::collections::BTreeMap<&'static str, usize>,
    /// Normal spends flagged by a code other than new-destination on a first payment.
    any_other: usize,
    injected: usize,
}

/// Replay a timeline: check each event against the signed history before it; normal spends are
/// then signed (added to the history), injected anomalies refused.
fn replay(events: &[Event], p: &Params) -> Counts {
    let mut history: Vec<SignedSpend> = Vec::new();
    let mut c = Counts::default();
    for e in events {
        let found = check(&history, e.spend.time, &e.spend, p);
        let kinds: Vec<Kind> = found.iter().map(|a| a.kind).collect();
        match e.injected {
            Some(k) => {
                c.injected += 1;
                assert!(
                    kinds.contains(&k),
                    "injected {} at {} not flagged: {found:?}",
                    k.code(),
                    e.spend.time
                );
            }
            None => {
                c.normal += 1;
                c.first_payments += usize::from(e.first_payment);
                let mut codes: Vec<&'static str> = kinds.iter().map(|k| k.code()).collect();
                codes.dedup();
                for code in &codes {
                    *c.flagged.entry(code).or_default() += 1;
                }
                // new-destination is right by definition on a first payment and wrong on any
                // other; every other code on a normal spend is a false positive.
                assert_eq!(
                    kinds.contains(&Kind::NewDestination),
                    e.first_payment,
                    "new-destination on a normal spend must mean a first payment: {found:?}"
                );
                if kinds.iter().any(|k| *k != Kind::NewDestination) {
                    c.any_other += 1;
                }
                history.push(e.spend.clone());
            }
        }
    }
    c
}

fn line(seed: u64, c: &Counts) -> String {
    let f = |k: Kind| c.flagged.get(k.code()).copied().unwrap_or(0);
    format!(
        "seed {seed:>2}: {} normal ({} first payments), {} injected all flagged; false positives: amount {}, fee-rate {}, script-type {}, burst {}; new-destination {} (= first payments)",
        c.normal,
        c.first_payments,
        c.injected,
        f(Kind::Amount),
        f(Kind::FeeRate),
        f(Kind::ScriptType),
        f(Kind::Burst),
        f(Kind::NewDestination),
    )
}

fn share(n: usize, of: usize) -> f64 {
    n as f64 / of as f64
}

/// Bounds on the share of normal spends each code flags, per timeline and over all 20 (set
/// after measuring, with a margin; `docs/policy.md` gives the measured figures).
const MAX_AMOUNT_PER_SEED: f64 = 0.12;
const MAX_FEE_RATE_PER_SEED: f64 = 0.08;
const MAX_AMOUNT_ALL: f64 = 0.06;
const MAX_FEE_RATE_ALL: f64 = 0.04;
/// A recurring payee's script type first paid after the warm-up is flagged once.
const MAX_SCRIPT_TYPE_PER_SEED: usize = 2;

fn timelines(p: &Params) -> (Vec<(u64, Counts)>, Counts) {
    let mut total = Counts::default();
    let mut each = Vec::new();
    for seed in 1..=20u64 {
        let c = replay(&Generator::new(seed).run(), p);
        total.normal += c.normal;
        total.first_payments += c.first_payments;
        total.injected += c.injected;
        total.any_other += c.any_other;
        for (k, n) in &c.flagged {
            *total.flagged.entry(k).or_default() += n;
        }
        each.push((seed, c));
    }
    (each, total)
}

#[test]
fn every_injected_anomaly_is_flagged_and_false_positives_stay_below_the_bounds() {
    let (each, total) = timelines(&Params::default());
    let f = |c: &Counts, k: Kind| c.flagged.get(k.code()).copied().unwrap_or(0);
    for (seed, c) in &each {
        println!("{}", line(*seed, c));
        assert!(c.normal >= 200, "{}", c.normal);
        assert_eq!(c.injected, 25);
        assert!(
            share(f(c, Kind::Amount), c.normal) <= MAX_AMOUNT_PER_SEED,
            "seed {seed}"
        );
        assert!(
            share(f(c, Kind::FeeRate), c.normal) <= MAX_FEE_RATE_PER_SEED,
            "seed {seed}"
        );
        assert!(
            f(c, Kind::ScriptType) <= MAX_SCRIPT_TYPE_PER_SEED,
            "seed {seed}"
        );
        assert_eq!(f(c, Kind::Burst), 0, "seed {seed}");
    }
    println!("{}", line(0, &total).replacen("seed  0", "all 20 seeds", 1));
    println!(
        "normal spends flagged by any code but new-destination: {} of {} ({:.1} %)",
        total.any_other,
        total.normal,
        100.0 * share(total.any_other, total.normal)
    );
    assert!(share(f(&total, Kind::Amount), total.normal) <= MAX_AMOUNT_ALL);
    assert!(share(f(&total, Kind::FeeRate), total.normal) <= MAX_FEE_RATE_ALL);
}

#[test]
fn other_settings_still_flag_every_injected_anomaly() {
    // What raising k or changing the fee-rate window costs or buys (docs/policy.md's table).
    for (amount_k, fee_rate_k, fee_rate_window) in [
        (3.0, 3.0, 50),
        (3.0, 3.0, 20),
        (3.0, 3.0, 5),
        (4.0, 4.0, 10),
        (5.0, 5.0, 10),
    ] {
        let p = Params {
            amount_k,
            fee_rate_k,
            fee_rate_window,
            ..Params::default()
        };
        // `replay` asserts that every injected anomaly is flagged.
        let (_, t) = timelines(&p);
        let f = |k: Kind| t.flagged.get(k.code()).copied().unwrap_or(0);
        println!(
            "amount k {amount_k}, fee-rate k {fee_rate_k} window {fee_rate_window}: {} normal, {} injected all flagged; amount {} ({:.1} %), fee-rate {} ({:.1} %)",
            t.normal,
            t.injected,
            f(Kind::Amount),
            100.0 * share(f(Kind::Amount), t.normal),
            f(Kind::FeeRate),
            100.0 * share(f(Kind::FeeRate), t.normal)
        );
    }
}

#[test]
fn the_generated_history_is_what_the_docs_say() {
    let events = Generator::new(1).run();
    let normal: Vec<&Event> = events.iter().filter(|e| e.injected.is_none()).collect();
    let rates: Vec<f64> = normal.iter().filter_map(|e| e.spend.fee_rate()).collect();
    assert!(rates.iter().all(|r| (0.99..=50.5).contains(r)), "{rates:?}");
    let lo = rates.iter().cloned().fold(f64::MAX, f64::min);
    let hi = rates.iter().cloned().fold(0.0, f64::max);
    assert!(lo < 5.0 && hi > 20.0, "fee rates vary: {lo}..{hi}");
    let days = (events.last().unwrap().spend.time - events[0].spend.time) as f64 / 86_400.0;
    let per_day = events.len() as f64 / days;
    assert!((1.0..=6.0).contains(&per_day), "{per_day} signings a day");
    for k in Kind::ALL {
        assert_eq!(
            events.iter().filter(|e| e.injected == Some(k)).count(),
            PER_KIND
        );
    }
    // Interleaved: none before the warm-up, spread to the last fifth of the timeline.
    let first = events.iter().position(|e| e.injected.is_some()).unwrap();
    let last = events.iter().rposition(|e| e.injected.is_some()).unwrap();
    assert!(first >= WARM_UP, "{first}");
    assert!(last * 5 >= events.len() * 4, "{last} of {}", events.len());
}
