//! The tables: one per size (fresh applies, no-op boots, the ratios against the targets) and
//! the validation table, the same for every database but for a few words.

use crate::harness::{Phases, SizeResult};
use crate::stats::{per, ratio, time, Samples};
use crate::Contender;

/// A target on a ratio, where one applies.
type Target = Option<fn(f64) -> bool>;

/// The words that differ between databases in the per-size table.
pub struct Labels {
    /// The database's name in the headings.
    pub title: &'static str,
    /// The row of one statement on a held connection.
    pub round_trip: &'static str,
    /// The row of the whole process without a migrator.
    pub none_row: &'static str,
    /// What the first query of any process costs there.
    pub first_query: &'static str,
    /// Whether `all_or_nothing` is held to ≥ 5x over sqlx at N = 1000.
    pub aon_target: bool,
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "yes"
    } else {
        "**no**"
    }
}

pub fn print_size(r: &SizeResult, labels: &Labels) {
    let n = r.n;
    println!("## {}, N = {n}\n", labels.title);
    println!(
        "Files: {}. Every contender left the same {} tables, indexes and views.\n",
        r.mix, r.objects
    );
    println!("| measurement | time | per migration | target | met |");
    println!("|---|---:|---:|---|---|");
    for c in Contender::ALL {
        if let Some(s) = r.fresh(c) {
            println!(
                "| {} | {} | {} | | |",
                c.label(),
                s.show(),
                time(per(s.median(), n))
            );
        }
    }
    if let Some(b) = &r.boots {
        let row = |what: &str, s: &Samples| println!("| {what} | {} | | | |", s.show());
        row("no-op boot, migrator call, this project", &b.calls.schema);
        row("no-op boot, migrator call, sqlx", &b.calls.sqlx);
        row(
            "↳ floor: the probe's one query alone through the pool",
            &b.calls.one_query,
        );
        row(labels.round_trip, &b.calls.round_trip);
        let phases = |what: &str, p: &Phases| {
            row(what, &p.wall);
            println!(
                "| ↳ in the child: load folder {} · connect {} · call {} · close pool {} · rest (exec, runtime, exit) {} | | | | |",
                time(p.load.median()),
                time(p.connect.median()),
                time(p.call.median()),
                time(p.close.median()),
                time(p.rest())
            );
        };
        phases("no-op boot, whole process, this project", &b.schema);
        phases("no-op boot, whole process, sqlx", &b.sqlx);
        phases(labels.none_row, &b.none);
    }
    print_ratios(r, labels);
    println!(
        "\nLoading the folder at run time, outside the in-process timings: `Migrations::load` {}, \
         sqlx `Migrator::new` {}.\n",
        time(r.schema_load),
        time(r.sqlx_load)
    );
}

fn print_ratios(r: &SizeResult, labels: &Labels) {
    let n = r.n;
    // A ratio row: the ratio of medians, and the ratio of minimums (less sensitive to the
    // disk's bursts of latency).
    // `per_round` adds the median of the rounds' own ratios, for fresh applies (the contenders
    // of a round run back to back); the verdict stays on the ratio of medians.
    let row = |what: &str, a: &Samples, b: &Samples, target: &str, ok: Target, per_round: bool| {
        let x = ratio(a.median(), b.median());
        let x_min = ratio(a.min(), b.min());
        let paired = match a.paired_ratio(b) {
            Some(p) if per_round => format!("; per round: {p:.2}x"),
            _ => String::new(),
        };
        println!(
            "| {what} | **{x:.2}x** (of minimums: {x_min:.2}x{paired}) | | {target} | {} |",
            ok.map_or("–", |ok| verdict(ok(x)))
        );
    };
    let ratio_row = |what: &str, a: &Samples, b: &Samples, target: &str, ok: Target| {
        row(what, a, b, target, ok, false)
    };
    let fresh_row = |what: &str, a: &Samples, b: &Samples, target: &str, ok: Target| {
        row(what, a, b, target, ok, true)
    };
    let f = |c| r.fresh(c);
    if let (Some(run), Some(sqlx)) = (f(Contender::SchemaRun), f(Contender::Sqlx)) {
        fresh_row(
            "fresh apply: this project `run` / sqlx",
            run,
            sqlx,
            "≤ 1.0x",
            Some(|x| x <= 1.0),
        );
    }
    if let (Some(run), Some(lower)) = (f(Contender::SchemaRun), f(Contender::LowerPerFile)) {
        fresh_row(
            "fresh apply: this project `run` / lower bound (one tx per file)",
            run,
            lower,
            "≤ 1.15x",
            Some(|x| x <= 1.15),
        );
    }
    if let (Some(floor), Some(lower)) = (f(Contender::LowerRecorded), f(Contender::LowerPerFile)) {
        fresh_row(
            "fresh apply: the floor of recording in each file's transaction (lower bound + tracking rows / lower bound)",
            floor,
            lower,
            "",
            None,
        );
    }
    if let (Some(run), Some(floor)) = (f(Contender::SchemaRun), f(Contender::LowerRecorded)) {
        fresh_row(
            "fresh apply: this project `run` / lower bound + tracking rows",
            run,
            floor,
            "",
            None,
        );
    }
    if let (Some(sqlx), Some(aon)) = (f(Contender::Sqlx), f(Contender::SchemaAon)) {
        let (target, ok): (&str, Target) = if labels.aon_target {
            ("≥ 5x at N = 1000", (n == 1000).then_some(|x| x >= 5.0))
        } else {
            ("", None)
        };
        fresh_row(
            "fresh apply: speed-up of `all_or_nothing` over sqlx (sqlx / this project)",
            sqlx,
            aon,
            target,
            ok,
        );
    }
    if let (Some(aon), Some(lower)) = (f(Contender::SchemaAon), f(Contender::LowerOneTx)) {
        fresh_row(
            "fresh apply: this project `all_or_nothing` / lower bound (one tx for all)",
            aon,
            lower,
            "",
            None,
        );
    }
    if let (Some(sqlx), Some(lower)) = (f(Contender::Sqlx), f(Contender::LowerOneTx)) {
        fresh_row(
            "fresh apply: the most any one-transaction apply can gain over sqlx (sqlx / lower bound, one tx for all)",
            sqlx,
            lower,
            "",
            None,
        );
    }
    if let Some(b) = &r.boots {
        ratio_row(
            "no-op boot, migrator call: this project / sqlx",
            &b.calls.schema,
            &b.calls.sqlx,
            "≤ 0.5x",
            Some(|x| x <= 0.5),
        );
        ratio_row(
            "no-op boot, whole process: this project / sqlx",
            &b.schema.wall,
            &b.sqlx.wall,
            "≤ 0.5x (see notes)",
            Some(|x| x <= 0.5),
        );
        // The child's migrator call beyond what the first query of any process pays (the
        // connect-only child's call).
        let base = b.none.call.median();
        let beyond = |p: &Phases| p.call.median().saturating_sub(base);
        println!(
            "| no-op boot, child's migrator call beyond {} ({}): this project {} / sqlx {} | **{:.2}x** | | | – |",
            labels.first_query,
            time(base),
            time(beyond(&b.schema)),
            time(beyond(&b.sqlx)),
            ratio(beyond(&b.schema), beyond(&b.sqlx))
        );
        if b.calls.new_connections > 0 {
            println!(
                "| **the timed no-op calls opened {} new connection(s)** | | | | |",
                b.calls.new_connections
            );
        }
    }
}

/// The validation table: `intro` says how the histories were set up.
pub fn print_validation(title: &str, intro: &str, rows: &[String]) {
    println!("## {title}, cost of the no-op paths against a long history\n");
    println!("{intro}\n");
    println!(
        "| N | setup: `all_or_nothing` apply | `Migrations::load` | no-op `run` (probe) | `run` with `.target(last)` (full validation) | per migration | `status` | per migration | sqlx no-op `run` | per migration | connections opened while timing |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        println!("{row}");
    }
    println!();
}
