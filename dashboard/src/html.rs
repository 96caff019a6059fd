//! Assembling the self-contained HTML page: a header, headline cards,
//! sections of inline SVG charts with a one-line reading guide each, and
//! tables. No external resources; the only script is a few lines that
//! record each chart's rendered size (read by the browser test).

use std::fmt::Write as _;

/// One chart: an inline SVG with its title and a reading guide.
#[derive(Debug, Clone)]
pub struct Chart {
    /// File-name-safe identifier (also the SVG's file name on export).
    pub slug: String,
    pub title: String,
    pub caption: String,
    pub svg: String,
    /// Spans the page's width (otherwise two charts share a row).
    pub wide: bool,
}

/// A headline number.
#[derive(Debug, Clone)]
pub struct Card {
    pub label: String,
    pub value: String,
    pub detail: String,
}

#[derive(Debug, Clone)]
pub enum Block {
    Chart(Chart),
    /// Pre-rendered, already escaped HTML (a table).
    Html(String),
    /// A plain-text note.
    Note(String),
}

#[derive(Debug, Clone)]
pub struct Section {
    pub heading: String,
    pub intro: String,
    pub blocks: Vec<Block>,
    /// Charts per row (2 or 3); a wide chart takes a whole row.
    pub columns: u8,
}

#[derive(Debug, Clone)]
pub struct Page {
    pub title: String,
    pub subtitle: String,
    pub facts: Vec<(String, String)>,
    pub cards: Vec<Card>,
    pub sections: Vec<Section>,
}

impl Page {
    /// Makes chart slugs unique (`-2`, `-3`, ... on repeats), so that ids
    /// and exported file names never collide.
    pub fn dedupe_slugs(&mut self) {
        let mut seen = std::collections::HashMap::<String, usize>::new();
        for s in &mut self.sections {
            for b in &mut s.blocks {
                if let Block::Chart(c) = b {
                    let n = seen.entry(c.slug.clone()).or_insert(0);
                    *n += 1;
                    if *n > 1 {
                        c.slug = format!("{}-{}", c.slug, n);
                    }
                }
            }
        }
    }

    pub fn charts(&self) -> impl Iterator<Item = &Chart> {
        self.sections.iter().flat_map(|s| {
            s.blocks.iter().filter_map(|b| match b {
                Block::Chart(c) => Some(c),
                _ => None,
            })
        })
    }
}

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Makes a file-name-safe slug.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out: String = out.chars().take(80).collect();
    out.trim_end_matches('-').to_string()
}

/// The SVG with an accessible title (used inline and on export).
pub fn titled_svg(chart: &Chart) -> String {
    match chart.svg.find('>') {
        Some(i) if chart.svg.starts_with("<svg") => format!(
            "{} role=\"img\" aria-label=\"{}\"><title>{}</title>{}",
            &chart.svg[..i],
            esc(&chart.title),
            esc(&chart.title),
            &chart.svg[i + 1..]
        ),
        _ => chart.svg.clone(),
    }
}

const STYLE: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 40px 48px; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #222; background: #f6f6f4; }
main { max-width: 1200px; margin: 0 auto; }
header h1 { margin: 0 0 4px; font-size: 28px; }
header p.sub { margin: 0 0 10px; color: #555; }
dl.facts { display: flex; flex-wrap: wrap; gap: 4px 22px; margin: 0 0 18px; color: #444; font-size: 14px; }
dl.facts div { display: flex; gap: 6px; }
dl.facts dt { color: #777; }
dl.facts dd { margin: 0; font-weight: 600; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(270px, 1fr)); gap: 12px; margin-bottom: 26px; }
.card { background: #fff; border: 1px solid #ddd; border-radius: 8px; padding: 12px 14px; }
.card .label { font-size: 13px; color: #555; text-transform: uppercase; letter-spacing: .03em; }
.card .value { font-size: 28px; font-weight: 700; margin: 2px 0; }
.card .detail { font-size: 13px; color: #444; }
section { margin: 0 0 30px; }
section h2 { font-size: 21px; margin: 0 0 4px; border-bottom: 2px solid #ddd; padding-bottom: 4px; }
section p.intro { margin: 4px 0 12px; color: #444; max-width: 900px; }
.grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; }
.grid.cols-3 { grid-template-columns: repeat(3, minmax(0, 1fr)); }
figure.chart { margin: 0; background: #fff; border: 1px solid #ddd; border-radius: 8px; overflow: hidden; }
figure.chart.wide, .grid > .full { grid-column: 1 / -1; }
figure.chart svg { display: block; width: 100%; height: auto; }
figure.chart figcaption { padding: 6px 14px 10px; font-size: 13.5px; color: #444; border-top: 1px solid #eee; }
p.note { background: #fff8e1; border: 1px solid #f0d98c; border-radius: 6px; padding: 8px 12px; margin: 0 0 12px; }
.table-wrap { max-height: 640px; overflow: auto; background: #fff; border: 1px solid #ddd; border-radius: 8px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 10px; border-bottom: 1px solid #eee; text-align: left; white-space: nowrap; }
th { position: sticky; top: 0; background: #f0f0ee; }
td.num, th.num { text-align: right; }
footer { color: #777; font-size: 13px; margin-top: 30px; }
@media (max-width: 900px) { .grid, .grid.cols-3 { grid-template-columns: 1fr; } body { padding: 16px; } }
"#;

/// Records each chart's rendered size, and how many of its text labels
/// overlap, into `#render-check` (read by the browser test).
const CHECK_SCRIPT: &str = r#"<script>
(function () {
  function overlap(a, b) {
    var w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    var h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    return w > 1 && h > 1;
  }
  var figs = document.querySelectorAll('figure.chart');
  var doc = document.documentElement;
  var lines = ['page ' + doc.scrollWidth + ' ' + doc.scrollHeight, 'charts ' + figs.length];
  for (var i = 0; i < figs.length; i++) {
    var svg = figs[i].querySelector('svg');
    var r = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
    var texts = svg ? svg.querySelectorAll('text') : [];
    var boxes = [];
    for (var k = 0; k < texts.length; k++) {
      var b = texts[k].getBoundingClientRect();
      if (b.width > 0 && texts[k].textContent.trim() !== '') boxes.push(b);
    }
    var n = 0;
    for (var p = 0; p < boxes.length; p++) {
      for (var q = p + 1; q < boxes.length; q++) {
        if (overlap(boxes[p], boxes[q])) n++;
      }
    }
    lines.push(figs[i].id + ' ' + Math.round(r.width) + ' ' + Math.round(r.height) +
      ' texts=' + boxes.length + ' overlaps=' + n);
  }
  document.getElementById('render-check').textContent = lines.join('\n');
})();
</script>"#;

pub fn render(page: &Page) -> String {
    let charts = page.charts().count();
    let mut h =
        String::with_capacity(64 * 1024 + page.charts().map(|c| c.svg.len() + 512).sum::<usize>());
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"mirage dashboard\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body data-charts=\"{charts}\">\n<main>\n<header>\n<h1>{}</h1>\n<p class=\"sub\">{}</p>\n",
        esc(&page.title),
        esc(&page.title),
        esc(&page.subtitle)
    );
    if !page.facts.is_empty() {
        h.push_str("<dl class=\"facts\">");
        for (k, v) in &page.facts {
            let _ = write!(h, "<div><dt>{}</dt><dd>{}</dd></div>", esc(k), esc(v));
        }
        h.push_str("</dl>\n");
    }
    h.push_str("</header>\n");
    if !page.cards.is_empty() {
        h.push_str("<div class=\"cards\">\n");
        for c in &page.cards {
            let _ = writeln!(
                h,
                "<div class=\"card\"><div class=\"label\">{}</div><div class=\"value\">{}</div><div class=\"detail\">{}</div></div>",
                esc(&c.label),
                esc(&c.value),
                esc(&c.detail)
            );
        }
        h.push_str("</div>\n");
    }
    for s in &page.sections {
        let _ = write!(
            h,
            "<section>\n<h2>{}</h2>\n<p class=\"intro\">{}</p>\n",
            esc(&s.heading),
            esc(&s.intro)
        );
        // Notes first, so that the charts' grid stays regular.
        for b in &s.blocks {
            if let Block::Note(t) = b {
                let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(t));
            }
        }
        if s.blocks.iter().any(|b| !matches!(b, Block::Note(_))) {
            let _ = writeln!(
                h,
                "<div class=\"grid{}\">",
                if s.columns == 3 { " cols-3" } else { "" }
            );
            for b in &s.blocks {
                match b {
                    Block::Chart(c) => {
                        let _ = write!(
                            h,
                            "<figure class=\"chart{}\" id=\"chart-{}\">\n{}<figcaption>{}</figcaption>\n</figure>\n",
                            if c.wide { " wide" } else { "" },
                            esc(&c.slug),
                            titled_svg(c),
                            esc(&c.caption)
                        );
                    }
                    Block::Html(x) => {
                        let _ = writeln!(h, "<div class=\"full\">{x}</div>");
                    }
                    Block::Note(_) => {}
                }
            }
            h.push_str("</div>\n");
        }
        h.push_str("</section>\n");
    }
    h.push_str("<footer>Written by <code>mirage dashboard</code>. Each chart is also available as a standalone SVG with <code>--svg-dir DIR</code>.</footer>\n");
    h.push_str("<pre id=\"render-check\" hidden></pre>\n");
    h.push_str(CHECK_SCRIPT);
    h.push_str("\n</main>\n</body>\n</html>\n");
    h
}

/// A table with a header row; `numeric[i]` right-aligns column `i`.
pub fn table(header: &[String], numeric: &[bool], rows: &[Vec<String>]) -> String {
    let mut t = String::from("<div class=\"table-wrap\"><table>\n<thead><tr>");
    for (i, c) in header.iter().enumerate() {
        let cls = if numeric.get(i).copied().unwrap_or(false) {
            " class=\"num\""
        } else {
            ""
        };
        let _ = write!(t, "<th{cls}>{}</th>", esc(c));
    }
    t.push_str("</tr></thead>\n<tbody>\n");
    for r in rows {
        t.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            let cls = if numeric.get(i).copied().unwrap_or(false) {
                " class=\"num\""
            } else {
                ""
            };
            let _ = write!(t, "<td{cls}>{}</td>", esc(c));
        }
        t.push_str("</tr>\n");
    }
    t.push_str("</tbody></table></div>");
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_slugs_are_safe() {
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(
            slug("Gini of wealth, per role (%)"),
            "gini-of-wealth-per-role"
        );
        assert_eq!(slug("reward.compute.scheme"), "reward-compute-scheme");
    }

    #[test]
    fn svg_gets_an_accessible_title() {
        let c = Chart {
            slug: "x".into(),
            title: "A & B".into(),
            caption: String::new(),
            svg: "<svg width=\"1\" height=\"1\">\n</svg>".into(),
            wide: false,
        };
        assert_eq!(
            titled_svg(&c),
            "<svg width=\"1\" height=\"1\" role=\"img\" aria-label=\"A &amp; B\"><title>A &amp; B</title>\n</svg>"
        );
    }
}
