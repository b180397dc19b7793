//! Coin selection: branch-and-bound for a changeless match (Bitcoin Core's algorithm, after
//! Erhardt 2016), then largest-first with change as the fallback. Works on effective values
//! (amount minus the fee to spend the input at the target rate).

/// A candidate input.
#[derive(Debug, Clone, Copy)]
pub struct Candidate {
    /// Amount in sats.
    pub value: u64,
    /// Fee to spend it at the target rate, in sats.
    pub input_fee: u64,
}

impl Candidate {
    fn effective(&self) -> i64 {
        self.value as i64 - self.input_fee as i64
    }
}

/// Selected candidate indexes and whether a change output is wanted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Indexes into the candidate list.
    pub chosen: Vec<usize>,
    /// True when the selection is meant to carry a change output.
    pub with_change: bool,
}

const BNB_TRIES: usize = 100_000;
/// Largest coins considered by branch and bound.
const BNB_MAX_COINS: usize = 2_000;

/// Branch and bound: a subset whose effective value lies in `[target, target + cost_of_change]`,
/// minimising the excess. `target` already includes the fee of the transaction without inputs.
pub fn branch_and_bound(
    cands: &[Candidate],
    target: u64,
    cost_of_change: u64,
) -> Option<Vec<usize>> {
    let mut order: Vec<usize> = (0..cands.len())
        .filter(|&i| cands[i].effective() > 0)
        .collect();
    order.sort_by_key(|&i| std::cmp::Reverse(cands[i].effective()));
    // The search recurses once per coin: bound the depth (and the work) on huge wallets.
    order.truncate(BNB_MAX_COINS);
    let eff: Vec<i64> = order.iter().map(|&i| cands[i].effective()).collect();
    let total: i64 = eff.iter().sum();
    let mut search = Search {
        eff: &eff,
        target: target as i64,
        upper: (target + cost_of_change) as i64,
        tries: 0,
        sel: Vec::new(),
        best: None,
    };
    search.dfs(0, 0, total);
    search
        .best
        .map(|(_, s)| s.into_iter().map(|k| order[k]).collect())
}

struct Search<'a> {
    eff: &'a [i64],
    target: i64,
    upper: i64,
    tries: usize,
    sel: Vec<usize>,
    best: Option<(i64, Vec<usize>)>,
}

impl Search<'_> {
    /// Depth-first over include/exclude of coin `k`, largest first, pruning on the bounds.
    fn dfs(&mut self, k: usize, value: i64, remaining: i64) {
        self.tries += 1;
        if self.tries > BNB_TRIES || value > self.upper || value + remaining < self.target {
            return;
        }
        if matches!(self.best, Some((0, _))) {
            return;
        }
        if value >= self.target {
            let excess = value - self.target;
            if self.best.as_ref().is_none_or(|(b, _)| excess < *b) {
                self.best = Some((excess, self.sel.clone()));
            }
            return;
        }
        if k == self.eff.len() {
            return;
        }
        self.sel.push(k);
        self.dfs(k + 1, value + self.eff[k], remaining - self.eff[k]);
        self.sel.pop();
        self.dfs(k + 1, value, remaining - self.eff[k]);
    }
}

/// Largest first until the target plus the change cost is covered.
pub fn largest_first(cands: &[Candidate], target_with_change: u64) -> Option<Vec<usize>> {
    let mut order: Vec<usize> = (0..cands.len())
        .filter(|&i| cands[i].effective() > 0)
        .collect();
    order.sort_by_key(|&i| std::cmp::Reverse(cands[i].value));
    let mut sum = 0i64;
    let mut chosen = Vec::new();
    for i in order {
        chosen.push(i);
        sum += cands[i].effective();
        if sum >= target_with_change as i64 {
            return Some(chosen);
        }
    }
    None
}

/// Choose inputs: changeless BnB first, else largest-first with change.
pub fn select(
    cands: &[Candidate],
    target: u64,
    change_fee: u64,
    cost_of_change: u64,
    min_change: u64,
) -> Option<Selection> {
    if let Some(chosen) = branch_and_bound(cands, target, cost_of_change) {
        return Some(Selection {
            chosen,
            with_change: false,
        });
    }
    largest_first(cands, target + change_fee + min_change).map(|chosen| Selection {
        chosen,
        with_change: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(v: u64) -> Candidate {
        Candidate {
            value: v,
            input_fee: 100,
        }
    }

    #[test]
    fn bnb_finds_exact_match() {
        let cands = [c(10_100), c(20_100), c(30_100), c(5_100)];
        let mut got = branch_and_bound(&cands, 35_000, 50).unwrap();
        got.sort();
        assert_eq!(got, vec![2, 3]);
    }

    #[test]
    fn bnb_gives_up_and_fallback_takes_largest() {
        let cands = [c(100_000), c(7_000)];
        assert!(branch_and_bound(&cands, 50_000, 100).is_none());
        let s = select(&cands, 50_000, 200, 300, 1000).unwrap();
        assert!(s.with_change);
        assert_eq!(s.chosen, vec![0]);
    }

    #[test]
    fn insufficient_is_none() {
        assert!(select(&[c(1_000)], 5_000, 10, 10, 10).is_none());
    }
}
