//! `cu-report.svg`: net CU per allocation by block size, one bar per allocator, on a
//! logarithmic axis (the allocators differ by two orders of magnitude); labels rounded, exact
//! values in each bar's tooltip. Hand-written SVG.

use std::fmt::Write;

use super::report::{cell, Report};
use super::workloads::SIZES;

const COLORS: [&str; 12] = [
    "#1b9e77", "#66c2a5", "#d95f02", "#e6ab02", "#7570b3", "#e7298a", "#66a61e", "#a6761d",
    "#666666", "#1f78b4", "#b15928", "#6a3d9a",
];
// One colour per row of the report: a new allocator row needs a new colour.
const _: () = assert!(COLORS.len() >= super::ALLOCATORS.len());
const WIDTH: f64 = 900.0;
const HEIGHT: f64 = 460.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 210.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 60.0;

/// Escapes text for SVG.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The chart of `report`'s net CU per allocation (missing figures are left out and named
/// `n/a` under their group).
pub fn svg(report: &Report) -> String {
    let rows = &report.allocators;
    let values: Vec<Vec<Option<f64>>> = rows
        .iter()
        .map(|a| a.net_cu().into_iter().map(|(_, m)| m.ok()).collect())
        .collect();
    let max = values
        .iter()
        .flatten()
        .flatten()
        .fold(1.0f64, |m, v| m.max(*v));
    // Decades from 1 to the first power of ten at or above the largest value.
    let decades = max.log10().ceil().max(1.0);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let y = |v: f64| TOP + plot_h - (v.max(1.0).log10() / decades) * plot_h;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        s,
        r#"<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/><text x="{LEFT}" y="24" font-size="15">Net CU per allocation by block size (hidden layout, log scale; lower is cheaper)</text>"#
    );
    for d in 0..=decades as u32 {
        let v = 10f64.powi(d as i32);
        let yy = y(v);
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" x2="{}" y1="{yy:.1}" y2="{yy:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end">{v}</text>"##,
            LEFT + plot_w,
            LEFT - 6.0,
            yy + 4.0
        );
    }
    let group_w = plot_w / SIZES.len() as f64;
    let bar_w = (group_w - 20.0) / rows.len().max(1) as f64;
    for (g, size) in SIZES.iter().enumerate() {
        let gx = LEFT + g as f64 * group_w + 10.0;
        for (i, row) in values.iter().enumerate() {
            let x = gx + i as f64 * bar_w;
            let color = COLORS[i % COLORS.len()];
            match row.get(g).copied().flatten() {
                Some(v) => {
                    let top = y(v);
                    let _ = writeln!(
                        s,
                        r#"<rect x="{x:.1}" y="{top:.1}" width="{:.1}" height="{:.1}" fill="{color}"><title>{} {size} B: {}</title></rect>"#,
                        (bar_w - 2.0).max(1.0),
                        (TOP + plot_h - top).max(0.5),
                        escape(&rows[i].name),
                        cell(&Ok(v))
                    );
                    let _ = writeln!(
                        s,
                        r#"<text x="{:.1}" y="{:.1}" font-size="9" text-anchor="middle">{v:.0}</text>"#,
                        x + bar_w / 2.0 - 1.0,
                        top - 3.0,
                    );
                }
                None => {
                    let _ = writeln!(
                        s,
                        r#"<text x="{:.1}" y="{:.1}" font-size="9" text-anchor="middle">n/a</text>"#,
                        x + bar_w / 2.0 - 1.0,
                        TOP + plot_h - 3.0
                    );
                }
            }
        }
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{size} B</text>"#,
            gx + (group_w - 20.0) / 2.0,
            TOP + plot_h + 20.0
        );
    }
    let _ = writeln!(
        s,
        r#"<line x1="{LEFT}" x2="{}" y1="{:.1}" y2="{:.1}" stroke="black"/><text x="16" y="{:.1}" transform="rotate(-90 16 {:.1})" text-anchor="middle">net CU per allocation</text>"#,
        LEFT + plot_w,
        TOP + plot_h,
        TOP + plot_h,
        TOP + plot_h / 2.0,
        TOP + plot_h / 2.0
    );
    for (i, row) in rows.iter().enumerate() {
        let ly = TOP + 10.0 + i as f64 * 20.0;
        let _ = writeln!(
            s,
            r#"<rect x="{:.1}" y="{:.1}" width="12" height="12" fill="{}"/><text x="{:.1}" y="{:.1}">{}</text>"#,
            WIDTH - RIGHT + 15.0,
            ly - 10.0,
            COLORS[i % COLORS.len()],
            WIDTH - RIGHT + 32.0,
            ly,
            escape(&row.name)
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::AllocatorFigures;
    use crate::workloads::Counts;

    #[test]
    fn one_bar_per_measured_figure_and_a_legend_entry_per_row() {
        let mut a = AllocatorFigures::unmeasured("A<b>", "x");
        for (i, (m, b)) in a.marginal_cu.iter_mut().zip(&mut a.baseline_cu).enumerate() {
            m.1 = Ok(10.0 + i as f64);
            b.1 = Ok(2.0);
        }
        let b = AllocatorFigures::unmeasured("B", "x");
        let svg = svg(&Report::new(Counts::QUICK, vec![a, b]));
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<title>").count(), 4, "{svg}");
        assert_eq!(svg.matches(">n/a<").count(), 4);
        assert!(svg.contains("A&lt;b&gt;") && !svg.contains("A<b>"));
        assert!(svg.contains("A&lt;b&gt; 4096 B: 11</title>"), "{svg}");
    }
}
