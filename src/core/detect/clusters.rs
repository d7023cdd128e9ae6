//! Per-cluster measures: strength, density, synchrony, echo share, account-creation bursts,
//! hour-of-day profile and implied time zone, top hashtags / URLs / domains / repeated texts,
//! daily series and spikes, methods' shares.

use super::roles::Boost;
use super::{CoAction, CreationBurst, Ctx, Role};
use crate::core::model::*;

pub(crate) const DAY_MS: i64 = 86_400_000;
const TOP_N: usize = 10;
/// Creation bursts are counted over windows of this many days.
pub(crate) const BURST_DAYS: i64 = 3;

/// Days since the epoch of a time in ms (floor).
pub(crate) fn day_of(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

/// `YYYY-MM-DD` of a day since the epoch (proleptic Gregorian, H. Hinnant's algorithm).
pub(crate) fn date_string(day: i64) -> String {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

pub(crate) fn median_f64(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 })
}

/// Account-creation bursts among `created` days: windows of [`BURST_DAYS`] days holding at least
/// `max(5, 10% of accounts with a known creation date)` accounts, greedily from the fullest window,
/// non-overlapping. Sorted by first day.
pub(crate) fn creation_bursts(created_days: &mut [i64]) -> Vec<CreationBurst> {
    created_days.sort_unstable();
    let total = created_days.len();
    let min = 5usize.max(total.div_ceil(10));
    let mut used = vec![false; total];
    let mut out = Vec::new();
    loop {
        // fullest window [d, d + BURST_DAYS) among unused
        let mut best: Option<(usize, usize, usize)> = None; // (count, start idx, end idx)
        let mut j = 0;
        for i in 0..total {
            if used[i] {
                continue;
            }
            if j < i {
                j = i;
            }
            while j < total && created_days[j] < created_days[i] + BURST_DAYS && !used[j] {
                j += 1;
            }
            let count = j - i;
            if best.is_none_or(|b| count > b.0) {
                best = Some((count, i, j));
            }
        }
        match best {
            Some((count, i, j)) if count >= min => {
                for u in used.iter_mut().take(j).skip(i) {
                    *u = true;
                }
                out.push(CreationBurst {
                    first_day: created_days[i],
                    last_day: created_days[j - 1],
                    n_accounts: count as u32,
                });
            }
            _ => break,
        }
    }
    out.sort_by_key(|b| b.first_day);
    out
}

/// The UTC offset (hours, −12..=14) that puts most of the activity in local office hours
/// (09:00–18:00), when at least 60% of at least 50 posts fall there; else None. Returns also the
/// share.
pub(crate) fn implied_offset(hours: &[u32; 24]) -> Option<(i32, f64)> {
    let total: u32 = hours.iter().sum();
    if total < 50 {
        return None;
    }
    let mut best: Option<(i32, u32)> = None;
    for off in -12i32..=14 {
        let mut n = 0;
        for (utc, &c) in hours.iter().enumerate() {
            let local = (utc as i32 + off).rem_euclid(24);
            if (9..18).contains(&local) {
                n += c;
            }
        }
        // ties: the offset closest to 0, then the smaller
        if best.is_none_or(|(bo, bn)| n > bn || (n == bn && off.abs() < bo.abs())) {
            best = Some((off, n));
        }
    }
    let (off, n) = best?;
    let share = n as f64 / total as f64;
    (share >= 0.6).then_some((off, share))
}

/// Days (with activity) whose count is a spike: robust z-score over the median and MAD of the
/// rolling ±14-day window (zero days included) at least 3.5, at least twice the median and at
/// least 10 posts.
pub(crate) fn spikes(daily: &[(i64, u32)]) -> Vec<i64> {
    let (Some(first), Some(last)) = (daily.first(), daily.last()) else { return vec![] };
    let span = (last.0 - first.0 + 1) as usize;
    if span > 20_000 {
        return vec![];
    }
    let mut dense = vec![0u32; span];
    for &(d, n) in daily {
        dense[(d - first.0) as usize] = n;
    }
    let mut out = Vec::new();
    let mut win: Vec<f64> = Vec::new();
    for &(d, n) in daily {
        let i = (d - first.0) as usize;
        let lo = i.saturating_sub(14);
        let hi = (i + 15).min(span);
        win.clear();
        win.extend(dense[lo..hi].iter().map(|&x| x as f64));
        let med = median_f64(&mut win).unwrap_or(0.0);
        let mut dev: Vec<f64> = win.iter().map(|x| (x - med).abs()).collect();
        let mad = median_f64(&mut dev).unwrap_or(0.0).max(1.0);
        let z = 0.6745 * (n as f64 - med) / mad;
        if z >= 3.5 && n as f64 >= 2.0 * med && n >= 10 {
            out.push(d);
        }
    }
    out
}

fn top<F: Fn(u32) -> String>(mut counts: Vec<u32>, name: F) -> Vec<(String, u32)> {
    // counts is a list of ids with repetitions
    counts.sort_unstable();
    let mut v: Vec<(String, u32)> = Vec::new();
    let mut i = 0;
    while i < counts.len() {
        let mut j = i;
        while j < counts.len() && counts[j] == counts[i] {
            j += 1;
        }
        v.push((name(counts[i]), (j - i) as u32));
        i = j;
    }
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(TOP_N);
    v
}

/// Inputs of the measures of one cluster.
pub(crate) struct ClusterInput<'a> {
    pub ranks: &'a [u32],
    pub role: &'a [Role],
    pub member: &'a [bool],
    /// The cluster's internal co-action edges.
    pub internal: &'a Internal,
}

/// Sums over a cluster's internal co-action edges, in edge order.
#[derive(Clone, Default)]
pub(crate) struct Internal {
    pub n_edges: usize,
    pub weight: f64,
    pub per_method: [f64; 8],
}

impl Internal {
    /// Add an edge: its combined weight, its methods' bits, and its per-method weights when it
    /// has more than one method (one per bit, in `CoAction` order).
    pub fn add(&mut self, weight: f64, methods: u16, per: &[f64]) {
        self.n_edges += 1;
        self.weight += weight;
        if per.is_empty() {
            self.per_method[methods.trailing_zeros() as usize] += weight;
        } else {
            let kinds = CoAction::ALL.iter().filter(|m| methods & m.bit() != 0);
            for (&m, &w) in kinds.zip(per) {
                self.per_method[m as usize] += w;
            }
        }
    }
}

pub(crate) fn measure(
    ds: &Dataset,
    ctx: &Ctx,
    id: u32,
    input: &ClusterInput<'_>,
    boosts: &[Boost],
    in_cluster: &dyn Fn(u32) -> bool,
) -> super::Cluster {
    let p = &ds.posts;
    let mut accounts: Vec<AccountIdx> = input.ranks.iter().map(|&r| ctx.by_rank[r as usize]).collect();
    accounts.sort_unstable();
    let n_core = input.ranks.iter().filter(|&&r| input.role[r as usize] == Role::Core).count() as u32;
    let n_amplifiers = input.ranks.iter().filter(|&&r| input.role[r as usize] == Role::Amplifier).count() as u32;
    let n_members = input.ranks.iter().filter(|&&r| input.member[r as usize]).count() as f64;
    let total_w = input.internal.weight;
    let n_internal = input.internal.n_edges;
    let strength = if n_internal == 0 { 0.0 } else { total_w / n_internal as f64 };
    let density = if n_members >= 2.0 { n_internal as f64 / (n_members * (n_members - 1.0) / 2.0) } else { 0.0 };
    let per_method = input.internal.per_method;
    let methods: Vec<(CoAction, f64)> = CoAction::ALL
        .iter()
        .filter(|m| per_method[**m as usize] > 0.0)
        .map(|&m| (m, if total_w > 0.0 { per_method[m as usize] / total_w } else { 0.0 }))
        .collect();

    // synchrony and echo: boosts of the core
    let is_core = |r: u32| in_cluster(r) && input.role[r as usize] == Role::Core;
    let mut delays: Vec<f64> = Vec::new();
    let (mut recv_in, mut recv_all) = (0u64, 0u64);
    for b in boosts {
        if is_core(b.target) {
            recv_all += 1;
            if in_cluster(b.booster) {
                recv_in += 1;
                if let Some(d) = b.delay_ms() {
                    delays.push(d as f64 / 1000.0);
                }
            }
        }
    }
    let median_boost_delay_s = median_f64(&mut delays);
    let echo_share = (recv_all > 0).then(|| recv_in as f64 / recv_all as f64);

    let mut created: Vec<i64> =
        accounts.iter().map(|&a| ds.accounts.created_at[a as usize]).filter(|&t| t != NO_TIME).map(day_of).collect();
    let creation_bursts = creation_bursts(&mut created);

    let mut hour_profile = [0u32; 24];
    let mut days: Vec<i64> = Vec::new();
    let (mut tags, mut urls, mut doms, mut fps) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut n_posts = 0u64;
    for &r in input.ranks {
        for &i in ctx.posts_of(r) {
            let i = i as usize;
            n_posts += 1;
            let t = p.time_ms(i);
            hour_profile[(t.div_euclid(3_600_000)).rem_euclid(24) as usize] += 1;
            days.push(day_of(t));
            tags.extend_from_slice(p.hashtags.row(i));
            for &u in p.urls.row(i) {
                urls.push(u);
                if let Some(&d) = ds.url_domain.get(u as usize) {
                    doms.push(d);
                }
            }
            if p.text_fp(i) != 0 {
                fps.push(p.text_fp(i));
            }
        }
    }
    days.sort_unstable();
    let mut daily: Vec<(i64, u32)> = Vec::new();
    for d in days {
        match daily.last_mut() {
            Some(last) if last.0 == d => last.1 += 1,
            _ => daily.push((d, 1)),
        }
    }
    let spikes = spikes(&daily);
    let implied_utc_offset = implied_offset(&hour_profile).map(|x| x.0);
    fps.sort_unstable();
    let mut texts: Vec<(String, u32)> = Vec::new();
    let mut i = 0;
    while i < fps.len() {
        let mut j = i;
        while j < fps.len() && fps[j] == fps[i] {
            j += 1;
        }
        if j - i >= 2 {
            let text =
                ds.samples.by_fp(fps[i]).map(|s| s.to_string()).unwrap_or_else(|| format!("(text {:016x})", fps[i]));
            texts.push((text, (j - i) as u32));
        }
        i = j;
    }
    texts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    texts.truncate(TOP_N);
    super::Cluster {
        id,
        accounts,
        n_core,
        n_amplifiers,
        strength,
        density,
        median_boost_delay_s,
        echo_share,
        creation_bursts,
        hour_profile,
        implied_utc_offset,
        top_hashtags: top(tags, |h| ds.hashtags.resolve(h).to_string()),
        top_urls: top(urls, |u| ds.urls.resolve(u).to_string()),
        top_domains: top(doms, |d| ds.domains.resolve(d).to_string()),
        top_texts: texts,
        daily,
        spikes,
        methods,
        n_posts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(date_string(0), "1970-01-01");
        assert_eq!(date_string(18_262), "2020-01-01");
        assert_eq!(date_string(-1), "1969-12-31");
        assert_eq!(day_of(-1), -1);
    }

    #[test]
    fn bursts_are_found() {
        let mut d: Vec<i64> = (0..30).map(|i| 1000 + i % 3).collect();
        d.extend((0..20).map(|i| 2000 + i * 40));
        let b = creation_bursts(&mut d);
        assert_eq!(b.len(), 1);
        assert_eq!((b[0].first_day, b[0].last_day, b[0].n_accounts), (1000, 1002, 30));
    }

    #[test]
    fn offset_of_office_hours() {
        let mut h = [0u32; 24];
        for v in h.iter_mut().take(15).skip(6) {
            *v = 20; // 09..18 at UTC+3
        }
        h[20] = 3;
        assert_eq!(implied_offset(&h).map(|x| x.0), Some(3));
        assert_eq!(implied_offset(&[5u32; 24]), None);
    }

    #[test]
    fn spike_over_rolling_median() {
        let mut daily: Vec<(i64, u32)> = (0..40).map(|d| (d, 5 + (d % 3) as u32)).collect();
        daily[20].1 = 80;
        assert_eq!(spikes(&daily), vec![20]);
    }
}
