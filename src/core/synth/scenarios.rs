//! Named scenario presets for the quality benchmark, and the app's demo dataset.

use super::time::ms_of_date;
use super::*;

/// A named preset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    pub name: &'static str,
    pub description: &'static str,
    pub params: SynthParams,
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// A fast retweet ring in one time zone's office hours, with late-January and March spikes.
fn ring_fast(name: &str, n_core: u32, n_amp: u32) -> OpSpec {
    OpSpec {
        name: name.into(),
        style: OpStyle::RetweetRing,
        n_core,
        n_amplifiers: n_amp,
        core_posts_per_day: 0.35,
        boost_prob: 0.08,
        boost_delay: Delay { median_s: 40.0, sigma: 0.7 },
        organic_boost_share: 0.05,
        core_echo: 0.03,
        utc_offset_h: 8,
        office_hours: (9, 18),
        active_days: (5, 100),
        spikes: vec![(22, 5.0), (68, 4.0)],
        creation_bursts: 3,
        aged_share: 0.15,
        generated_handle_share: 0.8,
        empty_profile_share: 0.7,
        client: "Twitter Web App".into(),
        language: "zh".into(),
        hashtags: strs(&["香港", "HongKong", "止暴制乱", "StopViolence"]),
        domains: strs(&["news-truth-daily.com", "asia-voice.net"]),
    }
}

/// A copy-paste network: amplifiers re-post the core's texts within minutes.
fn copy_paste(name: &str, n_core: u32, n_amp: u32) -> OpSpec {
    OpSpec {
        name: name.into(),
        style: OpStyle::CopyPaste,
        n_core,
        n_amplifiers: n_amp,
        core_posts_per_day: 0.3,
        boost_prob: 0.09,
        boost_delay: Delay { median_s: 150.0, sigma: 0.8 },
        organic_boost_share: 0.05,
        core_echo: 0.02,
        utc_offset_h: 3,
        office_hours: (10, 17),
        active_days: (10, 95),
        spikes: vec![(25, 4.0), (70, 5.0)],
        creation_bursts: 2,
        aged_share: 0.1,
        generated_handle_share: 0.75,
        empty_profile_share: 0.8,
        client: "Twitter for Android".into(),
        language: "ar".into(),
        hashtags: strs(&["الحقيقة", "لا_للتدخل", "Truth"]),
        domains: strs(&["alhaqiqa-news.net"]),
    }
}

/// Stealthy, slow amplification: boosts spread over hours, 40% of boosts go to organic content.
fn stealthy_slow(name: &str, n_core: u32, n_amp: u32) -> OpSpec {
    OpSpec {
        name: name.into(),
        style: OpStyle::RetweetRing,
        n_core,
        n_amplifiers: n_amp,
        core_posts_per_day: 0.3,
        boost_prob: 0.07,
        boost_delay: Delay { median_s: 5400.0, sigma: 0.9 },
        organic_boost_share: 0.4,
        core_echo: 0.02,
        utc_offset_h: -5,
        office_hours: (9, 17),
        active_days: (0, 100),
        spikes: vec![(27, 3.0), (75, 3.0)],
        creation_bursts: 4,
        aged_share: 0.4,
        generated_handle_share: 0.35,
        empty_profile_share: 0.35,
        client: "Twitter for iPhone".into(),
        language: "en".into(),
        hashtags: strs(&["WakeUpAmerica", "TruthMatters", "RealNews"]),
        domains: strs(&["patriot-truth-report.com", "freedomwire.info", "medium.com"]),
    }
}

fn full_confounders(n_organic: u32) -> Confounders {
    Confounders {
        viral_storms: 4,
        storm_size: (n_organic / 3).min(3000),
        trending_events: 2,
        event_size: (n_organic / 10).min(1500),
        pasted_quotes: 3,
        quote_size: (n_organic / 15).min(800),
        fan_groups: 2,
        fan_group_size: (n_organic / 60).clamp(20, 300),
        fan_delay_median_s: 900.0,
    }
}

fn base(seed: u64, n_organic: u32, n_days: u32, operations: Vec<OpSpec>) -> SynthParams {
    SynthParams {
        seed,
        n_organic,
        n_days,
        start_ms: ms_of_date(2020, 1, 1),
        organic_posts_per_day: 0.08,
        retweet_ratio: 0.8,
        reply_ratio: 0.2,
        operations,
        confounders: full_confounders(n_organic),
        identities: Identities::Unhashed,
    }
}

/// All named scenarios (seed 0, scale 1).
pub fn scenarios() -> Vec<Scenario> {
    let mut v = Vec::new();
    v.push(Scenario {
        name: "mixed",
        description:
            "three operations (fast retweet ring, copy-paste network, stealthy slow ring) and every confounder",
        params: base(
            0,
            6000,
            100,
            vec![
                ring_fast("ring-fast", 40, 300),
                copy_paste("copy-paste", 20, 150),
                stealthy_slow("stealthy-slow", 25, 200),
            ],
        ),
    });
    let mut s1 = stealthy_slow("stealthy-a", 30, 250);
    s1.organic_boost_share = 0.45;
    s1.boost_delay = Delay { median_s: 120.0, sigma: 1.0 };
    let mut s2 = stealthy_slow("stealthy-b", 20, 150);
    s2.organic_boost_share = 0.3;
    s2.utc_offset_h = 1;
    s2.language = "es".into();
    s2.hashtags = strs(&["LaVerdad", "EspañaUnida"]);
    s2.domains = strs(&["la-verdad-hoy.es"]);
    let mut p = base(0, 6000, 100, vec![s1, s2]);
    p.identities = Identities::Hashed;
    v.push(Scenario {
        name: "stealthy",
        description: "two stealthy operations whose amplifiers spend 30-45% of their boosts on organic content; hashed identities",
        params: p,
    });
    let mut c2 = copy_paste("copy-paste-slow", 15, 120);
    c2.boost_delay = Delay { median_s: 1800.0, sigma: 0.8 };
    c2.utc_offset_h = -3;
    c2.language = "es".into();
    c2.hashtags = strs(&["VerdadYa", "NoMasMentiras"]);
    c2.domains = strs(&["noticias-verdaderas.info"]);
    let mut p = base(0, 6000, 100, vec![copy_paste("copy-paste", 25, 200), c2]);
    p.confounders.pasted_quotes = 6;
    v.push(Scenario {
        name: "copy-paste",
        description: "two copy-paste text networks (minutes and hours) against many pasted famous quotes",
        params: p,
    });
    let mut sl1 = ring_fast("slow-ring", 30, 250);
    sl1.boost_delay = Delay { median_s: 3600.0 * 1.5, sigma: 0.8 };
    let mut sl2 = stealthy_slow("slower-ring", 20, 200);
    sl2.boost_delay = Delay { median_s: 3600.0 * 4.0, sigma: 0.7 };
    sl2.organic_boost_share = 0.2;
    v.push(Scenario {
        name: "slow",
        description: "two slow operations: boosts spread over hours, still repeated",
        params: base(0, 6000, 100, vec![sl1, sl2]),
    });
    let with = |mut o: OpSpec, q: f64| {
        o.boost_prob = q;
        o
    };
    let mut large = base(
        0,
        40_000,
        120,
        vec![
            with(ring_fast("ring-fast", 200, 2000), 0.012),
            with(copy_paste("copy-paste", 100, 1000), 0.02),
            with(stealthy_slow("stealthy-slow", 150, 1500), 0.012),
            {
                let mut o = with(ring_fast("ring-b", 80, 600), 0.03);
                o.utc_offset_h = 3;
                o.language = "ar".into();
                o.hashtags = strs(&["الحقيقة_الكاملة", "معا"]);
                o.domains = strs(&["sawt-alhaq.net"]);
                o.active_days = (60, 120);
                o.spikes = vec![(95, 5.0)];
                o
            },
            {
                let mut o = with(stealthy_slow("stealthy-b", 60, 500), 0.03);
                o.boost_delay = Delay { median_s: 300.0, sigma: 1.0 };
                o.organic_boost_share = 0.5;
                o.utc_offset_h = 1;
                o
            },
        ],
    );
    large.organic_posts_per_day = 0.06;
    large.identities = Identities::Hashed;
    large.confounders.viral_storms = 10;
    large.confounders.fan_groups = 5;
    v.push(Scenario { name: "hard", description: "weak signals: a tiny operation, a mostly-organic-looking one, one without provenance signals; fan armies retweeting within a minute", params: hard() });
    v.push(Scenario {
        name: "organic-only",
        description: "no operation at all, every confounder: any flagged account is a false positive",
        params: base(0, 6000, 100, vec![]),
    });
    v.push(Scenario {
        name: "large",
        description:
            "about 1.5 million posts: 40,000 organic accounts over 120 days, five operations, hashed identities",
        params: large,
    });
    v
}

/// Weak signals everywhere: what a careful operator or an enthusiastic fandom looks like.
fn hard() -> SynthParams {
    // a tiny ring: 6 core accounts, 40 amplifiers that each boost ~10 core posts
    let mut tiny = ring_fast("tiny-ring", 6, 40);
    tiny.core_posts_per_day = 0.25;
    tiny.boost_prob = 0.08;
    tiny.boost_delay = Delay { median_s: 90.0, sigma: 0.9 };
    tiny.utc_offset_h = 1;
    tiny.language = "es".into();
    tiny.hashtags = strs(&["Soberanía", "NoAlOdio"]);
    tiny.domains = strs(&["diario-libre-hoy.es"]);
    // amplifiers that spend 60% of their boosts on organic content and look organic
    let mut mimic = stealthy_slow("organic-mimic", 20, 160);
    mimic.organic_boost_share = 0.6;
    mimic.boost_delay = Delay { median_s: 600.0, sigma: 1.2 };
    mimic.aged_share = 0.8;
    mimic.generated_handle_share = 0.1;
    mimic.empty_profile_share = 0.2;
    // no provenance signal at all: aged accounts with ordinary handles and profiles
    let mut plain = ring_fast("no-provenance", 15, 120);
    plain.creation_bursts = 0;
    plain.aged_share = 1.0;
    plain.generated_handle_share = 0.0;
    plain.empty_profile_share = 0.25;
    plain.client = "Twitter for iPhone".into();
    plain.utc_offset_h = 0;
    plain.office_hours = (8, 20);
    plain.language = "en".into();
    plain.hashtags = strs(&["BritainFirst2020", "TakeBackControl"]);
    plain.domains = strs(&["uk-daily-truth.co.uk"]);
    let mut p = base(0, 6000, 100, vec![tiny, mimic, plain]);
    p.confounders.fan_groups = 4;
    p.confounders.fan_delay_median_s = 60.0;
    p.confounders.viral_storms = 8;
    p
}

/// Scenario `name` with `seed`, its sizes multiplied by `scale` (organic population, operation
/// sizes, confounder sizes), its operations' hashtags and websites made the seed's own
/// (`text::campaign_hashtag`). `None` for an unknown name.
pub fn scenario(name: &str, seed: u64, scale: f64) -> Option<SynthParams> {
    let mut p = if name == "demo" { demo() } else { scenarios().into_iter().find(|s| s.name == name)?.params };
    p.seed = seed;
    // campaign hashtags and websites depend on the seed (the presets are their stems): two
    // datasets of different seeds are unrelated operations
    for op in &mut p.operations {
        let lang = Lang::from_code(&op.language);
        for t in &mut op.hashtags {
            *t = super::text::campaign_hashtag(t, lang, seed);
        }
        for d in &mut op.domains {
            *d = super::text::campaign_domain(d, seed);
        }
    }
    Some(p.scaled(scale))
}

impl SynthParams {
    /// The same scenario with its populations multiplied by `scale` (at least the minimum sizes); the\n    /// post count grows about linearly with `scale`.
    pub fn scaled(mut self, scale: f64) -> SynthParams {
        if scale.is_nan() || scale <= 0.0 || scale == 1.0 {
            return self;
        }
        let s = |v: u32, min: u32| ((v as f64 * scale).round() as u32).max(min);
        self.n_organic = s(self.n_organic, 10);
        for op in &mut self.operations {
            op.n_core = s(op.n_core, 2);
            op.n_amplifiers = s(op.n_amplifiers, 0);
            // keep each amplifier's workload: boosts per core post grow with the network, not
            // with its square
            op.boost_prob = (op.boost_prob / scale).min(0.6);
        }
        let c = &mut self.confounders;
        c.storm_size = s(c.storm_size, 0);
        c.event_size = s(c.event_size, 0);
        c.quote_size = s(c.quote_size, 0);
        c.fan_group_size = s(c.fan_group_size, 0);
        self
    }
}

/// The app's built-in demo: ~3,300 accounts, ~60k posts, three operations of different styles
/// (fast retweet ring, copy-paste network, stealthy slow ring) and every confounder.
pub fn demo() -> SynthParams {
    let mut p = base(
        2020,
        2800,
        100,
        vec![
            {
                let mut o = ring_fast("ring-fast", 30, 220);
                o.core_posts_per_day = 0.2;
                o
            },
            copy_paste("copy-paste", 15, 110),
            stealthy_slow("stealthy-slow", 20, 120),
        ],
    );
    p.organic_posts_per_day = 0.035;
    p.retweet_ratio = 0.6;
    p.confounders.storm_size = 900;
    p.confounders.fan_groups = 1;
    p
}
