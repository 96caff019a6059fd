//! The memory limit a run is checked against before genesis
//! (`mirage_sim::memory`): `--max-memory SIZE` when given, else the
//! smallest of what the machine can give now (`MemAvailable` in
//! /proc/meminfo), the process's address-space limit (`Max address space`
//! in /proc/self/limits) and its cgroup's limit (cgroup v2 `memory.max`,
//! v1 `memory.limit_in_bytes`). Where none is readable (not Linux), there
//! is no default limit.

use std::path::{Path, PathBuf};

use mirage_sim::memory::MemoryLimit;

/// Parses a size: a number of bytes, or a number with `K`, `M`, `G` or `T`
/// (powers of 1024; `KB`, `KiB`, `k` mean the same), e.g. `1.5G`, `512MiB`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let bad =
        || format!("--max-memory {text}: expected a size such as 4G, 512M or 1073741824 (bytes)");
    let value: f64 = number.parse().map_err(|_| bad())?;
    let unit = unit.trim().to_ascii_lowercase();
    let unit = unit.trim_end_matches('b').trim_end_matches('i');
    let scale: u64 = match unit {
        "" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        "t" => 1 << 40,
        _ => return Err(bad()),
    };
    let bytes = value * scale as f64;
    if !(bytes.is_finite() && bytes >= 1.0 && bytes < u64::MAX as f64) {
        return Err(bad());
    }
    Ok(bytes as u64)
}

/// `--max-memory SIZE` as a limit.
pub fn from_flag(text: &str) -> Result<MemoryLimit, String> {
    Ok(MemoryLimit {
        bytes: parse_size(text)?,
        source: format!("--max-memory {text}"),
    })
}

/// The default limit: the smallest readable one (None when none is).
pub fn default_limit() -> Option<MemoryLimit> {
    default_limit_from(Path::new("/proc"), Path::new("/sys/fs/cgroup"))
}

/// `default_limit` with the roots of /proc and of the cgroup file system.
pub fn default_limit_from(proc: &Path, cgroup_root: &Path) -> Option<MemoryLimit> {
    let read = |p: PathBuf| std::fs::read_to_string(p).ok();
    let mut limits = Vec::new();
    if let Some(kb) = read(proc.join("meminfo")).and_then(|t| {
        t.lines()
            .find_map(|l| l.strip_prefix("MemAvailable:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    }) {
        limits.push(MemoryLimit {
            bytes: kb.saturating_mul(1024),
            source: "the memory available now, MemAvailable in /proc/meminfo".into(),
        });
    }
    if let Some(bytes) = read(proc.join("self/limits")).and_then(|t| {
        t.lines()
            .find_map(|l| l.strip_prefix("Max address space"))
            .and_then(|v| v.split_whitespace().next().and_then(|s| s.parse().ok()))
    }) {
        limits.push(MemoryLimit {
            bytes,
            source: "the process's address-space limit, /proc/self/limits (ulimit -v)".into(),
        });
    }
    if let Some(limit) = cgroup_limit(
        &read(proc.join("self/cgroup")).unwrap_or_default(),
        cgroup_root,
    ) {
        limits.push(limit);
    }
    limits.into_iter().min_by_key(|l| l.bytes)
}

/// The cgroup's memory limit, from /proc/self/cgroup's text: v2
/// (`0::/path` → `<root>/path/memory.max`), else v1 (`N:memory:/path` →
/// `<root>/memory/path/memory.limit_in_bytes`). "max" and the v1 "no
/// limit" value (about 2⁶³) are no limit.
fn cgroup_limit(cgroups: &str, root: &Path) -> Option<MemoryLimit> {
    let mut candidates = Vec::new();
    for line in cgroups.lines() {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        let path = path.trim_start_matches('/');
        if controllers.is_empty() {
            candidates.push(root.join(path).join("memory.max"));
            candidates.push(root.join("memory.max"));
        } else if controllers.split(',').any(|c| c == "memory") {
            candidates.push(root.join("memory").join(path).join("memory.limit_in_bytes"));
            candidates.push(root.join("memory/memory.limit_in_bytes"));
        }
    }
    candidates.into_iter().find_map(|file| {
        let text = std::fs::read_to_string(&file).ok()?;
        let bytes: u64 = text.trim().parse().ok()?;
        (bytes < 1 << 62).then(|| MemoryLimit {
            bytes,
            source: format!("the cgroup's memory limit, {}", file.display()),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_powers_of_1024() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("4G"), Ok(4 << 30));
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("1.5gb"), Ok(3 << 29));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("0").is_err());
        assert!(parse_size("-1G").is_err());
    }

    #[test]
    fn the_default_is_the_smallest_readable_limit() -> std::io::Result<()> {
        let tmp = tempfile::tempdir()?;
        let proc = tmp.path().join("proc");
        let cg = tmp.path().join("cg");
        std::fs::create_dir_all(proc.join("self"))?;
        std::fs::create_dir_all(cg.join("job"))?;
        std::fs::write(
            proc.join("meminfo"),
            "MemTotal: 9 kB\nMemAvailable:    4096 kB\n",
        )?;
        std::fs::write(
            proc.join("self/limits"),
            "Max address space         unlimited            unlimited            bytes\n",
        )?;
        std::fs::write(proc.join("self/cgroup"), "0::/job\n")?;
        std::fs::write(cg.join("job/memory.max"), "max\n")?;
        let l = default_limit_from(&proc, &cg).expect("meminfo");
        assert_eq!(l.bytes, 4096 * 1024);
        assert!(l.source.contains("MemAvailable"), "{}", l.source);
        std::fs::write(cg.join("job/memory.max"), "1048576\n")?;
        let l = default_limit_from(&proc, &cg).expect("cgroup");
        assert_eq!(l.bytes, 1 << 20);
        assert!(l.source.contains("memory.max"), "{}", l.source);
        std::fs::write(
            proc.join("self/limits"),
            "Max address space         65536            65536            bytes\n",
        )?;
        let l = default_limit_from(&proc, &cg).expect("ulimit");
        assert_eq!(l.bytes, 65536);
        // cgroup v1.
        std::fs::write(proc.join("self/cgroup"), "4:memory:/a\n")?;
        std::fs::create_dir_all(cg.join("memory/a"))?;
        std::fs::write(cg.join("memory/a/memory.limit_in_bytes"), "32768\n")?;
        assert_eq!(default_limit_from(&proc, &cg).map(|l| l.bytes), Some(32768));
        Ok(())
    }
}
