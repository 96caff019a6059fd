//! Splitting a sweep across machines: shard K of N runs the run ids
//! ≡ K (mod N). K comes from `--shard K/N`, or with `--shards N` from the
//! job array's index (`SLURM_ARRAY_TASK_ID`, or `JOB_COMPLETION_INDEX` for
//! Kubernetes indexed jobs). N is never read from the environment, so a
//! failed task can be re-submitted alone and still be the same shard.

use serde::{Deserialize, Serialize};

/// Environment variables that may carry the shard index, in order.
pub const INDEX_VARIABLES: [&str; 2] = ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"];

/// Shard `index` of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    pub fn new(index: u64, count: u64) -> Result<Self, String> {
        if count == 0 {
            return Err("the number of shards must be at least 1".into());
        }
        if index >= count {
            return Err(format!(
                "shard index {index} is not below the number of shards {count} (indices are 0..{})",
                count - 1
            ));
        }
        Ok(Self { index, count })
    }

    /// Parses `K/N`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("--shard {text}: expected K/N, e.g. --shard 0/4");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let k = k.trim().parse::<u64>().map_err(|_| bad())?;
        let n = n.trim().parse::<u64>().map_err(|_| bad())?;
        Self::new(k, n).map_err(|e| format!("--shard {text}: {e}"))
    }

    /// Shard K of `count`, K read from the first set variable of
    /// [`INDEX_VARIABLES`] through `get`.
    pub fn from_env(count: u64, get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        for var in INDEX_VARIABLES {
            if let Some(value) = get(var) {
                let k = value.trim().parse::<u64>().map_err(|_| {
                    format!("--shards {count}: {var}={value} is not a shard index (a whole number)")
                })?;
                return Self::new(k, count).map_err(|e| {
                    format!("--shards {count}: {var}={value}: {e} (does the job array start at 0?)")
                });
            }
        }
        Err(format!(
            "--shards {count}: neither {} is set; outside a job array use --shard K/{count}",
            INDEX_VARIABLES.join(" nor ")
        ))
    }

    pub fn contains(&self, run_id: u64) -> bool {
        run_id % self.count == self.index
    }

    /// How many of the run ids 0..total are in this shard.
    pub fn len(&self, total: u64) -> u64 {
        if self.index >= total {
            0
        } else {
            (total - self.index).div_ceil(self.count)
        }
    }

    /// The shard's run ids in 0..total, ascending.
    pub fn ids(&self, total: u64) -> impl Iterator<Item = u64> {
        (self.index..total).step_by(usize::try_from(self.count).unwrap_or(usize::MAX))
    }

    /// Name of the shard's output directory under `--out`: `shard-K-of-N`,
    /// K zero-padded so that the directories sort by index.
    pub fn dir_name(&self) -> String {
        let width = (self.count - 1).to_string().len();
        format!("shard-{:0width$}-of-{}", self.index, self.count)
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_count() {
        let s = Shard::parse("1/3").expect("valid");
        assert_eq!(s.ids(10).collect::<Vec<_>>(), [1, 4, 7]);
        assert_eq!(s.len(10), 3);
        assert_eq!(Shard::parse("2/3").expect("valid").len(2), 0);
        assert_eq!(Shard::parse("0/3").expect("valid").len(10), 4);
        assert!(Shard::parse("3/3").is_err());
        assert!(Shard::parse("x").is_err());
        assert!(Shard::parse("0/0").is_err());
        assert_eq!(
            Shard::new(3, 12).expect("valid").dir_name(),
            "shard-03-of-12"
        );
    }

    #[test]
    fn index_from_the_environment() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(name, _)| *name == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let s = Shard::from_env(4, env(&[("JOB_COMPLETION_INDEX", "2")])).expect("valid");
        assert_eq!(s, Shard { index: 2, count: 4 });
        let s = Shard::from_env(
            4,
            env(&[("SLURM_ARRAY_TASK_ID", "1"), ("JOB_COMPLETION_INDEX", "3")]),
        )
        .expect("valid");
        assert_eq!(s.index, 1, "Slurm first");
        assert!(Shard::from_env(4, env(&[])).is_err());
        let err = Shard::from_env(4, env(&[("SLURM_ARRAY_TASK_ID", "4")])).unwrap_err();
        assert!(err.contains("start at 0"), "{err}");
    }
}
