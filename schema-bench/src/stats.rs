//! Medians and the formatting of times and ratios.

use std::time::Duration;

/// Repeated measurements of one thing.
#[derive(Debug, Clone, Default)]
pub struct Samples(Vec<Duration>);

impl Samples {
    pub fn push(&mut self, d: Duration) {
        self.0.push(d);
    }

    fn sorted(&self) -> Vec<Duration> {
        let mut v = self.0.clone();
        v.sort();
        v
    }

    /// The median (the mean of the two middle values for an even count).
    pub fn median(&self) -> Duration {
        let v = self.sorted();
        match v.len() {
            0 => Duration::ZERO,
            n if n % 2 == 1 => v[n / 2],
            n => (v[n / 2 - 1] + v[n / 2]) / 2,
        }
    }

    pub fn min(&self) -> Duration {
        self.sorted().first().copied().unwrap_or_default()
    }

    pub fn max(&self) -> Duration {
        self.sorted().last().copied().unwrap_or_default()
    }

    /// The sample pushed last (zero when there is none).
    pub fn last(&self) -> Duration {
        self.0.last().copied().unwrap_or_default()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The median of `self[i] / other[i]`: each sample set against the other's from the same
    /// round (fresh applies run the contenders back to back in every round), which cancels the
    /// disk's drift from one round to the next. `None` unless both have as many samples.
    pub fn paired_ratio(&self, other: &Samples) -> Option<f64> {
        if self.0.is_empty() || self.0.len() != other.0.len() {
            return None;
        }
        let mut ratios: Vec<f64> = self
            .0
            .iter()
            .zip(&other.0)
            .map(|(a, b)| ratio(*a, *b))
            .collect();
        ratios.sort_by(f64::total_cmp);
        let n = ratios.len();
        Some(if n % 2 == 1 {
            ratios[n / 2]
        } else {
            (ratios[n / 2 - 1] + ratios[n / 2]) / 2.0
        })
    }

    /// `median (min–max)` when there is more than one sample.
    pub fn show(&self) -> String {
        if self.len() > 1 {
            format!(
                "{} ({}–{})",
                time(self.median()),
                time(self.min()),
                time(self.max())
            )
        } else {
            time(self.median())
        }
    }
}

/// A time with a unit that keeps three significant digits or so.
pub fn time(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 0.01 {
        format!("{:.0} ms", s * 1e3)
    } else if s >= 0.001 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.0} µs", s * 1e6)
    }
}

/// `a / b` as a factor.
pub fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

/// Time per item.
pub fn per(d: Duration, n: usize) -> Duration {
    d / n.max(1) as u32
}
