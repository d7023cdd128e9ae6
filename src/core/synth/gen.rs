//! The generator: organic population, planted operations, confounders, organic engagement.

use super::text::N_QUOTES;
use super::time::ms_of_date;
use super::*;
use crate::core::model::{Kind, NONE};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rustc_hash::FxHashSet;

/// SplitMix64 finaliser: derives independent seeds from (seed, stream) pairs.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seeded random source with the few distributions the generator needs. Transcendental
/// functions come from `libm` (pure Rust), so a seed gives the same dataset natively and in wasm.
pub(crate) struct Rand(ChaCha8Rng);

impl Rand {
    pub fn new(seed: u64) -> Self {
        Rand(ChaCha8Rng::seed_from_u64(seed))
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        self.0.gen::<f64>()
    }
    /// Uniform in 0..n (0 when n is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            self.0.gen_range(0..n)
        }
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    pub fn next_u32(&mut self) -> u32 {
        self.0.next_u32()
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.unit();
        let u2 = self.unit();
        (-2.0 * libm::log(u1)).sqrt() * libm::cos(std::f64::consts::TAU * u2)
    }
    /// Log-normal with the given median and log-spread.
    pub fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * libm::exp(sigma * self.normal())
    }
    /// Exponential with the given mean.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * libm::log(1.0 - self.unit())
    }
    /// Pareto with minimum 1 and tail index `alpha` (heavy tail).
    pub fn pareto(&mut self, alpha: f64) -> f64 {
        libm::pow(1.0 - self.unit(), -1.0 / alpha)
    }
    /// Poisson count (Knuth below 30, normal approximation above).
    pub fn poisson(&mut self, lambda: f64) -> u32 {
        if lambda.is_nan() || lambda <= 0.0 {
            return 0;
        }
        if lambda < 30.0 {
            let l = libm::exp(-lambda);
            let mut k = 0u32;
            let mut p = 1.0;
            loop {
                p *= self.unit();
                if p <= l {
                    return k;
                }
                k += 1;
            }
        }
        (lambda + lambda.sqrt() * self.normal()).round().max(0.0) as u32
    }
    /// A delay in milliseconds, at least 2 s.
    pub fn delay_ms(&mut self, d: Delay) -> i64 {
        ((self.lognormal(d.median_s, d.sigma) * 1000.0) as i64).max(2_000)
    }
}

/// Weighted sampling by cumulative weights and binary search.
struct Cumulative {
    cum: Vec<f64>,
    items: Vec<u32>,
}

impl Cumulative {
    fn new(items: Vec<u32>, weight: impl Fn(u32) -> f64) -> Self {
        let mut total = 0.0;
        let cum = items
            .iter()
            .map(|&i| {
                total += weight(i).max(0.0);
                total
            })
            .collect();
        Cumulative { cum, items }
    }
    fn total(&self) -> f64 {
        self.cum.last().copied().unwrap_or(0.0)
    }
    fn sample(&self, r: &mut Rand) -> Option<u32> {
        let total = self.total();
        if total <= 0.0 {
            return None;
        }
        let x = r.unit() * total;
        let i = self.cum.partition_point(|&c| c <= x).min(self.items.len() - 1);
        Some(self.items[i])
    }
}

struct Region {
    utc_offset_h: i32,
    lang: Lang,
    weight: f64,
    cities: &'static [&'static str],
}

#[rustfmt::skip]
const REGIONS: &[Region] = &[
    Region { utc_offset_h: -8, lang: Lang::En, weight: 0.12, cities: &["Los Angeles", "Seattle", "San Francisco, CA", "Portland, OR"] },
    Region { utc_offset_h: -5, lang: Lang::En, weight: 0.25, cities: &["New York, NY", "Chicago", "Atlanta, GA", "Toronto", "Boston", "Miami, FL"] },
    Region { utc_offset_h: 0, lang: Lang::En, weight: 0.14, cities: &["London", "Manchester, England", "Dublin, Ireland", "Glasgow"] },
    Region { utc_offset_h: 1, lang: Lang::Es, weight: 0.10, cities: &["Madrid", "Barcelona", "Sevilla", "Valencia, España"] },
    Region { utc_offset_h: -6, lang: Lang::Es, weight: 0.08, cities: &["Ciudad de México", "Guadalajara", "Monterrey, NL"] },
    Region { utc_offset_h: 3, lang: Lang::Ar, weight: 0.10, cities: &["الرياض", "Riyadh", "جدة", "Kuwait"] },
    Region { utc_offset_h: 5, lang: Lang::En, weight: 0.08, cities: &["Mumbai", "New Delhi, India", "Karachi", "Bengaluru"] },
    Region { utc_offset_h: 8, lang: Lang::Zh, weight: 0.08, cities: &["Hong Kong", "Taipei", "Singapore", "台北"] },
    Region { utc_offset_h: 10, lang: Lang::En, weight: 0.05, cities: &["Sydney", "Melbourne, Victoria", "Brisbane"] },
];

/// Organic activity by local hour (evening peak, quiet nights).
#[rustfmt::skip]
const ORGANIC_HOURS: [f64; 24] = [
    0.6, 0.35, 0.2, 0.12, 0.1, 0.15, 0.35, 0.7, 1.0, 1.1, 1.1, 1.2, 1.3, 1.2, 1.1, 1.1, 1.2, 1.3, 1.5, 1.7, 1.8, 1.7,
    1.4, 1.0,
];

#[rustfmt::skip]
const FIRST: &[&str] = &[
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David", "Sarah", "Chris",
    "Emily", "Daniel", "Jessica", "Matt", "Ashley", "Kevin", "Laura", "Brian", "Megan", "Maria", "Jose",
    "Lucia", "Carlos", "Sofia", "Javier", "Elena", "Miguel", "Ahmed", "Fatima", "Omar", "Layla", "Yusuf",
    "Noura", "Wei", "Li", "Ming", "Xiu", "Jun", "Hui", "Priya", "Rahul", "Anita", "Arjun", "Tom", "Emma",
    "Oliver", "Chloe", "Jack", "Grace", "Liam", "Zoe", "Noah", "Mia", "Lucas", "Ava", "Ethan", "Nina",
];
#[rustfmt::skip]
const LAST: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Lopez", "Gonzalez", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Lee", "Walker",
    "Hall", "Young", "King", "Wright", "Hernandez", "Sanchez", "Ramirez", "Torres", "Flores", "Rivera",
    "Hassan", "Ali", "Khan", "Haddad", "Mansour", "Wang", "Zhang", "Chen", "Liu", "Huang", "Patel",
    "Sharma", "Singh", "Kumar", "Murphy", "Kelly", "Evans", "Clarke", "Scott", "Green", "Baker", "Adams",
];
#[rustfmt::skip]
const NICK: &[&str] = &[
    "coffee", "night", "owl", "sunny", "pixel", "jazz", "urban", "wild", "happy", "real", "the", "lazy",
    "blue", "red", "little", "big", "cosmic", "retro", "daily", "chill", "mad", "lucky", "wander", "geek",
];
#[rustfmt::skip]
const DESCRIPTION: &[&str] = &[
    "Coffee lover", "Dad of two", "Mom of three", "Opinions my own", "Runner", "Teacher", "Music fan",
    "Engineer", "Foodie", "Traveler", "Photographer", "Nurse", "Student", "Gamer", "Book nerd",
    "Football fan", "Writer", "Designer", "Dog person", "Cat person", "RT ≠ endorsement", "she/her",
    "he/him", "Living my best life", "Software developer", "Amante del café", "Periodista",
    "مهندس", "طالب جامعي", "热爱生活", "摄影爱好者", "Retired", "Small business owner", "Science!",
];
#[rustfmt::skip]
const CLIENTS: &[(&str, f64)] = &[
    ("Twitter for iPhone", 0.40),
    ("Twitter for Android", 0.33),
    ("Twitter Web App", 0.17),
    ("Twitter for iPad", 0.03),
    ("TweetDeck", 0.025),
    ("Hootsuite Inc.", 0.015),
    ("Buffer", 0.01),
    ("IFTTT", 0.008),
    ("Instagram", 0.012),
];

/// The first `n` characters of `s`.
fn prefix(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Each core account posts, and each amplifier boosts the core, at least this many times.
const MIN_ACTIONS: usize = 3;

struct Gen<'a> {
    p: &'a SynthParams,
    r: Rand,
    accounts: Vec<SynthAccount>,
    /// Activity weight per account (heavy-tailed).
    act: Vec<f64>,
    posts: Vec<SynthPost>,
    start_ms: i64,
    end_ms: i64,
    organic: Vec<u32>,
    popular: Vec<u32>,
    celebrities: Vec<u32>,
}

/// Generate the dataset described by `p`. Errors name the parameter that is out of range.
pub fn generate(p: &SynthParams) -> Result<SynthOutput, String> {
    validate(p)?;
    let mut g = Gen {
        p,
        r: Rand::new(mix64(p.seed ^ 0x5EED_0001)),
        accounts: Vec::new(),
        act: Vec::new(),
        posts: Vec::new(),
        start_ms: p.start_ms,
        end_ms: p.start_ms + p.n_days as i64 * DAY_MS,
        organic: Vec::new(),
        popular: Vec::new(),
        celebrities: Vec::new(),
    };
    g.organic_population();
    g.organic_originals();
    for (k, spec) in p.operations.iter().enumerate() {
        g.operation(k, spec);
    }
    g.confounders();
    g.organic_engagement();
    Ok(g.finish())
}

fn validate(p: &SynthParams) -> Result<(), String> {
    if p.start_ms < TWITTER_EPOCH_MS + 30 * DAY_MS {
        return Err("start_ms must be after 2010-12-04 (snowflake ids start on 2010-11-04)".into());
    }
    if p.n_days == 0 || p.n_days > 3650 {
        return Err(format!("n_days must be 1..=3650, got {}", p.n_days));
    }
    if p.n_organic < 10 {
        return Err(format!("n_organic must be at least 10, got {}", p.n_organic));
    }
    if p.operations.len() > u16::MAX as usize / 2 {
        return Err("too many operations".into());
    }
    for op in &p.operations {
        if op.n_core == 0 {
            return Err(format!("operation {}: n_core must be at least 1", op.name));
        }
        if op.active_days.0 >= op.active_days.1 || op.active_days.0 >= p.n_days {
            return Err(format!(
                "operation {}: active_days must be a non-empty range starting before day n_days",
                op.name
            ));
        }
        if !(0.0..1.0).contains(&op.organic_boost_share) {
            return Err(format!("operation {}: organic_boost_share must be in [0, 1)", op.name));
        }
        if !(op.office_hours.0 < op.office_hours.1 && op.office_hours.1 <= 24) {
            return Err(format!("operation {}: office_hours must be (start, end) with start < end <= 24", op.name));
        }
        if op.boost_delay.median_s <= 0.0 || op.boost_delay.sigma < 0.0 {
            return Err(format!("operation {}: boost_delay must have a positive median", op.name));
        }
    }
    Ok(())
}

impl Gen<'_> {
    fn push_post(&mut self, time_ms: i64, account: u32, kind: Kind, target: u32, text: TextRecipe) -> u32 {
        let i = self.posts.len() as u32;
        self.posts.push(SynthPost { id: 0, time_ms, account, kind, target, text });
        i
    }

    fn day_of_week(&self, day: u32) -> i64 {
        // 1970-01-01 was a Thursday: 0 = Sunday.
        (self.start_ms.div_euclid(DAY_MS) + day as i64 + 4).rem_euclid(7)
    }

    /// A moment on `day` at a local hour drawn from `hours`, for an account at `utc_offset_h`.
    fn time_at(&mut self, day: u32, utc_offset_h: i32, hour: f64) -> i64 {
        let local_midnight =
            self.start_ms.div_euclid(DAY_MS) * DAY_MS + day as i64 * DAY_MS - utc_offset_h as i64 * 3_600_000;
        local_midnight + (hour * 3_600_000.0) as i64 + self.r.below(1000) as i64
    }

    fn organic_hour(&mut self, shift: f64) -> f64 {
        let total: f64 = ORGANIC_HOURS.iter().sum();
        let mut x = self.r.unit() * total;
        let mut h = 0;
        for (k, w) in ORGANIC_HOURS.iter().enumerate() {
            if x < *w {
                h = k;
                break;
            }
            x -= w;
        }
        (h as f64 + self.r.unit() + shift).rem_euclid(24.0)
    }

    fn client(&mut self) -> String {
        let total: f64 = CLIENTS.iter().map(|c| c.1).sum();
        let mut x = self.r.unit() * total;
        for (name, w) in CLIENTS {
            if x < *w {
                return (*name).to_string();
            }
            x -= w;
        }
        CLIENTS[0].0.to_string()
    }

    fn organic_handle(&mut self, first: &str, last: &str, created_ms: i64) -> String {
        let r = &mut self.r;
        let f = first.to_lowercase();
        let l = last.to_lowercase();
        let recent = created_ms > ms_of_date(2017, 1, 1);
        let pick = r.below(100);
        if recent && pick < 6 {
            // Twitter's own suggestion for new sign-ups: name + 8 digits (organic, not a bot).
            return format!("{}{}", prefix(first, 7), 10_000_000 + r.below(89_999_999));
        }
        match pick % 7 {
            0 => format!("{f}{l}"),
            1 => format!("{f}_{l}"),
            2 => format!("{first}{}", &last[..1]),
            3 => format!("{f}{}", 1960 + r.below(45)),
            4 => format!("{}_{}", NICK[r.below(NICK.len())], NICK[r.below(NICK.len())]),
            5 => format!("{}{f}", NICK[r.below(NICK.len())]),
            _ => format!("{f}{l}{}", r.below(100)),
        }
    }

    fn description(&mut self) -> String {
        let n = 1 + self.r.below(3);
        let mut parts: Vec<&str> = Vec::with_capacity(n);
        for _ in 0..n {
            let d = DESCRIPTION[self.r.below(DESCRIPTION.len())];
            if !parts.contains(&d) {
                parts.push(d);
            }
        }
        parts.join([" | ", ". ", " · ", "\n"][self.r.below(4)])
    }

    fn organic_population(&mut self) {
        let p = self.p;
        let earliest = ms_of_date(2008, 1, 1);
        let latest = self.start_ms - 30 * DAY_MS;
        let region_total: f64 = REGIONS.iter().map(|r| r.weight).sum();
        for _ in 0..p.n_organic {
            let mut x = self.r.unit() * region_total;
            let mut region = &REGIONS[0];
            for rg in REGIONS {
                if x < rg.weight {
                    region = rg;
                    break;
                }
                x -= rg.weight;
            }
            let created_ms = earliest + (self.r.unit() * (latest - earliest) as f64) as i64;
            let first = FIRST[self.r.below(FIRST.len())];
            let last = LAST[self.r.below(LAST.len())];
            let screen_name = self.organic_handle(first, last, created_ms);
            let display_name = if self.r.chance(0.85) { format!("{first} {last}") } else { first.to_string() };
            let location = if self.r.chance(0.6) {
                region.cities[self.r.below(region.cities.len())].to_string()
            } else {
                String::new()
            };
            let description = if self.r.chance(0.75) { self.description() } else { String::new() };
            let profile_url = if self.r.chance(0.12) {
                format!("https://{}", super::text::organic_domain(50 + self.r.below(500), self.p.seed))
            } else {
                String::new()
            };
            let followers = self.r.lognormal(180.0, 1.6).min(2.0e6) as u32;
            let following = self.r.lognormal(250.0, 1.0).min(20_000.0) as u32;
            let client = self.client();
            let lang = if self.r.chance(0.9) { region.lang } else { Lang::En };
            let idx = self.accounts.len() as u32;
            self.accounts.push(SynthAccount {
                user_id: String::new(),
                screen_name,
                display_name,
                location,
                description,
                profile_url,
                followers,
                following,
                created_ms,
                language: lang,
                client,
                utc_offset_h: region.utc_offset_h,
                role: TruthRole::Organic,
                operation: None,
                confounders: 0,
            });
            self.act.push(self.r.pareto(1.6).min(60.0));
            self.organic.push(idx);
        }
        // Celebrities: a few organic accounts with very many followers who post a lot.
        let n_celeb = (p.n_organic as usize / 300).clamp(3, 400);
        let mut picked = FxHashSet::default();
        while self.celebrities.len() < n_celeb.min(self.organic.len()) {
            let a = self.organic[self.r.below(self.organic.len())];
            if picked.insert(a) {
                self.celebrities.push(a);
                let acc = &mut self.accounts[a as usize];
                acc.confounders |= confounder::CELEBRITY;
                acc.followers = self.r.lognormal(300_000.0, 1.0).clamp(20_000.0, 5.0e7) as u32;
                acc.description = format!("Official account. {}", DESCRIPTION[self.r.below(DESCRIPTION.len())]);
                // an old account: spread over 2007–2012 (all on one instant, their sequential
                // pre-snowflake ids collided with those of other datasets)
                let (old, cut) = (ms_of_date(2007, 1, 1), ms_of_date(2013, 1, 1));
                // (from a hash, not the stream: the rest of the dataset stays as it was)
                if acc.created_ms >= cut {
                    acc.created_ms = old + (mix64(self.p.seed ^ 0xce1e ^ a as u64) % (cut - old) as u64) as i64;
                }
            }
        }
        // Accounts others mention: the most followed organic accounts.
        let mut by_followers = self.organic.clone();
        by_followers.sort_by_key(|&a| (std::cmp::Reverse(self.accounts[a as usize].followers), a));
        by_followers.truncate((self.organic.len() / 100).max(5));
        self.popular = by_followers;
    }

    fn organic_originals(&mut self) {
        let p = self.p;
        let mean_act = self.act.iter().sum::<f64>() / self.act.len().max(1) as f64;
        let celebs: FxHashSet<u32> = self.celebrities.iter().copied().collect();
        for k in 0..self.organic.len() {
            let a = self.organic[k];
            let mut rate = p.organic_posts_per_day * self.act[a as usize] / mean_act;
            if celebs.contains(&a) {
                rate = rate.max(1.5);
            }
            let n = self.r.poisson(rate * p.n_days as f64);
            let tz = self.accounts[a as usize].utc_offset_h;
            let shift = self.r.normal() * 1.5;
            for _ in 0..n {
                let mut day = self.r.below(p.n_days as usize) as u32;
                // slightly more on weekends
                if self.r.chance(0.08) {
                    let dow = self.day_of_week(day);
                    if dow != 0 && dow != 6 {
                        day = (day + (6 - dow as u32)).min(p.n_days - 1);
                    }
                }
                let h = self.organic_hour(shift);
                let t = self.time_at(day, tz, h);
                let seed = self.r.next_u32();
                self.push_post(t, a, Kind::Post, NONE, TextRecipe::Organic(seed));
            }
        }
    }

    fn spike(spec: &OpSpec, day: u32) -> f64 {
        let mut m: f64 = 1.0;
        for &(d, mult) in &spec.spikes {
            if day == d + 1 {
                m = m.max(mult);
            } else if day == d || day == d + 2 {
                m = m.max(1.0 + (mult - 1.0) * 0.6);
            }
        }
        m
    }

    fn office_hour(&mut self, spec: &OpSpec) -> f64 {
        let (s, e) = (spec.office_hours.0 as f64, spec.office_hours.1 as f64);
        loop {
            let h = s + self.r.unit() * (e - s);
            // a lunch dip in the middle of the day
            let mid = (s + e) / 2.0;
            if (h - mid).abs() > 0.5 || self.r.chance(0.3) {
                return h;
            }
        }
    }

    fn op_account(&mut self, k: usize, spec: &OpSpec, role: TruthRole, bursts: &[(i64, u32)]) -> u32 {
        let lang = Lang::from_code(&spec.language);
        let created_ms = if self.r.chance(spec.aged_share) || bursts.is_empty() {
            let earliest = ms_of_date(2009, 6, 1);
            earliest + (self.r.unit() * (self.start_ms - 60 * DAY_MS - earliest) as f64) as i64
        } else {
            let (day0, width) = bursts[self.r.below(bursts.len())];
            day0 + self.r.below(width as usize) as i64 * DAY_MS + self.r.below(DAY_MS as usize) as i64
        };
        let first = FIRST[self.r.below(FIRST.len())];
        let last = LAST[self.r.below(LAST.len())];
        let screen_name = if self.r.chance(spec.generated_handle_share) {
            match self.r.below(3) {
                // handles have at most 15 characters: the name is cut, the digits kept
                0 => format!("{}{}", prefix(&format!("{first}{last}"), 7), 10_000_000 + self.r.below(89_999_999)),
                1 => format!("{}{}", prefix(first, 5), 1_000_000_000u64 + self.r.next_u64() % 8_999_999_999),
                _ => format!("{}{}", prefix(&first.to_lowercase(), 9), 100_000 + self.r.below(899_999)),
            }
        } else {
            self.organic_handle(first, last, created_ms)
        };
        let display_name = format!("{first} {last}");
        let description = if self.r.chance(spec.empty_profile_share) { String::new() } else { self.description() };
        let (followers, following) = match role {
            TruthRole::Core => (self.r.lognormal(60.0, 1.2), self.r.lognormal(150.0, 0.8)),
            _ => (self.r.lognormal(8.0, 1.2), self.r.lognormal(60.0, 1.0)),
        };
        let client = if self.r.chance(0.9) { spec.client.clone() } else { self.client() };
        // a minority fill in a location plausible for their persona
        let location = match REGIONS.iter().find(|r| r.utc_offset_h == spec.utc_offset_h && r.lang == lang) {
            Some(region) if self.r.chance(0.25) => region.cities[self.r.below(region.cities.len())].to_string(),
            _ if self.r.chance(0.1) => REGIONS[self.r.below(REGIONS.len())].cities[0].to_string(),
            _ => String::new(),
        };
        let idx = self.accounts.len() as u32;
        self.accounts.push(SynthAccount {
            user_id: String::new(),
            screen_name,
            display_name,
            location,
            description,
            profile_url: String::new(),
            followers: followers.min(4_900.0) as u32,
            following: following.min(5_000.0) as u32,
            created_ms,
            language: lang,
            client,
            utc_offset_h: spec.utc_offset_h,
            role,
            operation: Some(k as u16),
            confounders: 0,
        });
        self.act.push(self.r.lognormal(1.0, 0.5));
        idx
    }

    fn operation(&mut self, k: usize, spec: &OpSpec) {
        let first_active = spec.active_days.0.min(self.p.n_days);
        let last_active = spec.active_days.1.min(self.p.n_days);
        // creation bursts: a few days each, 1 to 18 months before the campaign starts
        let campaign_start = self.start_ms + first_active as i64 * DAY_MS;
        let bursts: Vec<(i64, u32)> = (0..spec.creation_bursts)
            .map(|_| {
                let back = 30 + self.r.below(510) as i64;
                let day0 = (campaign_start - back * DAY_MS).div_euclid(DAY_MS) * DAY_MS;
                (day0.max(TWITTER_EPOCH_MS + DAY_MS), 1 + self.r.below(4) as u32)
            })
            .collect();
        let core: Vec<u32> = (0..spec.n_core).map(|_| self.op_account(k, spec, TruthRole::Core, &bursts)).collect();
        let amps: Vec<u32> =
            (0..spec.n_amplifiers).map(|_| self.op_account(k, spec, TruthRole::Amplifier, &bursts)).collect();
        let op = k as u16;
        let n_narratives = ((last_active - first_active) as usize * 2).clamp(20, 60_000);

        // core posts
        let mut core_posts: Vec<u32> = Vec::new();
        for day in first_active..last_active {
            let dow = self.day_of_week(day);
            let weekday = if dow == 0 || dow == 6 { 0.25 } else { 1.0 };
            let mult = Self::spike(spec, day) * weekday;
            for &c in &core {
                let n = self.r.poisson(spec.core_posts_per_day * mult * self.act[c as usize]);
                for _ in 0..n {
                    let h = self.office_hour(spec);
                    let t = self.time_at(day, spec.utc_offset_h, h);
                    let recipe = if self.r.chance(0.85) {
                        let narrative = ((day as usize * 2 + self.r.below(5)) % n_narratives) as u16;
                        let variant = if self.r.chance(0.5) { 0 } else { 1 + self.r.next_u32() % 1_000_000 };
                        TextRecipe::Narrative { op, narrative, variant }
                    } else {
                        TextRecipe::Filler(self.r.next_u32())
                    };
                    core_posts.push(self.push_post(t, c, Kind::Post, NONE, recipe));
                }
            }
        }

        // every core account publishes something
        for &c in &core {
            let have = core_posts.iter().filter(|&&i| self.posts[i as usize].account == c).count();
            for _ in have..MIN_ACTIONS {
                let day = first_active + self.r.below((last_active - first_active) as usize) as u32;
                let h = self.office_hour(spec);
                let t = self.time_at(day, spec.utc_offset_h, h);
                let narrative = ((day as usize * 2 + self.r.below(5)) % n_narratives) as u16;
                core_posts.push(self.push_post(
                    t,
                    c,
                    Kind::Post,
                    NONE,
                    TextRecipe::Narrative { op, narrative, variant: 0 },
                ));
            }
        }

        // boosts of the core
        let mut core_boosts = vec![0u32; amps.len()];
        for &cp in &core_posts {
            let post = self.posts[cp as usize];
            let narrative = match post.text {
                TextRecipe::Narrative { narrative, variant, .. } => Some((narrative, variant)),
                _ => None,
            };
            for &c2 in &core {
                if c2 != post.account && self.r.chance(spec.core_echo) {
                    let t = post.time_ms
                        + self.r.delay_ms(Delay {
                            median_s: spec.boost_delay.median_s * 3.0,
                            sigma: spec.boost_delay.sigma + 0.3,
                        });
                    self.push_post(t, c2, Kind::Retweet, cp, TextRecipe::Retweet);
                }
            }
            let q = if narrative.is_some() { spec.boost_prob } else { spec.boost_prob * 0.4 };
            for (j, &a) in amps.iter().enumerate() {
                if !self.r.chance((q * self.act[a as usize]).min(0.95)) {
                    continue;
                }
                self.boost(spec, op, a, cp, narrative);
                core_boosts[j] += 1;
            }
        }
        // every amplifier boosts the core a few times
        for (j, &a) in amps.iter().enumerate() {
            while (core_boosts[j] as usize) < MIN_ACTIONS && !core_posts.is_empty() {
                let cp = core_posts[self.r.below(core_posts.len())];
                let narrative = match self.posts[cp as usize].text {
                    TextRecipe::Narrative { narrative, variant, .. } => Some((narrative, variant)),
                    _ => None,
                };
                self.boost(spec, op, a, cp, narrative);
                core_boosts[j] += 1;
            }
        }

        // amplifiers' boosts of organic content (the stealthy part), and their own posts
        let organic_pool: Vec<u32> = (0..self.posts.len() as u32)
            .filter(|&i| {
                let p = &self.posts[i as usize];
                p.kind == Kind::Post && self.accounts[p.account as usize].role == TruthRole::Organic
            })
            .collect();
        let weights = Cumulative::new(organic_pool, |i| {
            libm::pow(self.accounts[self.posts[i as usize].account as usize].followers as f64 + 1.0, 0.75)
        });
        let s = spec.organic_boost_share;
        let stealthy = s >= 0.25;
        let active_start = self.start_ms + first_active as i64 * DAY_MS;
        let active_end = self.start_ms + last_active as i64 * DAY_MS;
        for (j, &a) in amps.iter().enumerate() {
            let expected = core_boosts[j] as f64 * s / (1.0 - s);
            let n = self.r.poisson(expected);
            let mut tries = 0;
            let mut done = 0;
            while done < n && tries < n * 20 + 20 {
                tries += 1;
                let Some(target) = weights.sample(&mut self.r) else { break };
                let tp = self.posts[target as usize];
                if tp.time_ms < active_start || tp.time_ms >= active_end {
                    continue;
                }
                let d = Delay { median_s: spec.boost_delay.median_s * 2.0, sigma: spec.boost_delay.sigma + 0.5 };
                let t = tp.time_ms + self.r.delay_ms(d);
                if self.r.chance(0.9) {
                    self.push_post(t, a, Kind::Retweet, target, TextRecipe::Retweet);
                } else {
                    let seed = self.r.next_u32();
                    self.push_post(t, a, Kind::Reply, target, TextRecipe::Reply(seed));
                }
                done += 1;
            }
            let own_rate = if stealthy { 0.12 } else { 0.04 };
            let n_own = self.r.poisson(own_rate * (last_active - first_active) as f64);
            for _ in 0..n_own {
                let day = first_active + self.r.below((last_active - first_active) as usize) as u32;
                let h = if stealthy { self.organic_hour(0.0) } else { self.office_hour(spec) };
                let t = self.time_at(day, spec.utc_offset_h, h);
                let seed = self.r.next_u32();
                let recipe = if stealthy { TextRecipe::Organic(seed) } else { TextRecipe::Filler(seed) };
                self.push_post(t, a, Kind::Post, NONE, recipe);
            }
        }
    }

    /// Amplifier `a` boosts core post `cp` (a retweet, a copy of its text, a quote or a reply).
    fn boost(&mut self, spec: &OpSpec, op: u16, a: u32, cp: u32, narrative: Option<(u16, u32)>) {
        let t = self.posts[cp as usize].time_ms + self.r.delay_ms(spec.boost_delay);
        let u = self.r.unit();
        match (spec.style, narrative) {
            (OpStyle::CopyPaste, Some((narrative, variant))) if u < 0.7 => {
                let v = if self.r.chance(0.5) { variant } else { 1 + self.r.next_u32() % 1_000_000 };
                self.push_post(t, a, Kind::Post, NONE, TextRecipe::Narrative { op, narrative, variant: v });
            }
            (OpStyle::RetweetRing, _) if u > 0.95 => {
                let seed = self.r.next_u32();
                self.push_post(t, a, Kind::Reply, cp, TextRecipe::Boost { op, seed });
            }
            (OpStyle::RetweetRing, _) if u > 0.9 => {
                let seed = self.r.next_u32();
                self.push_post(t, a, Kind::Quote, cp, TextRecipe::Boost { op, seed });
            }
            _ => {
                self.push_post(t, a, Kind::Retweet, cp, TextRecipe::Retweet);
            }
        }
    }

    fn mark(&mut self, accounts: &[u32], bit: u8) {
        for &a in accounts {
            self.accounts[a as usize].confounders |= bit;
        }
    }

    /// `k` distinct organic accounts, uniformly.
    fn distinct_organic(&mut self, k: usize, exclude: u32) -> Vec<u32> {
        let mut pool = self.organic.clone();
        let k = k.min(pool.len());
        for i in 0..k {
            let j = i + self.r.below(pool.len() - i);
            pool.swap(i, j);
        }
        pool.truncate(k);
        pool.retain(|&a| a != exclude);
        pool
    }

    fn confounders(&mut self) {
        let c = self.p.confounders.clone();
        let n_days = self.p.n_days as usize;
        // fans of a celebrity
        for g in 0..c.fan_groups as usize {
            if self.celebrities.is_empty() {
                break;
            }
            let celeb = self.celebrities[g % self.celebrities.len()];
            let fans = self.distinct_organic(c.fan_group_size as usize, celeb);
            self.mark(&fans, confounder::FAN);
            let propensity: Vec<f64> = fans.iter().map(|_| 0.5 + 0.45 * self.r.unit()).collect();
            let celeb_posts: Vec<u32> = (0..self.posts.len() as u32)
                .filter(|&i| self.posts[i as usize].account == celeb && self.posts[i as usize].kind == Kind::Post)
                .collect();
            for &cp in &celeb_posts {
                let t0 = self.posts[cp as usize].time_ms;
                for (f, &fan) in fans.iter().enumerate() {
                    if self.r.chance(propensity[f]) {
                        let t = t0 + self.r.delay_ms(Delay { median_s: c.fan_delay_median_s.max(1.0), sigma: 1.3 });
                        self.push_post(t, fan, Kind::Retweet, cp, TextRecipe::Retweet);
                    }
                }
            }
        }
        // viral storms
        for _ in 0..c.viral_storms {
            let author = if self.celebrities.is_empty() {
                self.organic[0]
            } else {
                self.celebrities[self.r.below(self.celebrities.len())]
            };
            let day = self.r.below(n_days) as u32;
            let t0 = self.start_ms
                + day as i64 * DAY_MS
                + (12 + self.r.below(10)) as i64 * 3_600_000
                + self.r.below(3_600_000) as i64;
            let seed = self.r.next_u32();
            let post = self.push_post(t0, author, Kind::Post, NONE, TextRecipe::Organic(seed));
            let k = (c.storm_size as usize).min(self.organic.len() / 2);
            let storm = self.distinct_organic(k, author);
            self.mark(&storm, confounder::STORM);
            for a in storm {
                let d = if self.r.chance(0.8) {
                    3_000 + (self.r.exponential(200.0) * 1000.0) as i64
                } else {
                    self.r.delay_ms(Delay { median_s: 1800.0, sigma: 1.0 })
                };
                self.push_post(t0 + d, a, Kind::Retweet, post, TextRecipe::Retweet);
            }
        }
        // trending hashtag during a live event
        for e in 0..c.trending_events {
            let day = self.r.below(n_days) as u32;
            let t0 = self.start_ms + day as i64 * DAY_MS + self.r.below(3) as i64 * 3_600_000;
            let people = self.distinct_organic(c.event_size as usize, NONE);
            self.mark(&people, confounder::EVENT);
            for a in people {
                let n = 1 + self.r.below(4);
                for _ in 0..n {
                    let x = (self.r.unit() + self.r.unit()) / 2.0;
                    let t = t0 + (x * 3.0 * 3_600_000.0) as i64;
                    let seed = self.r.next_u32();
                    self.push_post(t, a, Kind::Post, NONE, TextRecipe::Event { event: e as u16, seed });
                }
            }
        }
        // a famous quote pasted by many
        for q in 0..c.pasted_quotes {
            let day = self.r.below(n_days) as u32;
            let t0 = self.start_ms + day as i64 * DAY_MS + self.r.below(DAY_MS as usize) as i64;
            let quote = ((q as usize + self.r.below(N_QUOTES)) % N_QUOTES) as u16;
            let people = self.distinct_organic(c.quote_size as usize, NONE);
            self.mark(&people, confounder::QUOTE);
            for a in people {
                let t = t0 + 60_000 + (self.r.exponential(3.0 * 3_600_000.0).min(36.0 * 3_600_000.0)) as i64;
                let seed = self.r.next_u32();
                self.push_post(t, a, Kind::Post, NONE, TextRecipe::Quote { quote, seed });
            }
        }
    }

    /// Organic retweets, replies and quotes of every original post, by popularity.
    fn organic_engagement(&mut self) {
        let p = self.p;
        let pool: Vec<u32> =
            (0..self.posts.len() as u32).filter(|&i| self.posts[i as usize].kind == Kind::Post).collect();
        let n_organic_originals = pool
            .iter()
            .filter(|&&i| self.accounts[self.posts[i as usize].account as usize].role == TruthRole::Organic)
            .count() as f64;
        let weight: Vec<f64> = pool
            .iter()
            .map(|&i| {
                let f = self.accounts[self.posts[i as usize].account as usize].followers as f64;
                libm::pow(f + 1.0, 0.6) * self.r.lognormal(1.0, 1.0)
            })
            .collect();
        let total: f64 = weight.iter().sum();
        if total <= 0.0 {
            return;
        }
        let act = &self.act;
        let engagers = Cumulative::new(self.organic.clone(), |a| act[a as usize]);
        let cap = (self.organic.len() / 4).max(1) as u32;
        let rt = p.retweet_ratio * n_organic_originals / total;
        let rep = p.reply_ratio * n_organic_originals / total;
        let quo = 0.04 * n_organic_originals / total;
        let mut who: Vec<u32> = Vec::new();
        for (k, &pi) in pool.iter().enumerate() {
            let post = self.posts[pi as usize];
            for (kind, rate, delay) in [
                (Kind::Retweet, rt, Delay { median_s: 2400.0, sigma: 1.7 }),
                (Kind::Reply, rep, Delay { median_s: 1200.0, sigma: 1.5 }),
                (Kind::Quote, quo, Delay { median_s: 3600.0, sigma: 1.5 }),
            ] {
                let n = self.r.poisson(rate * weight[k]).min(cap);
                who.clear();
                for _ in 0..n {
                    if let Some(a) = engagers.sample(&mut self.r) {
                        if a != post.account {
                            who.push(a);
                        }
                    }
                }
                who.sort_unstable();
                who.dedup();
                for &a in &who {
                    let t = post.time_ms + self.r.delay_ms(delay);
                    let recipe = match kind {
                        Kind::Retweet => TextRecipe::Retweet,
                        Kind::Reply => TextRecipe::Reply(self.r.next_u32()),
                        _ => TextRecipe::Organic(self.r.next_u32()),
                    };
                    self.push_post(t, a, kind, pi, recipe);
                }
            }
        }
    }

    /// Cut at the end, sort by time, drop repeated retweets, shuffle accounts, assign ids.
    fn finish(mut self) -> SynthOutput {
        let (start, end) = (self.start_ms, self.end_ms);
        let mut order: Vec<u32> =
            (0..self.posts.len() as u32).filter(|&i| (start..end).contains(&self.posts[i as usize].time_ms)).collect();
        order.sort_by_key(|&i| {
            let p = &self.posts[i as usize];
            (p.time_ms, p.account, p.kind as u8, i)
        });
        let mut new_index = vec![NONE; self.posts.len()];
        let mut seen: FxHashSet<(u32, u32)> = FxHashSet::default();
        let mut posts: Vec<SynthPost> = Vec::with_capacity(order.len());
        for &i in &order {
            let mut p = self.posts[i as usize];
            if p.target != NONE {
                let t = new_index[p.target as usize];
                if t == NONE {
                    continue; // the target fell outside the time range
                }
                if p.kind == Kind::Retweet && !seen.insert((p.account, p.target)) {
                    continue; // the same account retweets a post once
                }
                p.target = t;
            }
            new_index[i as usize] = posts.len() as u32;
            posts.push(p);
        }
        drop(new_index);
        self.posts = Vec::new();

        // shuffle account order so that an account's index says nothing about its role
        let n = self.accounts.len();
        let mut perm: Vec<u32> = (0..n as u32).collect();
        for i in (1..n).rev() {
            let j = self.r.below(i + 1);
            perm.swap(i, j);
        }
        // perm[new] = old
        let mut old_to_new = vec![0u32; n];
        for (new, &old) in perm.iter().enumerate() {
            old_to_new[old as usize] = new as u32;
        }
        let mut slots: Vec<Option<SynthAccount>> = self.accounts.into_iter().map(Some).collect();
        let mut accounts: Vec<SynthAccount> =
            perm.iter().map(|&old| slots[old as usize].take().unwrap_or_else(unreachable_account)).collect();
        for p in &mut posts {
            p.account = old_to_new[p.account as usize];
        }
        let popular: Vec<u32> = self.popular.iter().map(|&a| old_to_new[a as usize]).collect();

        assign_identities(&mut accounts, self.p, &mut self.r);

        // snowflake ids: (ms - epoch) << 22 | worker << 12 | sequence within the millisecond
        let mut prev = i64::MIN;
        let mut seq: u64 = 0;
        for p in posts.iter_mut() {
            if p.time_ms == prev {
                seq += 1;
            } else {
                seq = 0;
                prev = p.time_ms;
            }
            let worker = (mix64(self.p.seed ^ (p.time_ms as u64) ^ 0x5F) & 0x3FF).wrapping_add(seq >> 12) & 0x3FF;
            p.id = (((p.time_ms - TWITTER_EPOCH_MS) as u64) << 22) | (worker << 12) | (seq & 0xFFF);
        }
        SynthOutput {
            params: self.p.clone(),
            accounts,
            posts,
            operation_names: self.p.operations.iter().map(|o| o.name.clone()).collect(),
            popular,
        }
    }
}

fn unreachable_account() -> SynthAccount {
    // `perm` is a permutation, so every slot is taken exactly once; this is never called.
    SynthAccount {
        user_id: String::new(),
        screen_name: String::new(),
        display_name: String::new(),
        location: String::new(),
        description: String::new(),
        profile_url: String::new(),
        followers: 0,
        following: 0,
        created_ms: 0,
        language: Lang::En,
        client: String::new(),
        utc_offset_h: 0,
        role: TruthRole::Organic,
        operation: None,
        confounders: 0,
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A 44-character id that looks like the 2019+ hashed ids (base64 of 32 bytes, `=` padded).
fn hashed_id(r: &mut Rand) -> String {
    let mut bytes = [0u8; 33];
    for chunk in bytes[..32].chunks_mut(8) {
        chunk.copy_from_slice(&r.next_u64().to_le_bytes());
    }
    let mut s = String::with_capacity(44);
    for c in bytes.chunks(3) {
        let v = (c[0] as u32) << 16 | (c[1] as u32) << 8 | c[2] as u32;
        for k in 0..4 {
            s.push(B64[(v >> (18 - 6 * k) & 63) as usize] as char);
        }
    }
    s.truncate(43);
    s.push('=');
    s
}

/// User ids and unique handles.
fn assign_identities(accounts: &mut [SynthAccount], p: &SynthParams, r: &mut Rand) {
    let snowflake_users = ms_of_date(2013, 6, 1);
    let first_user = ms_of_date(2006, 3, 21);
    let mut ids: FxHashSet<String> = FxHashSet::default();
    let mut names: FxHashSet<String> = FxHashSet::default();
    for a in accounts.iter_mut() {
        let hashed = p.identities == Identities::Hashed && a.followers < 5_000;
        let mut id = if hashed {
            hashed_id(r)
        } else if a.created_ms >= snowflake_users {
            ((((a.created_ms - TWITTER_EPOCH_MS) as u64) << 22) | (r.next_u64() & 0x3F_FFFF)).to_string()
        } else {
            let frac = (a.created_ms - first_user).max(0) as f64 / (snowflake_users - first_user) as f64;
            (12 + (frac * 1.4e9) as u64 + r.below(1000) as u64).to_string()
        };
        while !ids.insert(id.clone()) {
            id = if hashed { hashed_id(r) } else { (id.parse::<u64>().unwrap_or(0) + 1).to_string() };
        }
        a.user_id = id;
        if hashed {
            a.screen_name = a.user_id.clone();
            a.display_name = a.user_id.clone();
        } else {
            let mut name = a.screen_name.clone();
            name.truncate(15);
            while !names.insert(name.to_lowercase()) {
                name.truncate(12);
                name.push_str(&format!("{}", r.below(1000)));
            }
            a.screen_name = name;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distributions_have_their_parameters() {
        let mut r = Rand::new(42);
        let n = 20_000;
        for lambda in [0.3, 4.0, 80.0] {
            let mean = (0..n).map(|_| r.poisson(lambda) as f64).sum::<f64>() / n as f64;
            assert!((mean - lambda).abs() < 0.05 * lambda + 0.02, "poisson({lambda}) mean {mean}");
        }
        let mut v: Vec<f64> = (0..n).map(|_| r.lognormal(40.0, 0.7)).collect();
        v.sort_by(|a, b| a.total_cmp(b));
        assert!((v[n / 2] - 40.0).abs() < 2.0, "lognormal median {}", v[n / 2]);
        let below = (0..n).filter(|_| r.below(7) == 6).count() as f64 / n as f64;
        assert!((below - 1.0 / 7.0).abs() < 0.01);
        assert!((0..n).map(|_| r.pareto(1.6)).all(|x| x >= 1.0));
    }

    #[test]
    fn hashed_ids_are_base64_of_32_bytes() {
        let mut r = Rand::new(1);
        let id = hashed_id(&mut r);
        assert_eq!(id.len(), 44);
        assert!(id.ends_with('=') && !id.ends_with("=="));
        assert_ne!(id, hashed_id(&mut r));
    }

    #[test]
    fn invalid_parameters_are_named() {
        let mut p = super::super::demo();
        p.start_ms = 0;
        assert!(generate(&p).unwrap_err().contains("start_ms"));
        let mut p = super::super::demo();
        p.operations[0].office_hours = (18, 9);
        assert!(generate(&p).unwrap_err().contains("office_hours"));
        let mut p = super::super::demo();
        p.operations[1].organic_boost_share = 1.0;
        assert!(generate(&p).unwrap_err().contains("organic_boost_share"));
    }
}
