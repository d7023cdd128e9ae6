//! Texts of synthetic posts: vocabularies per language and the deterministic rendering of a
//! post's [`TextRecipe`] into its text, hashtags, URLs and mentions.

use super::gen::{mix64, Rand};
use super::{Lang, SynthOutput, TextRecipe};
use crate::core::model::Kind;

/// A post's rendered content.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RenderedPost {
    pub text: String,
    /// Hashtags without `#`, in order of appearance.
    pub hashtags: Vec<String>,
    pub urls: Vec<String>,
    /// Mentioned accounts (indices into `SynthOutput::accounts`).
    pub mentions: Vec<u32>,
    pub lang: Option<Lang>,
}

impl RenderedPost {
    pub fn clear(&mut self) {
        self.text.clear();
        self.hashtags.clear();
        self.urls.clear();
        self.mentions.clear();
        self.lang = None;
    }
}

#[rustfmt::skip]
const EN: &[&str] = &[
    "the", "a", "to", "and", "of", "in", "is", "it", "for", "this", "that", "on", "my", "you", "with",
    "just", "so", "be", "at", "we", "not", "are", "was", "have", "all", "but", "today", "people", "time",
    "really", "new", "good", "love", "day", "think", "know", "one", "like", "get", "great", "work",
    "team", "game", "city", "coffee", "music", "weekend", "morning", "night", "week", "home", "life",
    "world", "best", "first", "last", "never", "always", "still", "again", "tonight", "school", "family",
    "friends", "weather", "rain", "summer", "winter", "season", "movie", "book", "show", "song", "album",
    "news", "story", "photo", "video", "dog", "cat", "food", "dinner", "lunch", "pizza", "train", "bus",
    "traffic", "office", "meeting", "project", "deadline", "market", "price", "money", "job", "election",
    "vote", "policy", "health", "doctor", "hospital", "street", "park", "beach", "trip", "flight",
    "airport", "hotel", "birthday", "party", "wedding", "baby", "kids", "mom", "dad", "brother", "sister",
    "happy", "sad", "tired", "excited", "amazing", "terrible", "funny", "crazy", "beautiful", "cold",
    "hot", "late", "early", "finally", "maybe", "probably", "honestly", "literally", "seriously", "why",
    "what", "how", "when", "where", "who", "can't", "don't", "won't", "should", "could", "would", "need",
    "want", "going", "watching", "reading", "listening", "playing", "cooking", "running", "waiting",
    "thanks", "please", "sorry", "congrats", "lol", "omg", "wow", "yes", "no", "ever", "here", "there",
    "about", "after", "before", "from", "into", "over", "under", "again", "every", "some", "more",
    "most", "other", "local", "small", "big", "long", "short", "old", "young", "free", "open", "closed",
    "garden", "river", "mountain", "bike", "car", "phone", "laptop", "update", "app", "website", "class",
    "exam", "teacher", "student", "library", "museum", "concert", "festival", "match", "goal", "win",
    "lose", "score", "fans", "player", "coach", "league", "cup", "final", "record", "history", "science",
    "space", "climate", "energy", "tax", "budget", "rent", "house", "neighbors", "community",
];
#[rustfmt::skip]
const ES: &[&str] = &[
    "el", "la", "de", "que", "y", "en", "un", "una", "es", "por", "con", "para", "no", "hoy", "mañana",
    "día", "noche", "gente", "tiempo", "vida", "amor", "casa", "trabajo", "ciudad", "fútbol", "partido",
    "música", "café", "familia", "amigos", "semana", "fin", "gracias", "feliz", "cansado", "bonito",
    "increíble", "calor", "frío", "lluvia", "playa", "viaje", "comida", "cena", "mamá", "papá", "niños",
    "escuela", "noticias", "gobierno", "precio", "mercado", "equipo", "gol", "ganar", "perder", "siempre",
    "nunca", "todavía", "ahora", "después", "antes", "muy", "más", "menos", "todo", "nada", "algo",
    "mejor", "peor", "nuevo", "viejo", "película", "libro", "canción", "fiesta", "cumpleaños", "perro",
    "gato", "calle", "barrio", "tren", "metro", "oficina", "reunión", "elecciones", "salud", "médico",
];
#[rustfmt::skip]
const AR: &[&str] = &[
    "في", "من", "على", "إلى", "عن", "مع", "هذا", "هذه", "اليوم", "غدا", "الناس", "الحياة", "الوقت", "العمل",
    "البيت", "المدينة", "القهوة", "الموسيقى", "الأسرة", "الأصدقاء", "الأسبوع", "شكرا", "جميل", "سعيد",
    "متعب", "الطقس", "الحر", "المطر", "البحر", "السفر", "الطعام", "العشاء", "الأطفال", "المدرسة", "الأخبار",
    "الحكومة", "السوق", "الأسعار", "الفريق", "المباراة", "الهدف", "دائما", "أبدا", "الآن", "بعد", "قبل",
    "جدا", "أكثر", "كل", "شيء", "أفضل", "جديد", "الفيلم", "الكتاب", "الأغنية", "الحفلة", "الصباح", "المساء",
    "الله", "يا", "ما", "لا", "نعم", "كيف", "لماذا", "متى", "أين", "الصحة", "الطبيب", "الشارع", "الجامعة",
];
#[rustfmt::skip]
const ZH: &[&str] = &[
    "今天", "明天", "我们", "你们", "他们", "大家", "朋友", "家人", "工作", "学习", "城市", "天气", "下雨",
    "太阳", "咖啡", "音乐", "电影", "周末", "早上", "晚上", "吃饭", "好吃", "开心", "累了", "真的", "非常",
    "喜欢", "时间", "生活", "世界", "新闻", "政府", "经济", "发展", "人民", "国家", "历史", "文化", "比赛",
    "球队", "进球", "加油", "谢谢", "希望", "已经", "还是", "一起", "什么", "为什么", "怎么", "可以", "没有",
    "知道", "觉得", "看到", "听到", "手机", "网络", "视频", "照片", "学校", "老师", "学生", "医院", "健康",
];

#[rustfmt::skip]
const NARRATIVE_EN: &[&str] = &[
    "truth", "lies", "media", "western", "propaganda", "hidden", "agenda", "exposed", "corrupt",
    "officials", "foreign", "interference", "protect", "sovereignty", "security", "stability",
    "violence", "rioters", "thugs", "peace", "order", "prosperity", "development", "progress", "united",
    "nation", "people", "support", "government", "reject", "smear", "campaign", "fake", "reports",
    "facts", "real", "story", "never", "tell", "you", "wake", "up", "share", "before", "deleted",
    "shameful", "hypocrisy", "double", "standards", "against", "our", "country", "must", "stand",
    "together", "defend", "dignity", "victory", "enemies", "plot", "funded", "by", "outsiders", "the",
    "they", "want", "to", "divide", "us", "will", "fail", "strong", "leaders", "achievements",
];
#[rustfmt::skip]
const NARRATIVE_ES: &[&str] = &[
    "verdad", "mentiras", "medios", "propaganda", "oculta", "agenda", "corruptos", "extranjeros",
    "injerencia", "soberanía", "seguridad", "estabilidad", "violencia", "paz", "orden", "progreso",
    "pueblo", "unido", "gobierno", "rechazamos", "campaña", "falsa", "hechos", "reales", "comparte",
    "antes", "que", "borren", "vergüenza", "hipocresía", "contra", "nuestro", "país", "defender",
    "dignidad", "victoria", "enemigos", "financiados", "quieren", "dividirnos", "fracasarán", "fuertes",
];
#[rustfmt::skip]
const NARRATIVE_AR: &[&str] = &[
    "الحقيقة", "الأكاذيب", "الإعلام", "الغربي", "الدعاية", "المؤامرة", "الفاسدين", "التدخل", "الأجنبي",
    "السيادة", "الأمن", "الاستقرار", "العنف", "السلام", "النظام", "التنمية", "الشعب", "متحدون", "الحكومة",
    "نرفض", "الحملة", "الكاذبة", "الحقائق", "انشروا", "قبل", "الحذف", "العار", "النفاق", "ضد", "بلدنا",
    "ندافع", "الكرامة", "النصر", "الأعداء", "ممولة", "يريدون", "تقسيمنا", "سيفشلون", "أقوياء",
];
#[rustfmt::skip]
const NARRATIVE_ZH: &[&str] = &[
    "真相", "谎言", "西方", "媒体", "抹黑", "造谣", "外部", "势力", "干涉", "内政", "主权", "安全", "稳定",
    "暴力", "暴徒", "和平", "秩序", "繁荣", "发展", "进步", "团结", "人民", "支持", "政府", "反对", "虚假",
    "报道", "事实", "分享", "双重", "标准", "可耻", "虚伪", "祖国", "捍卫", "尊严", "胜利", "阴谋", "失败",
];

#[rustfmt::skip]
const EMOJI: &[&str] = &["😂", "❤️", "🔥", "👏", "🙏", "😭", "😍", "👇", "💯", "🤔", "😡", "✅", "‼️", "🇺🇳"];
#[rustfmt::skip]
const BOOST_EN: &[&str] = &[
    "Exactly!", "So true", "Everyone needs to see this", "Must read", "Well said", "This 👇",
    "Share this", "Finally someone says it", "100% agree", "Spread the word", "Read this thread",
];
#[rustfmt::skip]
const FILLER_EN: &[&str] = &[
    "Good morning everyone", "Have a nice day", "Happy Friday", "Beautiful sunset today",
    "Coffee time", "Good night friends", "What a lovely weekend", "Thank you all", "Stay safe",
    "Hello Monday", "Enjoy your evening", "Nice weather today",
];
#[rustfmt::skip]
const QUOTES: &[(&str, &str)] = &[
    ("The only thing we have to fear is fear itself.", "Franklin D. Roosevelt"),
    ("Be the change that you wish to see in the world.", "Mahatma Gandhi"),
    ("In the middle of difficulty lies opportunity.", "Albert Einstein"),
    ("That's one small step for man, one giant leap for mankind.", "Neil Armstrong"),
    ("Injustice anywhere is a threat to justice everywhere.", "Martin Luther King Jr."),
    ("It always seems impossible until it's done.", "Nelson Mandela"),
    ("The unexamined life is not worth living.", "Socrates"),
    ("Imagination is more important than knowledge.", "Albert Einstein"),
];
#[rustfmt::skip]
const EVENT_WORDS: &[&str] = &[
    "Final", "Awards", "Debate", "Live", "Night", "Cup", "Show", "Concert", "Derby", "Gala", "Open",
    "Premiere", "Summit", "Classic",
];
#[rustfmt::skip]
const TLDS: &[&str] = &["com", "com", "com", "org", "net", "co.uk", "de", "es", "io", "info", "news"];
#[rustfmt::skip]
const BIG_DOMAINS: &[&str] = &[
    "youtube.com", "instagram.com", "nytimes.com", "bbc.co.uk", "theguardian.com", "cnn.com",
    "reuters.com", "spotify.com", "medium.com", "wikipedia.org", "twitch.tv", "elpais.com",
    "aljazeera.com", "washingtonpost.com", "facebook.com", "linkedin.com", "apnews.com", "bit.ly",
];

/// The word list of a language (organic).
pub(crate) fn vocab(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => EN,
        Lang::Es => ES,
        Lang::Ar => AR,
        Lang::Zh => ZH,
    }
}

fn narrative_vocab(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => NARRATIVE_EN,
        Lang::Es => NARRATIVE_ES,
        Lang::Ar => NARRATIVE_AR,
        Lang::Zh => NARRATIVE_ZH,
    }
}

/// Number of famous quotes available to the pasted-quote confounder.
pub(crate) const N_QUOTES: usize = QUOTES.len();

/// Index skewed towards 0 (a cheap Zipf-like head): `n * u^power`.
pub(crate) fn skewed(r: &mut Rand, n: usize, power: f64) -> usize {
    let u: f64 = r.unit();
    ((n as f64 * libm::pow(u, power)) as usize).min(n.saturating_sub(1))
}

/// Words joined the way the language writes them (no spaces in Chinese).
fn push_words(r: &mut Rand, words: &[&str], n: usize, lang: Lang, out: &mut String) {
    for k in 0..n {
        if k > 0 && lang != Lang::Zh {
            out.push(' ');
        }
        out.push_str(words[skewed(r, words.len(), 1.8)]);
    }
}

/// Organic hashtags of rank below this (about half of the organic hashtag uses) and organic
/// domains of rank below [`SHARED_DOMAINS`] are the same in every dataset, whatever the seed:
/// the popular items every audience of a language shares. The long tail is drawn from the seed,
/// as unrelated datasets do not share their rare hashtags and small websites.
const SHARED_HASHTAGS: usize = 40;
/// See [`SHARED_HASHTAGS`]; includes the big domains.
const SHARED_DOMAINS: usize = 30;

/// Seed of a long-tail item `i` (`shared` for the popular head, whatever `seed`).
fn tail_seed(i: usize, shared: usize, seed: u64) -> u64 {
    if i < shared {
        i as u64
    } else {
        mix64(seed ^ 0x7a11_5eed) ^ i as u64
    }
}

/// An organic hashtag: a word of the vocabulary, sometimes with a number or two words.
fn organic_hashtag(r: &mut Rand, lang: Lang, seed: u64) -> String {
    let words = vocab(lang);
    let i = skewed(r, 400, 3.0);
    let mut h = r2(mix64(tail_seed(i, SHARED_HASHTAGS, seed) ^ 0x4a5f));
    let w1 = words[h.below(words.len())];
    let mut tag = capitalise(w1);
    match i % 3 {
        0 => tag.push_str(&capitalise(words[h.below(words.len())])),
        1 => tag.push_str(&(2015 + h.below(6)).to_string()),
        _ => {}
    }
    tag.retain(|c| c.is_alphanumeric() || c == '_');
    if tag.is_empty() {
        tag.push_str("news");
    }
    tag
}

/// Operation `op`'s variant of a campaign hashtag for `seed`: the preset with a word of the
/// operation's language added (`WakeUpAmerica` → `WakeUpAmericaCoffee`, `الحقيقة` → `الحقيقة_البيت`),
/// so that operations of different seeds do not share their campaign hashtags (two
/// seeds share one with probability about 1 / the vocabulary size).
pub(crate) fn campaign_hashtag(tag: &str, lang: Lang, seed: u64) -> String {
    let words = vocab(lang);
    let mut r = r2(mix64(seed ^ crate::core::model::fnv1a64(tag.as_bytes()) ^ 0xca4a));
    let w = words[r.below(words.len())];
    let mut t = tag.to_string();
    match lang {
        Lang::Zh => t.push_str(w),
        Lang::Ar => {
            t.push('_');
            t.push_str(w);
        }
        _ => t.push_str(&capitalise(w)),
    }
    t.retain(|c| c.is_alphanumeric() || c == '_');
    t
}

/// A campaign website's variant for `seed` (`freedomwire.info` → `coffee-freedomwire.info`); the
/// big domains (an operation may post to medium.com) stay as they are.
pub(crate) fn campaign_domain(domain: &str, seed: u64) -> String {
    if BIG_DOMAINS.contains(&domain) {
        return domain.to_string();
    }
    let mut r = r2(mix64(seed ^ crate::core::model::fnv1a64(domain.as_bytes()) ^ 0xd0ca));
    let w: String = EN[r.below(EN.len())].chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    format!("{w}-{domain}")
}

fn capitalise(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn r2(seed: u64) -> Rand {
    Rand::new(seed)
}

/// Domain `i` of the organic web (a few big ones, a long tail of small ones; the tail beyond
/// [`SHARED_DOMAINS`] depends on `seed`).
pub(crate) fn organic_domain(i: usize, seed: u64) -> String {
    if i < BIG_DOMAINS.len() {
        return BIG_DOMAINS[i].to_string();
    }
    let mut r = r2(mix64(tail_seed(i, SHARED_DOMAINS, seed) ^ 0xd0_0a11));
    let a = EN[r.below(EN.len())];
    let b = EN[r.below(EN.len())];
    let tld = TLDS[r.below(TLDS.len())];
    let mut d: String = format!("{a}{b}").chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    d.push('.');
    d.push_str(tld);
    d
}

fn organic_url(r: &mut Rand, seed: u64) -> String {
    let d = organic_domain(skewed(r, 600, 2.5), seed);
    let w = EN[r.below(EN.len())].replace('\'', "");
    format!("https://{d}/{}/{w}-{}", 2015 + r.below(6), r.below(1_000_000))
}

fn organic_sentence(r: &mut Rand, lang: Lang, out: &mut RenderedPost, popular: &[u32], seed: u64) {
    let n = 4 + r.below(16);
    push_words(r, vocab(lang), n, lang, &mut out.text);
    if r.chance(0.2) {
        out.text.push(' ');
        out.text.push_str(EMOJI[r.below(EMOJI.len())]);
    }
    let tags = if r.chance(0.22) { 1 + usize::from(r.chance(0.25)) } else { 0 };
    for _ in 0..tags {
        let t = organic_hashtag(r, lang, seed);
        out.text.push_str(" #");
        out.text.push_str(&t);
        out.hashtags.push(t);
    }
    if r.chance(0.15) {
        let u = organic_url(r, seed);
        out.text.push(' ');
        out.text.push_str(&u);
        out.urls.push(u);
    }
    if !popular.is_empty() && r.chance(0.06) {
        out.mentions.push(popular[skewed(r, popular.len(), 1.5)]);
    }
}

impl SynthOutput {
    /// Render post `i`'s text, hashtags, URLs and mentions into `out` (cleared first).
    pub fn render(&self, i: usize, out: &mut RenderedPost) {
        out.clear();
        let p = &self.posts[i];
        if p.kind == Kind::Retweet {
            if let Some(t) = self.target_of(i) {
                let ti = p.target as usize;
                let _ = t;
                self.render_own(ti, out);
                let author = &self.accounts[self.posts[ti].account as usize];
                let body = std::mem::take(&mut out.text);
                out.text.reserve(body.len() + author.screen_name.len() + 6);
                out.text.push_str("RT @");
                out.text.push_str(&author.screen_name);
                out.text.push_str(": ");
                out.text.push_str(&body);
                let a = self.posts[ti].account;
                if !out.mentions.contains(&a) {
                    out.mentions.insert(0, a);
                }
                return;
            }
        }
        self.render_own(i, out);
    }

    /// The post's own content (for a retweet: nothing).
    fn render_own(&self, i: usize, out: &mut RenderedPost) {
        let p = &self.posts[i];
        let author = &self.accounts[p.account as usize];
        let base = self.params.seed;
        let mut lang = author.language;
        // a reply starts with the replied-to author's handle, whatever its text
        if p.kind == Kind::Reply {
            if let Some(t) = self.target_of(i) {
                let ta = t.account;
                out.text.push('@');
                out.text.push_str(&self.accounts[ta as usize].screen_name);
                out.text.push(' ');
                out.mentions.push(ta);
            }
        }
        match p.text {
            TextRecipe::Retweet => {}
            TextRecipe::Organic(seed) => {
                let mut r = r2(mix64(base ^ 0x0a ^ (seed as u64) << 8));
                organic_sentence(&mut r, lang, out, &self.popular, base);
            }
            TextRecipe::Reply(seed) => {
                let mut r = r2(mix64(base ^ 0x0b ^ (seed as u64) << 8));
                organic_sentence(&mut r, lang, out, &[], base);
            }
            TextRecipe::Narrative { op, narrative, variant } => {
                lang = self.narrative(op, narrative, variant, out);
            }
            TextRecipe::Boost { op, seed } => {
                let mut r = r2(mix64(base ^ 0x0c ^ (seed as u64) << 8));
                out.text.push_str(BOOST_EN[r.below(BOOST_EN.len())]);
                if r.chance(0.5) {
                    out.text.push(' ');
                    out.text.push_str(EMOJI[r.below(EMOJI.len())]);
                }
                if let Some(spec) = self.params.operations.get(op as usize) {
                    if !spec.hashtags.is_empty() && r.chance(0.5) {
                        let t = spec.hashtags[r.below(spec.hashtags.len())].clone();
                        out.text.push_str(" #");
                        out.text.push_str(&t);
                        out.hashtags.push(t);
                    }
                }
                lang = Lang::En;
            }
            TextRecipe::Filler(seed) => {
                let mut r = r2(mix64(base ^ 0x0d ^ (seed as u64) << 8));
                out.text.push_str(FILLER_EN[r.below(FILLER_EN.len())]);
                if r.chance(0.6) {
                    out.text.push(' ');
                    out.text.push_str(EMOJI[r.below(EMOJI.len())]);
                }
                lang = Lang::En;
            }
            TextRecipe::Event { event, seed } => {
                let mut r = r2(mix64(base ^ 0x0e ^ (seed as u64) << 8 ^ (event as u64) << 40));
                let n = 3 + r.below(10);
                push_words(&mut r, vocab(lang), n, lang, &mut out.text);
                let tag = self.event_hashtag(event);
                out.text.push_str(" #");
                out.text.push_str(&tag);
                out.hashtags.push(tag);
                if r.chance(0.3) {
                    let t2 = format!("{}{}", EVENT_WORDS[(event as usize * 7 + 3) % EVENT_WORDS.len()], "Live");
                    out.text.push_str(" #");
                    out.text.push_str(&t2);
                    out.hashtags.push(t2);
                }
                if r.chance(0.25) {
                    out.text.push(' ');
                    out.text.push_str(EMOJI[r.below(EMOJI.len())]);
                }
            }
            TextRecipe::Quote { quote, seed } => {
                let mut r = r2(mix64(base ^ 0x0f ^ (seed as u64) << 8));
                let (q, who) = QUOTES[quote as usize % QUOTES.len()];
                match r.below(5) {
                    0 | 1 => out.text.push_str(q),
                    2 => {
                        out.text.push('“');
                        out.text.push_str(q);
                        out.text.push_str("” — ");
                        out.text.push_str(who);
                    }
                    3 => {
                        out.text.push('"');
                        out.text.push_str(q);
                        out.text.push_str("\" - ");
                        out.text.push_str(who);
                    }
                    _ => {
                        out.text.push_str(["So true: ", "Never forget: ", "Words to live by. "][r.below(3)]);
                        out.text.push_str(q);
                    }
                }
                if r.chance(0.3) {
                    out.text.push(' ');
                    out.text.push_str(EMOJI[r.below(EMOJI.len())]);
                }
                lang = Lang::En;
            }
        }
        out.lang = Some(lang);
    }

    /// The trending hashtag of live event `event`.
    pub(crate) fn event_hashtag(&self, event: u16) -> String {
        let mut r = r2(mix64(self.params.seed ^ 0xe7e7 ^ (event as u64) << 16));
        let a = EVENT_WORDS[r.below(EVENT_WORDS.len())];
        let b = capitalise(EN[40 + r.below(EN.len() - 40)]);
        format!("{b}{a}{}", 2019 + r.below(3))
    }

    /// Narrative text of operation `op`: the base text (variant 0) or a small edit of it.
    fn narrative(&self, op: u16, narrative: u16, variant: u32, out: &mut RenderedPost) -> Lang {
        let spec = &self.params.operations[op as usize];
        let lang = Lang::from_code(&spec.language);
        let mut r = r2(mix64(self.params.seed ^ 0x4e ^ (op as u64) << 20 ^ (narrative as u64) << 36));
        let nv = narrative_vocab(lang);
        let n = 12 + r.below(12);
        let mut words: Vec<&str> = (0..n)
            .map(|_| {
                if r.chance(0.75) {
                    nv[r.below(nv.len())]
                } else {
                    vocab(lang)[skewed(&mut r, vocab(lang).len(), 1.8)]
                }
            })
            .collect();
        let mut tags: Vec<String> = Vec::new();
        if !spec.hashtags.is_empty() {
            tags.push(spec.hashtags[narrative as usize % spec.hashtags.len()].clone());
            if r.chance(0.5) {
                let t = spec.hashtags[(narrative as usize / 3 + 1) % spec.hashtags.len()].clone();
                if !tags.contains(&t) {
                    tags.push(t);
                }
            }
        }
        let url = if !spec.domains.is_empty() && r.chance(0.6) {
            let d = &spec.domains[narrative as usize % spec.domains.len()];
            Some(format!("https://{d}/{}/{}", 1000 + narrative as u32 * 7 + op as u32, nv[r.below(nv.len())]))
        } else {
            None
        };
        let mut prefix = "";
        let mut emoji = None;
        if variant > 0 {
            let mut v = r2(mix64(
                self.params.seed ^ 0x7a ^ (op as u64) << 20 ^ (narrative as u64) << 36 ^ (variant as u64) << 4,
            ));
            let edits = 1 + v.below(2);
            for _ in 0..edits {
                match v.below(5) {
                    0 => {
                        let k = v.below(words.len());
                        words[k] = nv[v.below(nv.len())];
                    }
                    1 if words.len() > 8 => {
                        let k = v.below(words.len());
                        words.remove(k);
                    }
                    2 => emoji = Some(EMOJI[v.below(EMOJI.len())]),
                    3 => prefix = ["BREAKING: ", "Must see: ", "‼️ ", "Read: "][v.below(4)],
                    _ => tags.reverse(),
                }
            }
        }
        out.text.push_str(prefix);
        for (k, w) in words.iter().enumerate() {
            if k > 0 && lang != Lang::Zh {
                out.text.push(' ');
            }
            out.text.push_str(w);
        }
        if let Some(e) = emoji {
            out.text.push(' ');
            out.text.push_str(e);
        }
        for t in tags {
            out.text.push_str(" #");
            out.text.push_str(&t);
            out.hashtags.push(t);
        }
        if let Some(u) = url {
            out.text.push(' ');
            out.text.push_str(&u);
            out.urls.push(u);
        }
        lang
    }
}
