//! `bench-report`: turns the criterion results of the `compare` benchmark
//! into the README's table and `benches/results.svg`.
//!
//! ```sh
//! cargo bench -p wpool-benches --bench compare
//! cargo run -p wpool-benches --bin bench-report
//! cargo run -p wpool-benches --bin bench-report -- [--check] [--criterion-dir DIR]
//! ```
//!
//! Reads, under the criterion directory (`--criterion-dir DIR`, else
//! `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else
//! `<workspace>/target/criterion`):
//! - `<group>/<id>/new/estimates.json`: criterion's estimate of the time per
//!   iteration (the slope of a linear sampling, else the mean);
//! - `<group>/<id>/new/benchmark.json`: the elements per iteration;
//! - `<group>/<id>/wpool.json`: the benchmark's side figures (allocations per
//!   job, High wait percentiles, High end-to-end percentiles under load and
//!   alone, idle CPU after a burst);
//! - `wpool-run.json`: machine, commit, date and rustc of the run.
//!
//! Any of these may be missing: its cells read "–" and its bars "not
//! measured".
//!
//! Writes the Markdown table and the list of bars between the lines
//! `<!-- bench-table:begin -->` and `<!-- bench-table:end -->` of
//! `<workspace>/README.md` (an error if they are missing), and the plot to
//! `<workspace>/benches/results.svg`. `--check` writes nothing and prints the
//! Markdown instead. For tests, `--readme PATH` and `--svg PATH` redirect the
//! two outputs.
//!
//! A missed bar is reported, not an error: the exit status is 0 unless the
//! inputs or outputs cannot be read or written.

use std::collections::BTreeMap;
use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::{
    ChartBuilder, Color, DrawingArea, DrawingAreaErrorKind, EmptyElement, FontStyle,
    IntoDrawingArea, IntoFont, IntoLogRange, PathElement, RGBColor, Rectangle, SVGBackend, Text,
    TextStyle, BLACK, WHITE,
};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde_json::Value;

const BEGIN_MARKER: &str = "<!-- bench-table:begin -->";
const END_MARKER: &str = "<!-- bench-table:end -->";
const DASH: &str = "–";

/// One implementation: a column of the table and a bar of every panel.
struct Impl {
    /// The criterion benchmark id.
    id: &'static str,
    /// The Markdown column header.
    header: &'static str,
    /// The label in the plot.
    label: &'static str,
    /// The bar colour in the plot.
    colour: RGBColor,
    /// Whether this is one of wpool's own columns (as opposed to a peer).
    ours: bool,
}

/// The columns, in order.
static IMPLS: [Impl; 8] = [
    Impl {
        id: "wpool",
        header: "`wpool`",
        label: "wpool",
        colour: RGBColor(0x1f, 0x5f, 0xbf),
        ours: true,
    },
    Impl {
        id: "wpool-sys",
        header: "`wpool-sys`",
        label: "wpool-sys",
        colour: RGBColor(0xe8, 0x73, 0x0c),
        ours: true,
    },
    Impl {
        id: "crossbeam-fn",
        header: "`crossbeam-channel` of (fn, u64)",
        label: "crossbeam (fn, u64)",
        colour: RGBColor(0x6b, 0x73, 0x85),
        ours: false,
    },
    Impl {
        id: "crossbeam-channel",
        header: "`crossbeam-channel` of boxed closures",
        label: "crossbeam (boxed)",
        colour: RGBColor(0x8a, 0x94, 0xa6),
        ours: false,
    },
    Impl {
        id: "rayon",
        header: "`rayon`",
        label: "rayon",
        colour: RGBColor(0xa3, 0xa3, 0xa3),
        ours: false,
    },
    Impl {
        id: "threadpool",
        header: "`threadpool`",
        label: "threadpool",
        colour: RGBColor(0x9f, 0xae, 0x9c),
        ours: false,
    },
    Impl {
        id: "tokio",
        header: "`tokio` (spawn_blocking)",
        label: "tokio spawn_blocking",
        colour: RGBColor(0xb8, 0xa8, 0x8a),
        ours: false,
    },
    Impl {
        id: "std-thread",
        header: "`std::thread` per job",
        label: "std::thread per job",
        colour: RGBColor(0xc2, 0xb0, 0xc6),
        ours: false,
    },
];

/// The empty-job groups and their shapes (producers × workers).
const EMPTY: [(&str, &str); 3] = [
    ("empty_1p1w", "1P/1W"),
    ("empty_1p2w", "1P/2W"),
    ("empty_2p2w", "2P/2W"),
];
const CPU: &str = "cpu_4us_1p2w";
const SUBMIT: &str = "submit_blocked_1p2w";
const HIGH: &str = "high_wait_2w";
const HIGH_E2E: &str = "high_e2e_300us_2w";
const BURST: &str = "burst_1e6_2w";
/// The inline baseline of the CPU group.
const SINGLE: &str = "single-thread";

const SPEED_BAR: f64 = 1.5;
const EFFICIENCY_BAR: f64 = 0.95;
const P99_BAR: f64 = 20.0;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-report: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let opts = Options::parse(env::args().skip(1))?;
    if opts.help {
        print!("{USAGE}");
        return Ok(());
    }
    let root = workspace_root();
    let crit_dir = opts
        .criterion_dir
        .clone()
        .unwrap_or_else(|| default_criterion_dir(&root));
    let results = Results::load(&crit_dir)?;
    let md = markdown(&results);
    if opts.check {
        print!("{md}");
        eprintln!(
            "bench-report: --check: {} results from {}, nothing written",
            results.found(),
            crit_dir.display()
        );
        return Ok(());
    }
    let readme = opts.readme.unwrap_or_else(|| root.join("README.md"));
    let svg_path = opts.svg.unwrap_or_else(|| root.join("benches/results.svg"));
    write_readme(&readme, &md)?;
    let panels = panels(&results);
    fs::write(&svg_path, svg(&results, &panels)?)
        .map_err(|e| format!("cannot write {}: {e}", svg_path.display()))?;
    println!(
        "bench-report: {} of {} results found in {}",
        results.found(),
        results.expected(),
        crit_dir.display()
    );
    println!(
        "wrote the table ({} rows) between the bench-table markers of {}",
        table_rows(&results).len(),
        readme.display()
    );
    println!("wrote {} ({} panels)", svg_path.display(), panels.len());
    println!("Bars:");
    for line in bars(&results) {
        println!("  {line}");
    }
    Ok(())
}

const USAGE: &str = "\
usage: cargo run -p wpool-benches --bin bench-report -- [--check] [--criterion-dir DIR]

Writes the benchmark table into README.md (between the bench-table markers)
and the plot into benches/results.svg, from criterion's results of
`cargo bench -p wpool-benches --bench compare`.

  --criterion-dir DIR  criterion's output directory (default: $CRITERION_HOME,
                       else $CARGO_TARGET_DIR/criterion, else target/criterion)
  --check              write nothing; print the Markdown to stdout
  -h, --help           this text
";

/// The command line.
#[derive(Default)]
struct Options {
    criterion_dir: Option<PathBuf>,
    check: bool,
    help: bool,
    /// Hidden, for tests: write the table into this file instead of README.md.
    readme: Option<PathBuf>,
    /// Hidden, for tests: write the plot here instead of benches/results.svg.
    svg: Option<PathBuf>,
}

impl Options {
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Self, String> {
        let mut opts = Options::default();
        while let Some(arg) = args.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
                _ => (arg.clone(), None),
            };
            let mut value = |what: &str| {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .map(PathBuf::from)
                    .ok_or_else(|| format!("{what} needs a path\n\n{USAGE}"))
            };
            match name.as_str() {
                "--check" => opts.check = true,
                "-h" | "--help" => opts.help = true,
                "--criterion-dir" => opts.criterion_dir = Some(value("--criterion-dir")?),
                "--readme" => opts.readme = Some(value("--readme")?),
                "--svg" => opts.svg = Some(value("--svg")?),
                _ => return Err(format!("unknown argument `{arg}`\n\n{USAGE}")),
            }
        }
        Ok(opts)
    }
}

/// The workspace root: the parent of this crate's directory.
fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Where criterion writes, unless `--criterion-dir` says otherwise.
fn default_criterion_dir(root: &Path) -> PathBuf {
    let var = |name| {
        env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("CRITERION_HOME")
        .or_else(|| var("CARGO_TARGET_DIR").map(|t| t.join("criterion")))
        .unwrap_or_else(|| root.join("target/criterion"))
}

// ---------------------------------------------------------------------------
// Reading the results

/// What one criterion benchmark (`<group>/<id>/`) left behind.
struct Bench {
    /// Criterion's estimate of the time per iteration, ns.
    time_ns: Option<f64>,
    /// Elements per iteration (criterion's throughput), 1 if not declared.
    elements: f64,
    /// The benchmark's own `wpool.json`.
    side: Option<Value>,
}

/// Every benchmark of the `compare` run, plus the run's metadata.
struct Results {
    run: Option<Value>,
    /// Group → benchmark id → results.
    benches: BTreeMap<&'static str, BTreeMap<&'static str, Bench>>,
}

/// Every group of the `compare` benchmark, in report order.
fn groups() -> impl Iterator<Item = &'static str> {
    EMPTY
        .iter()
        .map(|(g, _)| *g)
        .chain([CPU, SUBMIT, HIGH, HIGH_E2E, BURST])
}

/// The benchmark ids `group` may hold.
fn ids_of(group: &'static str) -> impl Iterator<Item = &'static str> {
    let single = (group == CPU).then_some(SINGLE);
    IMPLS.iter().map(|i| i.id).chain(single)
}

impl Results {
    fn load(dir: &Path) -> Result<Self, String> {
        if !dir.is_dir() {
            return Err(format!(
                "no criterion directory at {}: run `cargo bench -p wpool-benches --bench compare` first, \
                 or say where it is with --criterion-dir",
                dir.display()
            ));
        }
        let load_group = |group: &'static str| {
            let benches = ids_of(group).map(|id| (id, load_bench(&dir.join(group).join(id))));
            (group, benches.collect())
        };
        let results = Results {
            run: read_json(&dir.join("wpool-run.json")),
            benches: groups().map(load_group).collect(),
        };
        if results.found() == 0 {
            return Err(format!(
                "no results of the `compare` benchmark under {} (expected e.g. {})",
                dir.display(),
                dir.join("empty_1p1w/wpool/new/estimates.json").display()
            ));
        }
        Ok(results)
    }

    /// How many benchmarks have an estimate.
    fn found(&self) -> usize {
        let benches = self.benches.values().flat_map(BTreeMap::values);
        benches.filter(|b| b.time_ns.is_some()).count()
    }

    fn expected(&self) -> usize {
        self.benches.values().map(BTreeMap::len).sum()
    }

    fn bench(&self, group: &str, id: &str) -> Option<&Bench> {
        self.benches.get(group)?.get(id)
    }

    /// Criterion's estimate of the time of one iteration, ns.
    fn ns_per_iter(&self, group: &str, id: &str) -> Option<f64> {
        self.bench(group, id)?.time_ns
    }

    /// Criterion's estimate of the time per element (job, submit), ns.
    fn ns_per_elem(&self, group: &str, id: &str) -> Option<f64> {
        let b = self.bench(group, id)?;
        Some(b.time_ns? / b.elements)
    }

    /// A number from the benchmark's `wpool.json`.
    fn side(&self, group: &str, id: &str, key: &str) -> Option<f64> {
        self.bench(group, id)?.side.as_ref()?.get(key)?.as_f64()
    }

    /// A field of `wpool-run.json`, as text.
    fn run_field(&self, key: &str) -> Option<String> {
        match self.run.as_ref()?.get(key)? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    fn dirty(&self) -> bool {
        let dirty = self.run.as_ref().and_then(|r| r.get("dirty"));
        dirty.and_then(Value::as_bool).unwrap_or(false)
    }

    // The metrics of the table, per implementation.

    fn jobs_per_sec(&self, id: &str) -> Option<f64> {
        self.ns_per_elem(CPU, id)
            .filter(|ns| *ns > 0.0)
            .map(|ns| 1e9 / ns)
    }

    /// CPU jobs/s against two workers' worth of the inline loop.
    fn efficiency(&self, id: &str) -> Option<f64> {
        Some(self.jobs_per_sec(id)? / (2.0 * self.jobs_per_sec(SINGLE)?))
    }

    fn wait_us(&self, id: &str, key: &str) -> Option<f64> {
        self.side(HIGH, id, key).map(|ns| ns / 1000.0)
    }

    /// A High end-to-end figure (submit until the work is done), µs.
    fn e2e_us(&self, id: &str, key: &str) -> Option<f64> {
        self.side(HIGH_E2E, id, key).map(|ns| ns / 1000.0)
    }

    /// High end to end: p99 under the Low load ÷ p99 alone.
    fn e2e_ratio(&self, id: &str) -> Option<f64> {
        let alone = self.e2e_us(id, "alone_p99_ns").filter(|v| *v > 0.0)?;
        Some(self.e2e_us(id, "p99_ns")? / alone)
    }

    fn drain_ms(&self, id: &str) -> Option<f64> {
        self.ns_per_iter(BURST, id).map(|ns| ns / 1e6)
    }

    fn idle_cpu_ms(&self, id: &str) -> Option<f64> {
        self.side(BURST, id, "idle_cpu_ms")
    }

    /// The idle window after the burst, as any side file states it.
    fn idle_window_ms(&self) -> Option<f64> {
        IMPLS
            .iter()
            .find_map(|i| self.side(BURST, i.id, "idle_window_ms"))
    }

    fn allocs_per_job(&self, id: &str) -> Option<f64> {
        self.side(EMPTY[0].0, id, "allocs_per_job")
    }
}

fn load_bench(dir: &Path) -> Bench {
    let new = dir.join("new");
    let estimates = read_json(&new.join("estimates.json"));
    // Criterion's own headline figure: the slope of time over iterations
    // where it sampled linearly (a fixed cost per sample, such as waking
    // parked workers, drops out), the mean where it sampled flat.
    let time_ns = estimates.as_ref().and_then(|e| {
        e.pointer("/slope/point_estimate")
            .or_else(|| e.pointer("/mean/point_estimate"))?
            .as_f64()
    });
    let benchmark = read_json(&new.join("benchmark.json"));
    if time_ns.is_some() && benchmark.is_none() {
        eprintln!(
            "bench-report: warning: no {}; assuming 1 element per iteration",
            new.join("benchmark.json").display()
        );
    }
    let elements = benchmark
        .as_ref()
        .and_then(|b| b.pointer("/throughput/Elements")?.as_f64());
    Bench {
        time_ns,
        elements: elements.filter(|e| *e > 0.0).unwrap_or(1.0),
        side: read_json(&dir.join("wpool.json")),
    }
}

/// A JSON file, or `None` if it is missing (silently) or unreadable (with a
/// warning).
fn read_json(path: &Path) -> Option<Value> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            eprintln!("bench-report: warning: cannot read {}: {e}", path.display());
            return None;
        }
    };
    serde_json::from_str(&text)
        .map_err(|e| {
            eprintln!(
                "bench-report: warning: {} is not valid JSON: {e}",
                path.display()
            )
        })
        .ok()
}

// ---------------------------------------------------------------------------
// Number formatting

/// ns: 1 decimal below 100, none above.
fn fmt_ns(v: f64) -> String {
    if v < 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

/// µs: 1 decimal up to 1000, none above.
fn fmt_us(v: f64) -> String {
    if v <= 1000.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

/// ms: 2 decimals below 1, 1 below 100, none above.
fn fmt_ms(v: f64) -> String {
    if v < 1.0 {
        format!("{v:.2}")
    } else {
        fmt_ns(v)
    }
}

/// A rate (per second), as a plain integer.
fn fmt_rate(v: f64) -> String {
    format!("{v:.0}")
}

fn fmt_2(v: f64) -> String {
    format!("{v:.2}")
}

/// Two decimals below 10, so a ratio just under a bar (1.48×) does not read
/// as the bar itself.
fn fmt_ratio(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.2}×")
    } else if v < 100.0 {
        format!("{v:.1}×")
    } else {
        format!("{v:.0}×")
    }
}

// ---------------------------------------------------------------------------
// The Markdown

/// One row of the table.
struct Row {
    label: String,
    cells: Vec<String>,
}

impl Row {
    /// A row with `value(id)` in each column, formatted by `fmt`.
    fn new(
        label: impl Into<String>,
        value: impl Fn(&str) -> Option<f64>,
        fmt: fn(f64) -> String,
    ) -> Row {
        let cells = IMPLS
            .iter()
            .map(|i| value(i.id).map_or_else(|| DASH.to_string(), fmt));
        Row {
            label: label.into(),
            cells: cells.collect(),
        }
    }
}

fn table_rows(r: &Results) -> Vec<Row> {
    let mut rows: Vec<Row> = EMPTY
        .iter()
        .map(|(group, shape)| {
            Row::new(
                format!("Empty jobs, {shape}: ns/job"),
                |id| r.ns_per_elem(group, id),
                fmt_ns,
            )
        })
        .collect();
    let single = r.jobs_per_sec(SINGLE).map_or_else(
        || "not measured".to_string(),
        |v| format!("{} jobs/s", fmt_rate(v)),
    );
    let window = r
        .idle_window_ms()
        .map_or_else(|| "idle window".to_string(), |w| format!("{w:.0} ms"));
    rows.extend([
        Row::new(
            "4 µs CPU jobs, 1P/2W: jobs/s",
            |id| r.jobs_per_sec(id),
            fmt_rate,
        ),
        Row::new(
            format!("4 µs CPU jobs, 1P/2W: efficiency (jobs/s ÷ 2 × single thread, {single})"),
            |id| r.efficiency(id),
            fmt_2,
        ),
        Row::new(
            "Submit with both workers blocked: ns/submit",
            |id| r.ns_per_elem(SUBMIT, id),
            fmt_ns,
        ),
        Row::new(
            "High wait under 5 ms Low saturation: p50 µs",
            |id| r.wait_us(id, "p50_ns"),
            fmt_us,
        ),
        Row::new(
            "High wait under 5 ms Low saturation: p99 µs",
            |id| r.wait_us(id, "p99_ns"),
            fmt_us,
        ),
        Row::new(
            "High wait under 5 ms Low saturation: max µs",
            |id| r.wait_us(id, "max_ns"),
            fmt_us,
        ),
        Row::new(
            "High end to end (300 µs jobs) under 5 ms Low saturation: p50 µs",
            |id| r.e2e_us(id, "p50_ns"),
            fmt_us,
        ),
        Row::new(
            "High end to end (300 µs jobs) under 5 ms Low saturation: p99 µs",
            |id| r.e2e_us(id, "p99_ns"),
            fmt_us,
        ),
        Row::new(
            "High end to end (300 µs jobs) under 5 ms Low saturation: max µs",
            |id| r.e2e_us(id, "max_ns"),
            fmt_us,
        ),
        Row::new(
            "High end to end (300 µs jobs) alone: p99 µs",
            |id| r.e2e_us(id, "alone_p99_ns"),
            fmt_us,
        ),
        Row::new(
            "High end to end: p99 under load ÷ p99 alone",
            |id| r.e2e_ratio(id),
            fmt_2,
        ),
        Row::new(
            "Burst of 10⁶ jobs into an idle pool: drain ms",
            |id| r.drain_ms(id),
            fmt_ms,
        ),
        Row::new(
            format!("Burst, then idle: CPU ms in the {window} after"),
            |id| r.idle_cpu_ms(id),
            fmt_ms,
        ),
        Row::new(
            "Heap allocations per job (empty jobs, 1P/1W)",
            |id| r.allocs_per_job(id),
            fmt_2,
        ),
    ]);
    rows
}

/// Escapes the characters Markdown would take for formatting.
fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\`*_[]<>|".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// What the table's figures are.
const FIGURES: &str = "Figures are criterion's estimates (the slope of its linear sampling, \
                       the mean for the two flat-sampled groups); – = not measured.";

/// The line above the table: machine, commit, date, compiler.
fn intro(r: &Results) -> String {
    if r.run.is_none() {
        return format!("Machine and commit unknown (no `wpool-run.json`). {FIGURES}");
    }
    let field = |key| {
        r.run_field(key)
            .map_or_else(|| "unknown".to_string(), |v| md_escape(&v))
    };
    let dirty = if r.dirty() {
        " (uncommitted changes)"
    } else {
        ""
    };
    format!(
        "Measured on {} ({} CPUs, kernel {}), commit `{}`{dirty}, {}, {}. {FIGURES}",
        field("cpu"),
        field("cpus"),
        field("kernel"),
        r.run_field("commit")
            .unwrap_or_else(|| "unknown".into())
            .replace('`', "'"),
        field("date"),
        field("rustc"),
    )
}

fn table(r: &Results) -> String {
    let mut out = String::from("| |");
    for i in &IMPLS {
        let _ = write!(out, " {} |", i.header);
    }
    out.push_str("\n|---|");
    out.push_str(&"--:|".repeat(IMPLS.len()));
    out.push('\n');
    for row in table_rows(r) {
        let _ = writeln!(out, "| {} | {} |", row.label, row.cells.join(" | "));
    }
    out
}

/// Everything between the markers.
fn markdown(r: &Results) -> String {
    let mut out = intro(r);
    out.push_str("\n\n");
    out.push_str(&table(r));
    out.push_str(
        "\nP = producer threads, W = worker threads. The High wait is the queue wait of a \
         High-priority job submitted every ms while both workers run 5 ms Low jobs. High end \
         to end is the time from submit until the work is done of a High job of ~300 µs of \
         CPU work submitted every 2 ms, under the same Low load and alone (the same stream \
         in the same pool, no Low job). These percentiles, the idle CPU and the \
         allocations are the benchmark's own counts (`wpool.json`), not criterion \
         estimates.\n\n",
    );
    out.push_str("**Bars** (computed from the figures above):\n\n");
    for line in bars(r) {
        let _ = writeln!(out, "- {line}");
    }
    out
}

/// Replaces what is between the marker lines of the README by `md`.
fn write_readme(path: &Path, md: &str) -> Result<(), String> {
    let text =
        fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let spliced = splice(&text, md).map_err(|e| format!("{}: {e}", path.display()))?;
    fs::write(path, spliced).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// `text` with everything between the begin and end marker lines replaced.
fn splice(text: &str, md: &str) -> Result<String, String> {
    let missing = |m: &str| {
        format!("no line `{m}`; put the lines `{BEGIN_MARKER}` and `{END_MARKER}` where the benchmark table goes")
    };
    let (_, after_begin) = find_line(text, BEGIN_MARKER, 0).ok_or_else(|| missing(BEGIN_MARKER))?;
    let (end_start, _) =
        find_line(text, END_MARKER, after_begin).ok_or_else(|| missing(END_MARKER))?;
    let head = &text[..after_begin];
    let sep = if head.ends_with('\n') { "" } else { "\n" };
    Ok(format!("{head}{sep}\n{md}\n{}", &text[end_start..]))
}

/// The byte range of the first line at or after `from` that reads `marker`
/// (surrounding blanks aside), its newline included.
fn find_line(text: &str, marker: &str, from: usize) -> Option<(usize, usize)> {
    let mut start = from;
    for line in text[from..].split_inclusive('\n') {
        let end = start + line.len();
        if line.trim() == marker {
            return Some((start, end));
        }
        start = end;
    }
    None
}

// ---------------------------------------------------------------------------
// The bars

fn verdict(pass: bool) -> &'static str {
    if pass {
        "✅ pass"
    } else {
        "❌ miss"
    }
}

/// The peer with the lowest `value`.
fn best_peer(value: impl Fn(&str) -> Option<f64>) -> Option<(&'static str, f64)> {
    let measured = IMPLS
        .iter()
        .filter(|i| !i.ours)
        .filter_map(|i| Some((i.id, value(i.id)?)));
    measured.min_by(|a, b| a.1.total_cmp(&b.1))
}

fn ours() -> impl Iterator<Item = &'static str> {
    IMPLS.iter().filter(|i| i.ours).map(|i| i.id)
}

/// Bar 1: our ns per job (or submit) against the fastest peer's.
fn speed_bar(r: &Results, title: &str, group: &str, unit: &str) -> String {
    let peer = best_peer(|id| r.ns_per_elem(group, id));
    let verdicts = ours().map(|id| match (r.ns_per_elem(group, id), peer) {
        (None, _) => format!("`{id}` not measured"),
        (Some(ns), None) => format!("`{id}` {} {unit}, not measured (no peer)", fmt_ns(ns)),
        (Some(ns), Some((_, peer_ns))) => {
            let ratio = peer_ns / ns;
            format!(
                "`{id}` {} {unit} → {} {}",
                fmt_ns(ns),
                fmt_ratio(ratio),
                verdict(ratio >= SPEED_BAR)
            )
        }
    });
    let verdicts = verdicts.collect::<Vec<_>>().join("; ");
    let peer = peer.map_or_else(
        || "no peer measured".into(),
        |(p, ns)| format!("fastest peer `{p}` {} {unit}", fmt_ns(ns)),
    );
    format!("{title} (bar: fastest peer ÷ ours ≥ {SPEED_BAR}×): {peer}; {verdicts}")
}

/// Bar 2: CPU efficiency of `wpool`, with `wpool-sys`'s alongside.
fn efficiency_bar(r: &Results) -> String {
    let wpool = r.efficiency("wpool").map_or_else(
        || "`wpool` not measured".into(),
        |e| format!("`wpool` {e:.3} {}", verdict(e >= EFFICIENCY_BAR)),
    );
    let sys = r
        .efficiency("wpool-sys")
        .map_or_else(|| "not measured".into(), |e| format!("{e:.3}"));
    format!("4 µs CPU jobs, 1P/2W, efficiency (bar: `wpool` ≥ {EFFICIENCY_BAR}): {wpool}; `wpool-sys` {sys}")
}

/// Bar 3: High p99 wait against the best peer's.
fn p99_bar(r: &Results) -> String {
    let title =
        format!("High p99 wait under Low saturation (bar: best peer ÷ `wpool` ≥ {P99_BAR}×)");
    let peer = best_peer(|id| r.wait_us(id, "p99_ns"));
    let verdict = match (r.wait_us("wpool", "p99_ns"), peer) {
        (None, _) => "`wpool` not measured".to_string(),
        (Some(us), None) => format!("`wpool` {} µs, not measured (no peer)", fmt_us(us)),
        (Some(us), Some((p, peer_us))) => {
            let ratio = peer_us / us;
            format!(
                "`wpool` {} µs, best peer `{p}` {} µs → {} {}",
                fmt_us(us),
                fmt_us(peer_us),
                fmt_ratio(ratio),
                verdict(ratio >= P99_BAR)
            )
        }
    };
    format!("{title}: {verdict}")
}

/// Bar 4: heap allocations per job.
fn alloc_bar(r: &Results) -> String {
    let one = |id: &str, bar: &str, pass: fn(f64) -> bool| {
        r.allocs_per_job(id).map_or_else(
            || format!("`{id}` not measured"),
            |a| format!("`{id}` {} (bar: {bar}) {}", fmt_2(a), verdict(pass(a))),
        )
    };
    // Exact: the counts are whole allocations over a known number of jobs.
    let sys = one("wpool-sys", "0", |a| a == 0.0);
    let wpool = one("wpool", "≤ 1", |a| a <= 1.0);
    format!("Heap allocations per job, empty jobs 1P/1W: {sys}; {wpool}")
}

fn bars(r: &Results) -> Vec<String> {
    let mut lines: Vec<String> = EMPTY
        .iter()
        .map(|(group, shape)| speed_bar(r, &format!("Empty jobs {shape}"), group, "ns/job"))
        .collect();
    lines.push(speed_bar(
        r,
        "Submit with workers blocked",
        SUBMIT,
        "ns/submit",
    ));
    lines.push(efficiency_bar(r));
    lines.push(p99_bar(r));
    lines.push(alloc_bar(r));
    lines
}

// ---------------------------------------------------------------------------
// The plot, drawn with `plotters`: a panel per scenario, a horizontal bar per
// implementation (three for the empty jobs), log-scale value axes.

const WIDTH: u32 = 900;
const MARGIN: i32 = 12;
const HEADER_H: u32 = 74;
/// The bars start here; the implementation labels end left of it.
const PLOT_X0: u32 = 200;
/// Right of the axis: room for the value labels.
const VALUE_W: u32 = 90;
const TITLE_H: u32 = 26;
const ROW_H: f64 = 16.0;
const BAR_H: f64 = 11.0;
const GROUP_GAP: f64 = 5.0;
const AXIS_H: u32 = 18;
const PANEL_GAP: u32 = 18;
const FONT: &str = "Helvetica, Arial, sans-serif";

/// One bar: a value, maybe a sub-label (the shape) and a tick (p50).
struct Bar {
    sub: Option<&'static str>,
    value: f64,
    tick: Option<f64>,
    label: String,
}

/// The bars of one implementation in one panel.
struct Series {
    imp: &'static Impl,
    bars: Vec<Bar>,
}

struct Panel {
    title: String,
    series: Vec<Series>,
    /// A dashed reference line (the CPU panel's 2 × single thread).
    reference: Option<f64>,
}

impl Panel {
    /// One bar per implementation with a (positive) `value`.
    fn simple(title: &str, value: impl Fn(&str) -> Option<f64>, fmt: fn(f64) -> String) -> Panel {
        let series = IMPLS.iter().filter_map(|imp| {
            let v = value(imp.id).filter(|v| plottable(*v))?;
            let bar = Bar {
                sub: None,
                value: v,
                tick: None,
                label: fmt(v),
            };
            Some(Series {
                imp,
                bars: vec![bar],
            })
        });
        Panel {
            title: title.into(),
            series: series.collect(),
            reference: None,
        }
    }

    /// Every value the axis must cover.
    fn values(&self) -> impl Iterator<Item = f64> + '_ {
        let bars = self.series.iter().flat_map(|s| &s.bars);
        let bars = bars.flat_map(|b| [Some(b.value), b.tick]);
        bars.chain([self.reference]).flatten()
    }

    /// Each series with the offsets from the plot's top of its bars' rows.
    fn rows(&self) -> impl Iterator<Item = (&Series, Vec<f64>)> {
        let mut top = 0.0;
        self.series.iter().map(move |s| {
            let rows = (0..s.bars.len()).map(|i| top + i as f64 * ROW_H).collect();
            top += s.bars.len() as f64 * ROW_H + GROUP_GAP;
            (s, rows)
        })
    }

    fn plot_height(&self) -> f64 {
        let bars: usize = self.series.iter().map(|s| s.bars.len()).sum();
        bars as f64 * ROW_H + self.series.len().saturating_sub(1) as f64 * GROUP_GAP
    }

    fn height(&self) -> u32 {
        TITLE_H + self.plot_height().ceil() as u32 + AXIS_H + PANEL_GAP
    }
}

fn plottable(v: f64) -> bool {
    v.is_finite() && v > 0.0
}

fn panels(r: &Results) -> Vec<Panel> {
    vec![
        empty_panel(r),
        cpu_panel(r),
        Panel::simple(
            "Submit with both workers blocked: ns per submit, lower is better",
            |id| r.ns_per_elem(SUBMIT, id),
            fmt_ns,
        ),
        high_panel(r),
        e2e_panel(r),
        Panel::simple(
            "Burst of 10⁶ empty jobs into an idle pool, 2 workers: drain ms, lower is better",
            |id| r.drain_ms(id),
            fmt_ms,
        ),
    ]
}

/// The three shapes of empty jobs, grouped per implementation.
fn empty_panel(r: &Results) -> Panel {
    let series = IMPLS.iter().filter_map(|imp| {
        let bars = EMPTY.iter().filter_map(|(group, shape)| {
            let v = r.ns_per_elem(group, imp.id).filter(|v| plottable(*v))?;
            Some(Bar {
                sub: Some(shape),
                value: v,
                tick: None,
                label: fmt_ns(v),
            })
        });
        let bars: Vec<Bar> = bars.collect();
        (!bars.is_empty()).then_some(Series { imp, bars })
    });
    Panel {
        title: "Empty jobs (P producers / W workers): ns per job, lower is better".into(),
        series: series.collect(),
        reference: None,
    }
}

fn cpu_panel(r: &Results) -> Panel {
    let mut panel = Panel::simple(
        "4 µs CPU jobs, 1P/2W: jobs/s (efficiency), higher is better",
        |id| r.jobs_per_sec(id),
        fmt_rate,
    );
    for s in &mut panel.series {
        if let Some(e) = r.efficiency(s.imp.id) {
            let _ = write!(s.bars[0].label, " ({})", fmt_2(e));
        }
    }
    panel.reference = r.jobs_per_sec(SINGLE).map(|v| 2.0 * v);
    if panel.reference.is_some() {
        panel.title.push_str("; dashed: 2 × single thread");
    }
    panel
}

fn high_panel(r: &Results) -> Panel {
    let mut panel = Panel::simple(
        "High-priority wait while 2 workers run 5 ms Low jobs: p99 µs (tick: p50), lower is better",
        |id| r.wait_us(id, "p99_ns"),
        fmt_us,
    );
    for s in &mut panel.series {
        s.bars[0].tick = r.wait_us(s.imp.id, "p50_ns").filter(|v| plottable(*v));
    }
    panel
}

fn e2e_panel(r: &Results) -> Panel {
    let mut panel = Panel::simple(
        "High jobs of 300 µs end to end, 5 ms Low jobs on 2 workers: p99 µs (tick: p99 alone), \
         lower is better",
        |id| r.e2e_us(id, "p99_ns"),
        fmt_us,
    );
    for s in &mut panel.series {
        s.bars[0].tick = r.e2e_us(s.imp.id, "alone_p99_ns").filter(|v| plottable(*v));
        if let Some(ratio) = r.e2e_ratio(s.imp.id) {
            let _ = write!(s.bars[0].label, " ({} alone)", fmt_ratio(ratio));
        }
    }
    panel
}

/// The whole decades around `values`, at least one apart.
fn decades(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (min, max) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let lo = min.log10().floor();
    let hi = max.log10().ceil().max(lo + 1.0);
    (10f64.powf(lo), 10f64.powf(hi))
}

/// A decade as a short label: 0.1, 1, 10, 1k, 10M, ...
fn fmt_decade(v: f64) -> String {
    let e = v.log10().round() as i32;
    match e {
        9.. => format!("{}G", 10i64.pow((e - 9) as u32)),
        6.. => format!("{}M", 10i64.pow((e - 6) as u32)),
        3.. => format!("{}k", 10i64.pow((e - 3) as u32)),
        0.. => format!("{}", 10i64.pow(e as u32)),
        _ => format!("{v:.*}", (-e) as usize),
    }
}

/// The two lines under the plot's title: commit, date and compiler; machine.
fn svg_subtitle(r: &Results) -> [String; 2] {
    if r.run.is_none() {
        return [
            "machine and commit unknown (no wpool-run.json)".into(),
            String::new(),
        ];
    }
    let field = |key| r.run_field(key).unwrap_or_else(|| "unknown".into());
    let dirty = if r.dirty() {
        " (uncommitted changes)"
    } else {
        ""
    };
    [
        format!(
            "commit {}{dirty} · {} · {}",
            field("commit"),
            field("date"),
            field("rustc")
        ),
        format!(
            "{} · {} CPUs · kernel {}",
            field("cpu"),
            field("cpus"),
            field("kernel")
        ),
    ]
}

/// A `px`-pixel font (plotters' SVG writes `font-size` as the size ÷ 1.24).
fn font(px: f64, bold: bool, grey: u8) -> TextStyle<'static> {
    let style = if bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    let font = (FONT, px * 1.24).into_font().style(style);
    font.color(&RGBColor(grey, grey, grey))
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Drawn = Result<(), DrawingAreaErrorKind<std::io::Error>>;

fn svg(r: &Results, panels: &[Panel]) -> Result<String, String> {
    let height = HEADER_H + panels.iter().map(Panel::height).sum::<u32>();
    let mut out = String::new();
    draw(&mut out, height, r, panels).map_err(|e| format!("cannot draw the plot: {e}"))?;
    Ok(out)
}

fn draw(out: &mut String, height: u32, r: &Results, panels: &[Panel]) -> Drawn {
    let root = SVGBackend::with_string(out, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let title = "wpool against other Rust thread pools: criterion estimates, log-scale axes";
    root.draw(&Text::new(title, (MARGIN, 10), font(17.0, true, 0x11)))?;
    for (i, sub) in svg_subtitle(r).into_iter().enumerate() {
        let y = 33 + 15 * i as i32;
        root.draw(&Text::new(sub, (MARGIN, y), font(11.5, false, 0x55)))?;
    }
    let mut rest = root.split_vertically(HEADER_H).1;
    for panel in panels {
        let (area, below) = rest.split_vertically(panel.height());
        draw_panel(&area, panel)?;
        rest = below;
    }
    root.present()
}

fn draw_panel(area: &Area, panel: &Panel) -> Drawn {
    let title = panel.title.as_str();
    area.draw(&Text::new(title, (MARGIN, 4), font(13.0, true, 0x22)))?;
    let body = area.split_vertically(TITLE_H).1;
    if panel.series.is_empty() {
        let note = font(11.0, false, 0x88);
        return body.draw(&Text::new("not measured", (PLOT_X0 as i32, 2), note));
    }
    let h = panel.plot_height();
    let (lo, hi) = decades(panel.values());
    let mut chart = ChartBuilder::on(&body)
        .margin_left(PLOT_X0)
        .margin_right(VALUE_W)
        .margin_bottom(PANEL_GAP)
        .x_label_area_size(AXIS_H)
        .build_cartesian_2d((lo..hi).log_scale(), 0.0..h)?;
    let axis_labels = (hi / lo).log10().round() as usize + 1;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .disable_y_axis()
        .x_labels(axis_labels)
        .x_max_light_lines(0)
        .x_label_formatter(&|v| fmt_decade(*v))
        .x_label_style(font(10.0, false, 0x66))
        .bold_line_style(RGBColor(0xe2, 0xe2, 0xe2))
        .axis_style(RGBColor(0x99, 0x99, 0x99))
        .draw()?;

    // The plot's y runs up from its bottom; rows are laid out from its top.
    let y = |from_top: f64| h - from_top;
    let plot = chart.plotting_area();
    for (series, rows) in panel.rows() {
        for (bar, top) in series.bars.iter().zip(rows) {
            let (y0, y1) = (
                y(top + (ROW_H - BAR_H) / 2.0),
                y(top + (ROW_H + BAR_H) / 2.0),
            );
            // At least a sliver, should a value sit on the axis's first decade.
            let rect = [(lo, y0), (bar.value.max(lo * 1.01), y1)];
            plot.draw(&Rectangle::new(rect, series.imp.colour.filled()))?;
            if let Some(t) = bar.tick {
                let tick = vec![(t, y0 + 1.5), (t, y1 - 1.5)];
                plot.draw(&PathElement::new(tick, BLACK.stroke_width(2)))?;
            }
        }
    }
    if let Some(v) = panel.reference {
        let line = vec![(v, y(-4.0)), (v, y(h + 3.0))];
        let style = RGBColor(0x33, 0x33, 0x33).stroke_width(1);
        plot.draw(&DashedPathElement::new(line, 4, 3, style))?;
    }
    // The labels last, over the bars and the reference line; `dx` is in
    // pixels from the point `at`.
    let label = |at: (f64, f64), dx: i32, text: &str, style: TextStyle, h_pos| {
        let style = style.pos(Pos::new(h_pos, VPos::Center));
        plot.draw(&(EmptyElement::at(at) + Text::new(text.to_string(), (dx, 0), style)))
    };
    for (series, rows) in panel.rows() {
        for (bar, &top) in series.bars.iter().zip(&rows) {
            let mid = y(top + ROW_H / 2.0);
            label(
                (bar.value, mid),
                4,
                &bar.label,
                font(11.0, false, 0x33),
                HPos::Left,
            )?;
            if let Some(sub) = bar.sub {
                label((lo, mid), -6, sub, font(10.0, false, 0x77), HPos::Right)?;
            }
        }
        let has_sub = series.bars.iter().any(|b| b.sub.is_some());
        let dx = if has_sub { -44 } else { -6 };
        let mid = y((rows[0] + rows[rows.len() - 1] + ROW_H) / 2.0);
        let style = font(12.0, series.imp.ours, 0x22);
        label((lo, mid), dx, series.imp.label, style, HPos::Right)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A criterion directory under the system's temp dir, removed on drop.
    struct Fixture(PathBuf);

    impl Fixture {
        fn new(name: &str) -> Fixture {
            let dir = env::temp_dir().join(format!("bench-report-{}-{name}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            Fixture(dir)
        }

        /// A benchmark with criterion's files: `slope` (None: flat
        /// sampling) and `mean` in ns per iteration.
        fn bench(&self, group: &str, id: &str, slope: Option<f64>, mean: f64, elements: u64) {
            let new = self.0.join(group).join(id).join("new");
            fs::create_dir_all(&new).unwrap();
            let slope = slope.map_or("null".into(), |s| format!("{{\"point_estimate\":{s}}}"));
            let estimates = format!(
                "{{\"mean\":{{\"point_estimate\":{mean}}},\"median\":{{\"point_estimate\":1.0}},\"slope\":{slope}}}"
            );
            fs::write(new.join("estimates.json"), estimates).unwrap();
            let benchmark = format!("{{\"throughput\":{{\"Elements\":{elements}}}}}");
            fs::write(new.join("benchmark.json"), benchmark).unwrap();
        }

        fn side(&self, group: &str, id: &str, json: &str) {
            let dir = self.0.join(group).join(id);
            fs::create_dir_all(&dir).unwrap();
            fs::write(dir.join("wpool.json"), json).unwrap();
        }

        fn load(&self) -> Results {
            Results::load(&self.0).unwrap()
        }
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn splice_replaces_only_between_the_markers() {
        let text = format!("# Title\n\n{BEGIN_MARKER}\nold table\n{END_MARKER}\n\nafter\n");
        let out = splice(&text, "NEW").unwrap();
        assert_eq!(
            out,
            format!("# Title\n\n{BEGIN_MARKER}\n\nNEW\n{END_MARKER}\n\nafter\n")
        );
        // Idempotent: splicing the same table again changes nothing.
        assert_eq!(splice(&out, "NEW").unwrap(), out);
    }

    #[test]
    fn splice_refuses_missing_or_reversed_markers() {
        assert!(splice("no markers\n", "x").is_err());
        assert!(splice(&format!("{BEGIN_MARKER}\nonly the start\n"), "x").is_err());
        let reversed = format!("{END_MARKER}\n{BEGIN_MARKER}\n");
        assert!(splice(&reversed, "x").is_err());
    }

    #[test]
    fn estimates_prefer_the_slope_and_divide_by_the_elements() {
        let f = Fixture::new("estimates");
        f.bench("empty_1p1w", "wpool", Some(20.0), 30.0, 1);
        f.bench(HIGH, "wpool", None, 2500.0, 1);
        f.bench(BURST, "wpool", None, 40e6, 1_000_000);
        let r = f.load();
        assert_eq!(r.ns_per_elem("empty_1p1w", "wpool"), Some(20.0));
        assert_eq!(r.ns_per_elem(HIGH, "wpool"), Some(2500.0));
        assert_eq!(r.ns_per_elem(BURST, "wpool"), Some(40.0));
        assert_eq!(r.drain_ms("wpool"), Some(40.0));
        assert_eq!(r.ns_per_elem("empty_1p1w", "rayon"), None);
        assert_eq!(r.found(), 3);
    }

    #[test]
    fn speed_bar_compares_with_the_fastest_peer() {
        let f = Fixture::new("speed");
        f.bench("empty_1p1w", "wpool", Some(30.0), 30.0, 1);
        f.bench("empty_1p1w", "wpool-sys", Some(25.0), 25.0, 1);
        f.bench("empty_1p1w", "crossbeam-channel", Some(60.0), 60.0, 1);
        f.bench("empty_1p1w", "rayon", Some(300.0), 300.0, 1);
        let line = speed_bar(&f.load(), "Empty", "empty_1p1w", "ns/job");
        assert!(
            line.contains("fastest peer `crossbeam-channel` 60.0"),
            "{line}"
        );
        assert!(
            line.contains("`wpool` 30.0 ns/job → 2.00× ✅ pass"),
            "{line}"
        );
        assert!(
            line.contains("`wpool-sys` 25.0 ns/job → 2.40× ✅ pass"),
            "{line}"
        );

        f.bench("empty_1p1w", "threadpool", Some(40.0), 40.0, 1);
        let line = speed_bar(&f.load(), "Empty", "empty_1p1w", "ns/job");
        assert!(line.contains("fastest peer `threadpool`"), "{line}");
        assert!(
            line.contains("`wpool` 30.0 ns/job → 1.33× ❌ miss"),
            "{line}"
        );
    }

    #[test]
    fn efficiency_is_against_twice_the_single_thread_rate() {
        let f = Fixture::new("efficiency");
        f.bench(CPU, SINGLE, Some(4000.0), 4000.0, 1);
        f.bench(CPU, "wpool", Some(2100.0), 2100.0, 1);
        f.bench(CPU, "wpool-sys", Some(2000.0), 2000.0, 1);
        let r = f.load();
        assert!((r.efficiency("wpool").unwrap() - 4000.0 / 4200.0).abs() < 1e-12);
        let line = efficiency_bar(&r);
        assert!(line.contains("`wpool` 0.952 ✅ pass"), "{line}");
        assert!(line.contains("`wpool-sys` 1.000"), "{line}");

        f.bench(CPU, "wpool", Some(2120.0), 2120.0, 1);
        let line = efficiency_bar(&f.load());
        assert!(line.contains("`wpool` 0.943 ❌ miss"), "{line}");
    }

    #[test]
    fn p99_bar_uses_the_side_files() {
        let f = Fixture::new("p99");
        f.bench(HIGH, "wpool", None, 3000.0, 1);
        f.side(
            HIGH,
            "wpool",
            r#"{"p50_ns":2000,"p99_ns":10000,"max_ns":90000}"#,
        );
        f.side(HIGH, "rayon", r#"{"p50_ns":7e7,"p99_ns":8e7,"max_ns":9e7}"#);
        f.side(
            HIGH,
            "std-thread",
            r#"{"p50_ns":1e5,"p99_ns":150000,"max_ns":1e6}"#,
        );
        let line = p99_bar(&f.load());
        assert!(
            line.contains("best peer `std-thread` 150.0 µs → 15.0× ❌ miss"),
            "{line}"
        );

        f.side(
            HIGH,
            "std-thread",
            r#"{"p50_ns":1e5,"p99_ns":250000,"max_ns":1e6}"#,
        );
        let line = p99_bar(&f.load());
        assert!(line.contains("→ 25.0× ✅ pass"), "{line}");
    }

    #[test]
    fn e2e_rows_read_the_side_files() {
        let f = Fixture::new("e2e");
        f.bench(HIGH_E2E, "wpool", None, 330_000.0, 1);
        f.side(
            HIGH_E2E,
            "wpool",
            r#"{"p50_ns":320000,"p99_ns":450000,"max_ns":900000,"alone_p99_ns":300000}"#,
        );
        f.side(
            HIGH_E2E,
            "rayon",
            r#"{"p50_ns":2e6,"p99_ns":5e6,"max_ns":6e6}"#,
        );
        let r = f.load();
        assert_eq!(r.e2e_ratio("wpool"), Some(1.5));
        assert_eq!(r.e2e_ratio("rayon"), None); // no alone figure
        let md = markdown(&r);
        let row = |label: &str| {
            md.lines()
                .find(|l| l.starts_with(&format!("| {label} |")))
                .unwrap_or_else(|| panic!("no row {label} in {md}"))
                .to_string()
        };
        let p99 = row("High end to end (300 µs jobs) under 5 ms Low saturation: p99 µs");
        assert!(p99.starts_with(&format!("| High end to end (300 µs jobs) under 5 ms Low saturation: p99 µs | 450.0 | {DASH} |")), "{p99}");
        assert!(p99.contains("| 5000 |"), "{p99}");
        let ratio = row("High end to end: p99 under load ÷ p99 alone");
        assert!(ratio.contains("| 1.50 |"), "{ratio}");
        let svg = svg(&r, &panels(&r)).unwrap();
        assert!(svg.contains("450.0 (1.50× alone)"), "{svg}");
    }

    #[test]
    fn allocation_bars_are_exact() {
        let f = Fixture::new("allocs");
        f.bench("empty_1p1w", "wpool", Some(30.0), 30.0, 1);
        f.side(
            "empty_1p1w",
            "wpool-sys",
            r#"{"allocs_per_job":0.00005,"jobs":20000}"#,
        );
        f.side(
            "empty_1p1w",
            "wpool",
            r#"{"allocs_per_job":1,"jobs":20000}"#,
        );
        let line = alloc_bar(&f.load());
        assert!(line.contains("`wpool-sys` 0.00 (bar: 0) ❌ miss"), "{line}");
        assert!(line.contains("`wpool` 1.00 (bar: ≤ 1) ✅ pass"), "{line}");
    }

    #[test]
    fn missing_figures_read_as_not_measured() {
        let f = Fixture::new("missing");
        f.bench("empty_1p1w", "wpool", Some(30.0), 30.0, 1);
        let r = f.load();
        let md = markdown(&r);
        assert!(md.contains("| 30.0 |"), "{md}");
        assert!(md.contains(DASH));
        assert!(bars(&r).iter().any(|l| l.contains("not measured")));
        assert!(p99_bar(&r).contains("`wpool` not measured"));
    }

    #[test]
    fn the_plot_has_every_panel_and_marks_the_missing_ones() {
        let f = Fixture::new("plot");
        f.bench("empty_1p1w", "wpool", Some(30.0), 30.0, 1);
        f.bench("empty_1p2w", "rayon", Some(100.0), 100.0, 1);
        let r = f.load();
        let panels = panels(&r);
        let svg = svg(&r, &panels).unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.trim_end().ends_with("</svg>"), "{svg}");
        for panel in &panels {
            assert!(svg.contains(&panel.title), "{}", panel.title);
        }
        // plotters writes each text on a line of its own.
        let texts: Vec<&str> = svg.lines().map(str::trim).collect();
        for text in ["30.0", "100", "1P/1W", "1P/2W", "wpool", "rayon"] {
            assert!(texts.contains(&text), "{text}");
        }
        // Five panels without a figure; the machine is unknown.
        let missing = texts.iter().filter(|t| **t == "not measured").count();
        assert_eq!(missing, 5);
        assert!(svg.contains("machine and commit unknown"));
    }

    #[test]
    fn an_empty_directory_is_an_error() {
        let f = Fixture::new("empty");
        assert!(Results::load(&f.0).is_err());
        assert!(Results::load(&f.0.join("nowhere")).is_err());
    }
}
