//! SVG charts of a cluster's activity: [`Timeline`] (posts per day, spikes marked) and
//! [`HourProfile`] (posts per UTC hour, with the implied UTC offset).
//!
//! CSP: no `style` attribute anywhere; colours and sizes are SVG presentation attributes
//! (`fill`, `stroke`, `font-size`, ...) and classes, so the charts look right even before the
//! stylesheet loads. The SVGs scale to their container through `viewBox`.

pub use crate::core::ingest::time::{civil_from_days, days_from_civil};
use std::rc::Rc;

use web_sys::{Element, KeyboardEvent, MouseEvent};
use yew::prelude::*;

/// A day (days since 1970-01-01) as `YYYY-MM-DD` (proleptic Gregorian, any year).
pub fn format_day(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A "nice" axis step (1, 2 or 5 × 10^k) giving about `target` ticks up to `max`.
fn nice_step(max: f64, target: f64) -> f64 {
    if max.is_nan() || max <= 0.0 {
        return 1.0;
    }
    let raw = max / target.max(1.0);
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    (nice * mag).max(1.0)
}

/// Compact count: 950, 1.2k, 34k, 1.5M.
fn compact(v: f64) -> String {
    if v >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if v >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if v >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

/// Date ticks between `first` and `last` (inclusive days): about `max_ticks`, aligned to days,
/// weeks, months, quarters or years. Returns (day, label).
fn date_ticks(first: i64, last: i64, max_ticks: usize) -> Vec<(i64, String)> {
    let span = (last - first + 1).max(1);
    for step in [1i64, 2, 7, 14] {
        if span / step < max_ticks as i64 {
            // Weekly ticks on Mondays (1970-01-01 was a Thursday: day 4 is a Monday).
            let anchor = if step >= 7 { 4 } else { 0 };
            let start = first + (anchor - first).rem_euclid(step);
            return (0..).map(|k| start + k * step).take_while(|&d| d <= last).map(|d| (d, format_day(d))).collect();
        }
    }
    for months in [1u32, 2, 3, 6, 12, 24, 60] {
        if span / (30 * months as i64) < max_ticks as i64 {
            let (mut y, mut m, _) = civil_from_days(first);
            // First month start on or after `first` that is a multiple of the step.
            let mut ticks = Vec::new();
            loop {
                let d = days_from_civil(y, m, 1);
                if d > last {
                    break;
                }
                let idx = y * 12 + m as i64 - 1;
                if d >= first && idx % months as i64 == 0 {
                    let label = if months >= 12 { format!("{y:04}") } else { format!("{y:04}-{m:02}") };
                    ticks.push((d, label));
                }
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
            return ticks;
        }
    }
    vec![(first, format_day(first)), (last, format_day(last))]
}

/// One series of daily activity.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend and tooltip name, e.g. "Cluster 3".
    pub name: String,
    /// Any SVG colour, e.g. "#1f77b4".
    pub color: String,
    /// (day since epoch, posts) for days with activity; missing days count as zero.
    pub daily: Vec<(i64, u32)>,
    /// Days marked as spikes.
    pub spikes: Vec<i64>,
}

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub series: Rc<Vec<Series>>,
    /// Drawing size in SVG units (the SVG scales to its container; these set the aspect ratio
    /// and the text size relative to it).
    #[prop_or(960)]
    pub width: u32,
    #[prop_or(260)]
    pub height: u32,
    #[prop_or_default]
    pub class: Classes,
}

const M_LEFT: f64 = 52.0;
const M_RIGHT: f64 = 16.0;
const M_TOP: f64 = 28.0;
const M_BOTTOM: f64 = 30.0;
const AXIS: &str = "#5c6370";
const GRID: &str = "#e3e6eb";
const SPIKE: &str = "#c92a2a";

/// Daily activity of one or several clusters. One series is drawn as bars (one `rect.tl-bar`
/// per active day), several as lines (one `polyline.tl-line` each, zero on missing days).
/// Spikes are marked with `circle.tl-spike` above the day. Hover (or focus and the arrow keys)
/// shows the date and the counts.
#[function_component(Timeline)]
pub fn timeline(props: &TimelineProps) -> Html {
    let hover = use_state_eq(|| None::<i64>);
    let (w, h) = (props.width.max(200) as f64, props.height.max(120) as f64);
    let series = &props.series;
    let first = series.iter().flat_map(|s| s.daily.iter().map(|d| d.0)).min();
    let last = series.iter().flat_map(|s| s.daily.iter().map(|d| d.0)).max();
    let (Some(first), Some(last)) = (first, last) else {
        return html! {
            <div class={classes!("chart", "timeline", "chart-empty", props.class.clone())} data-testid="timeline">
                { "No dated activity to show." }
            </div>
        };
    };
    let n_days = (last - first + 1) as f64;
    let max = series.iter().flat_map(|s| s.daily.iter().map(|d| d.1)).max().unwrap_or(0).max(1) as f64;
    let step = nice_step(max, 4.0);
    let y_top = (max / step).ceil() * step;
    let (plot_w, plot_h) = (w - M_LEFT - M_RIGHT, h - M_TOP - M_BOTTOM);
    let x_of = |day: i64| M_LEFT + (day - first) as f64 / n_days * plot_w;
    let day_w = plot_w / n_days;
    let y_of = |v: f64| M_TOP + plot_h - v / y_top * plot_h;

    // Y grid and labels.
    let mut y_axis = Vec::new();
    let mut v = 0.0;
    while v <= y_top + 1e-9 {
        let y = y_of(v);
        y_axis.push(html! {
            <g class="tl-ytick">
                <line x1={fmt(M_LEFT)} x2={fmt(w - M_RIGHT)} y1={fmt(y)} y2={fmt(y)} stroke={GRID} stroke-width="1" />
                <text x={fmt(M_LEFT - 6.0)} y={fmt(y + 4.0)} text-anchor="end" font-size="11" fill={AXIS}>{ compact(v) }</text>
            </g>
        });
        v += step;
    }
    // X ticks.
    let max_ticks = ((plot_w / 90.0).floor() as usize).max(2);
    let x_axis: Html = date_ticks(first, last, max_ticks)
        .into_iter()
        .map(|(d, label)| {
            let x = x_of(d) + day_w / 2.0;
            html! {
                <g class="tl-xtick">
                    <line x1={fmt(x)} x2={fmt(x)} y1={fmt(M_TOP + plot_h)} y2={fmt(M_TOP + plot_h + 4.0)} stroke={AXIS} />
                    <text x={fmt(x)} y={fmt(M_TOP + plot_h + 17.0)} text-anchor="middle" font-size="11" fill={AXIS}>{ label }</text>
                </g>
            }
        })
        .collect();

    // Data.
    let single = series.len() == 1;
    let data: Html = series
        .iter()
        .map(|s| {
            if single {
                s.daily
                    .iter()
                    .map(|&(d, c)| {
                        let y = y_of(c as f64);
                        html! {
                            <rect class="tl-bar" x={fmt(x_of(d) + day_w * 0.1)} y={fmt(y)}
                                  width={fmt((day_w * 0.8).max(0.6))} height={fmt((M_TOP + plot_h - y).max(0.0))} fill={s.color.clone()} />
                        }
                    })
                    .collect::<Html>()
            } else {
                let mut counts = vec![0u32; n_days as usize];
                for &(d, c) in &s.daily {
                    counts[(d - first) as usize] = c;
                }
                let points: String = counts
                    .iter()
                    .enumerate()
                    .map(|(k, &c)| format!("{},{} ", fmt(x_of(first + k as i64) + day_w / 2.0), fmt(y_of(c as f64))))
                    .collect();
                html! {
                    <polyline class="tl-line" points={points} fill="none" stroke={s.color.clone()} stroke-width="1.6" stroke-linejoin="round" />
                }
            }
        })
        .collect();
    let spikes: Html = series
        .iter()
        .flat_map(|s| {
            s.spikes.iter().filter(|&&d| d >= first && d <= last).map(move |&d| {
                let c = s.daily.binary_search_by_key(&d, |x| x.0).map(|k| s.daily[k].1).unwrap_or(0);
                let cx = x_of(d) + day_w / 2.0;
                html! {
                    <circle class="tl-spike" cx={fmt(cx)} cy={fmt(y_of(c as f64) - 6.0)} r="3.5" fill={SPIKE} stroke="#ffffff" stroke-width="1">
                        <title>{ format!("Spike: {} {}, {} posts", s.name, format_day(d), c) }</title>
                    </circle>
                }
            })
        })
        .collect();
    let legend: Html = if single {
        html! { <text x={fmt(M_LEFT)} y="16" font-size="12" fill={AXIS} class="tl-legend">{ format!("{}: posts per day", series[0].name) }</text> }
    } else {
        let mut x = M_LEFT;
        series
            .iter()
            .map(|s| {
                let item = html! {
                    <g class="tl-legend">
                        <rect x={fmt(x)} y="7" width="10" height="10" fill={s.color.clone()} />
                        <text x={fmt(x + 14.0)} y="16" font-size="12" fill={AXIS}>{ s.name.clone() }</text>
                    </g>
                };
                x += 24.0 + 7.0 * s.name.chars().count() as f64;
                item
            })
            .collect()
    };

    // Hover readout.
    let readout = hover.filter(|d| *d >= first && *d <= last).map(|d| {
        let x = x_of(d) + day_w / 2.0;
        let mut lines = vec![format_day(d)];
        for s in series.iter() {
            let c = s.daily.binary_search_by_key(&d, |x| x.0).map(|k| s.daily[k].1).unwrap_or(0);
            let spike = if s.spikes.contains(&d) { " (spike)" } else { "" };
            lines.push(if single { format!("{c} posts{spike}") } else { format!("{}: {c}{spike}", s.name) });
        }
        let box_w = 16.0 + 6.6 * lines.iter().map(|l| l.chars().count()).max().unwrap_or(10) as f64;
        let box_h = 8.0 + 15.0 * lines.len() as f64;
        let bx = if x + 10.0 + box_w > w - M_RIGHT { x - 10.0 - box_w } else { x + 10.0 };
        let by = M_TOP + 4.0;
        html! {
            <g class="tl-readout" pointer-events="none">
                <line x1={fmt(x)} x2={fmt(x)} y1={fmt(M_TOP)} y2={fmt(M_TOP + plot_h)} stroke={AXIS} stroke-dasharray="3 3" />
                <rect x={fmt(bx)} y={fmt(by)} width={fmt(box_w)} height={fmt(box_h)} rx="4" fill="#ffffff" stroke="#c5cad3" />
                { for lines.iter().enumerate().map(|(k, l)| html! {
                    <text x={fmt(bx + 8.0)} y={fmt(by + 17.0 + 15.0 * k as f64)} font-size="12" fill="#1f2328"
                          font-weight={if k == 0 { "600" } else { "400" }}>{ l.clone() }</text>
                }) }
            </g>
        }
    });

    let onmousemove = {
        let hover = hover.clone();
        Callback::from(move |e: MouseEvent| {
            let Some(target) = e.current_target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<Element>(t).ok())
            else {
                return;
            };
            let r = target.get_bounding_client_rect();
            if r.width() <= 0.0 {
                return;
            }
            // From client pixels to SVG units (the SVG scales uniformly with its viewBox).
            let svg_x = (e.client_x() as f64 - r.left()) * w / r.width();
            let day = first + ((svg_x - M_LEFT) / plot_w * n_days).floor() as i64;
            hover.set((svg_x >= M_LEFT && svg_x <= w - M_RIGHT).then_some(day.clamp(first, last)));
        })
    };
    let onmouseleave = {
        let hover = hover.clone();
        Callback::from(move |_: MouseEvent| hover.set(None))
    };
    let onkeydown = {
        let hover = hover.clone();
        Callback::from(move |e: KeyboardEvent| {
            let cur = (*hover).unwrap_or(last);
            let next = match e.key().as_str() {
                "ArrowLeft" => cur - 1,
                "ArrowRight" => cur + 1,
                "Home" => first,
                "End" => last,
                "Escape" => {
                    hover.set(None);
                    return;
                }
                _ => return,
            };
            e.prevent_default();
            hover.set(Some(next.clamp(first, last)));
        })
    };
    let label = format!(
        "Posts per day from {} to {}, {} series. Arrow keys step through the days.",
        format_day(first),
        format_day(last),
        series.len()
    );
    html! {
        <div class={classes!("chart", "timeline", props.class.clone())} data-testid="timeline">
            <svg viewBox={format!("0 0 {w} {h}")} width="100%" class="chart-svg" role="img" aria-label={label} tabindex="0"
                 font-family="system-ui, sans-serif" {onmousemove} {onmouseleave} {onkeydown}>
                { legend }
                { for y_axis }
                <line x1={fmt(M_LEFT)} x2={fmt(w - M_RIGHT)} y1={fmt(M_TOP + plot_h)} y2={fmt(M_TOP + plot_h)} stroke={AXIS} />
                { x_axis }
                { data }
                { spikes }
                { readout.unwrap_or_default() }
            </svg>
        </div>
    }
}

/// Two decimals at most, no trailing zeros (compact SVG).
fn fmt(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

#[derive(Properties, PartialEq)]
pub struct HourProfileProps {
    /// Posts per UTC hour of day.
    pub hours: [u32; 24],
    /// UTC offset (hours) that puts the activity in office hours, when pronounced.
    #[prop_or_default]
    pub implied_utc_offset: Option<i32>,
    #[prop_or(AttrValue::Static("#3b6fb6"))]
    pub color: AttrValue,
    #[prop_or(480)]
    pub width: u32,
    #[prop_or(220)]
    pub height: u32,
    #[prop_or_default]
    pub class: Classes,
}

/// Posts per UTC hour: 24 `rect.hp-bar`, each with a `<title>`; with an implied UTC offset, the
/// UTC hours of 09:00-17:00 local time are shaded (`rect.hp-office`) and the offset is written.
#[function_component(HourProfile)]
pub fn hour_profile(props: &HourProfileProps) -> Html {
    let (w, h) = (props.width.max(240) as f64, props.height.max(120) as f64);
    let (top, bottom, left, right) = (30.0, 30.0, 44.0, 10.0);
    let (plot_w, plot_h) = (w - left - right, h - top - bottom);
    let max = props.hours.iter().copied().max().unwrap_or(0).max(1) as f64;
    let step = nice_step(max, 3.0);
    let y_top = (max / step).ceil() * step;
    let bar_w = plot_w / 24.0;
    let y_of = |v: f64| top + plot_h - v / y_top * plot_h;
    let total: u64 = props.hours.iter().map(|&c| c as u64).sum();

    let office: Html = props
        .implied_utc_offset
        .map(|o| {
            // Local 09:00..17:00 is UTC (9 - o)..(17 - o), possibly wrapping midnight.
            (9..17)
                .map(|local| (local - o).rem_euclid(24))
                .map(|utc| html! {
                    <rect class="hp-office" x={fmt(left + utc as f64 * bar_w)} y={fmt(top)} width={fmt(bar_w)} height={fmt(plot_h)} fill="#fff3bf" />
                })
                .collect()
        })
        .unwrap_or_default();
    let bars: Html = props
        .hours
        .iter()
        .enumerate()
        .map(|(hour, &c)| {
            let y = y_of(c as f64);
            let share = if total > 0 { 100.0 * c as f64 / total as f64 } else { 0.0 };
            html! {
                <rect class="hp-bar" x={fmt(left + hour as f64 * bar_w + bar_w * 0.12)} y={fmt(y)} width={fmt(bar_w * 0.76)}
                      height={fmt((top + plot_h - y).max(0.0))} fill={props.color.clone()}>
                    <title>{ format!("{hour:02}:00-{hour:02}:59 UTC: {c} posts ({share:.1}%)") }</title>
                </rect>
            }
        })
        .collect();
    let x_labels: Html = (0..24)
        .step_by(3)
        .map(|hour| html! {
            <text x={fmt(left + (hour as f64 + 0.5) * bar_w)} y={fmt(top + plot_h + 16.0)} text-anchor="middle" font-size="11" fill={AXIS}>{ format!("{hour:02}") }</text>
        })
        .collect();
    let mut y_axis = Vec::new();
    let mut v = 0.0;
    while v <= y_top + 1e-9 {
        let y = y_of(v);
        y_axis.push(html! {
            <g class="hp-ytick">
                <line x1={fmt(left)} x2={fmt(w - right)} y1={fmt(y)} y2={fmt(y)} stroke={GRID} />
                <text x={fmt(left - 6.0)} y={fmt(y + 4.0)} text-anchor="end" font-size="11" fill={AXIS}>{ compact(v) }</text>
            </g>
        });
        v += step;
    }
    let note = match props.implied_utc_offset {
        Some(o) => format!(
            "Posts per UTC hour. Office hours (shaded) imply UTC{}{}",
            if o < 0 { "\u{2212}" } else { "+" },
            o.abs()
        ),
        None => "Posts per UTC hour (no pronounced office-hours pattern)".to_string(),
    };
    html! {
        <div class={classes!("chart", "hour-profile", props.class.clone())} data-testid="hour-profile">
            <svg viewBox={format!("0 0 {w} {h}")} width="100%" class="chart-svg" role="img" aria-label={note.clone()} font-family="system-ui, sans-serif">
                <text class="hp-note" x={fmt(left)} y="16" font-size="12" fill={AXIS}>{ note }</text>
                { office }
                { for y_axis }
                { bars }
                <line x1={fmt(left)} x2={fmt(w - right)} y1={fmt(top + plot_h)} y2={fmt(top + plot_h)} stroke={AXIS} />
                { x_labels }
            </svg>
        </div>
    }
}
