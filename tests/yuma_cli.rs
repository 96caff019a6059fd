//! `mirage yuma`: the hand-derived case of `tests/yuma.rs` through the
//! command line, the shipped Bittensor subnet-15 epoch
//! (`data/real/bittensor-sn15/`), bad input, and sparse input at scale
//! (memory O(input), not validators × uids), checked against the dense
//! computation (`tests/yuma_reference`) on a small case.

mod common;
mod yuma_reference;

use common::{mirage, num, parse, real, write};
use mirage_sim::reward::yuma::{WeightEntry, Weights, YumaParams};
use yuma_reference::{dense_epoch, DenseState};

const STAKES: &str = "validator,stake\nV0,3\nV1,1\n";
const WEIGHTS: &str = "validator,provider,weight\n\
    V0,P0,2\nV0,P1,1\nV0,P2,1\nV1,P1,1\nV1,P2,3\n";

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn hand_derived_case() {
    // Derivation in tests/yuma.rs: consensus (½, ¼, ¼), incentive
    // (3/7, 2/7, 2/7), dividends (6/7, 1/7).
    let dir = tempfile::tempdir().expect("tempdir");
    let s = write(dir.path(), "stakes.csv", STAKES);
    let w = write(dir.path(), "weights.csv", WEIGHTS);
    let run = mirage(&["yuma", "--stakes", &s, "--weights", &w]);
    let (header, rows) = parse(run.ok());
    assert_eq!(header, ["id", "kind", "consensus", "incentive", "dividend"]);
    let expect = [
        ("P0", "provider", Some(0.5), Some(3.0 / 7.0), None),
        ("P1", "provider", Some(0.25), Some(2.0 / 7.0), None),
        ("P2", "provider", Some(0.25), Some(2.0 / 7.0), None),
        ("V0", "validator", None, None, Some(6.0 / 7.0)),
        ("V1", "validator", None, None, Some(1.0 / 7.0)),
    ];
    assert_eq!(rows.len(), expect.len());
    for (row, (id, kind, c, i, d)) in rows.iter().zip(expect) {
        assert_eq!((row[0].as_str(), row[1].as_str()), (id, kind));
        for (cell, want) in row[2..].iter().zip([c, i, d]) {
            match want {
                Some(v) => assert!(close(num(cell), v), "{row:?}"),
                None => assert_eq!(cell, "", "{row:?}"),
            }
        }
    }
    // More epochs with the same input: bonds are already at their fixed point.
    let again = mirage(&["yuma", "--stakes", &s, "--weights", &w, "--epochs", "5"]);
    let (_, again) = parse(again.ok());
    for (a, b) in again.iter().zip(&rows) {
        assert_eq!(a[..2], b[..2]);
        for (x, y) in a[2..].iter().zip(&b[2..]) {
            assert!(x == y || close(num(x), num(y)), "{a:?} vs {b:?}");
        }
    }
}

#[test]
fn self_weight_is_ignored_and_id_in_both_roles_gets_two_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = write(dir.path(), "stakes.csv", "validator,stake\n1,1\n2,1\n");
    // Validator 1 puts most weight on itself: ignored, so its row is (3: 1).
    let w = write(
        dir.path(),
        "weights.csv",
        "validator,provider,weight\n1,1,100\n1,3,1\n2,3,1\n2,10,1\n",
    );
    let (_, rows) = parse(mirage(&["yuma", "--stakes", &s, "--weights", &w]).ok());
    let ids: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            ("1", "provider"),
            ("3", "provider"),
            ("10", "provider"),
            ("1", "validator"),
            ("2", "validator")
        ]
    );
    // Provider 1 only had the masked self-weight.
    assert_eq!(num(&rows[0][3]), 0.0);
    // Provider 3: weight 1 from validator 1 (the masked self-weight no
    // longer dilutes its row), ½ from validator 2, equal stakes: weight 1 is
    // backed by exactly half the stake, which is enough at κ = ½ (the chain
    // takes the upper value at an exact tie).
    assert!(close(num(&rows[1][2]), 1.0), "{rows:?}");
}

/// The shipped subnet-15 epoch (11 validators, 314 weights, 66 providers).
#[test]
fn real_bittensor_epoch_invariants() {
    let stakes = real("bittensor-sn15/stakes.csv");
    let weights = real("bittensor-sn15/weights.csv");
    for extra in [
        vec![],
        vec!["--epochs", "3", "--kappa", "0.6", "--bond-alpha", "0.3"],
    ] {
        let mut args = vec![
            "yuma",
            "--stakes",
            stakes.as_str(),
            "--weights",
            weights.as_str(),
        ];
        args.extend(extra.iter().copied());
        let (header, rows) = parse(mirage(&args).ok());
        assert_eq!(header, ["id", "kind", "consensus", "incentive", "dividend"]);
        let providers: Vec<&Vec<String>> = rows.iter().filter(|r| r[1] == "provider").collect();
        let validators: Vec<&Vec<String>> = rows.iter().filter(|r| r[1] == "validator").collect();
        assert_eq!(providers.len(), 66);
        assert_eq!(validators.len(), 11);
        assert_eq!(providers.len() + validators.len(), rows.len());
        // Providers first, each kind sorted numerically.
        assert!(rows[..66].iter().all(|r| r[1] == "provider"));
        for group in [&providers, &validators] {
            let ids: Vec<u64> = group.iter().map(|r| num(&r[0]) as u64).collect();
            assert!(ids.windows(2).all(|w| w[0] < w[1]), "unsorted {ids:?}");
        }
        let incentive: f64 = providers.iter().map(|r| num(&r[3])).sum();
        let dividends: f64 = validators.iter().map(|r| num(&r[4])).sum();
        assert!(
            (incentive - 1.0).abs() < 1e-9,
            "incentive sums to {incentive}"
        );
        assert!(
            (dividends - 1.0).abs() < 1e-9,
            "dividends sum to {dividends}"
        );
        assert!(providers
            .iter()
            .all(|r| r[4].is_empty() && num(&r[2]) <= 1.0));
        assert!(validators
            .iter()
            .all(|r| r[2].is_empty() && r[3].is_empty()));
    }
}

#[test]
fn bad_input_names_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = write(dir.path(), "stakes.csv", STAKES);
    let w = write(dir.path(), "weights.csv", WEIGHTS);
    let bad_stakes = [
        (
            "s_missing.csv",
            "validator,amount\nV0,1\n",
            vec![":1:", "missing column `stake`"],
        ),
        (
            "s_negative.csv",
            "validator,stake\nV0,1\nV1,-1\n",
            vec![":3:", "negative"],
        ),
        (
            "s_dup.csv",
            "validator,stake\nV0,1\nV0,2\n",
            vec![":3:", "already has a stake (line 2)"],
        ),
        ("s_empty.csv", "", vec![":1:", "empty file"]),
        (
            "s_zero.csv",
            "validator,stake\nV0,0\nV1,0\n",
            vec!["total stake"],
        ),
    ];
    for (name, contents, needles) in bad_stakes {
        let path = write(dir.path(), name, contents);
        let mut all = needles.clone();
        all.push(name);
        mirage(&["yuma", "--stakes", &path, "--weights", &w]).fails_with(&all);
    }
    let bad_weights = [
        (
            "w_text.csv",
            "validator,provider,weight\nV0,P0,heavy\n",
            vec![":2:", "`heavy` is not a number"],
        ),
        (
            "w_unknown.csv",
            "validator,provider,weight\nV0,P0,1\nV9,P0,1\n",
            vec![":3:", "`V9`", "stakes.csv"],
        ),
        (
            "w_dup.csv",
            "validator,provider,weight\nV0,P0,1\nV1,P0,1\nV0,P0,2\n",
            vec![":4:", "(line 2)"],
        ),
        (
            "w_header.csv",
            "validator,provider,weight\n",
            vec![":1:", "no data rows"],
        ),
        (
            "w_missing.csv",
            "validator,weight\nV0,1\n",
            vec![":1:", "missing column `provider`"],
        ),
    ];
    for (name, contents, needles) in bad_weights {
        let path = write(dir.path(), name, contents);
        let mut all = needles.clone();
        all.push(name);
        mirage(&["yuma", "--stakes", &s, "--weights", &path]).fails_with(&all);
    }
    mirage(&["yuma", "--stakes", &s, "--weights", &w, "--kappa", "0"]).fails_with(&["--kappa"]);
    mirage(&["yuma", "--stakes", &s, "--weights", &w, "--kappa", "half"]).fails_with(&["half"]);
    mirage(&["yuma", "--stakes", &s, "--weights", &w, "--bond-alpha", "2"])
        .fails_with(&["--bond-alpha"]);
    mirage(&["yuma", "--stakes", &s, "--weights", &w, "--epochs", "0"]).fails_with(&["--epochs"]);
    mirage(&["yuma", "--stakes", &s]).fails_with(&["--weights"]);
}

/// A small input with ties, zero stakes and integer stakes: every printed
/// number is the dense computation's exactly (the CLI prints shortest
/// round-trip decimals, so parsing them back gives the same bits).
#[test]
fn small_case_matches_the_dense_computation_exactly() {
    let (nv, np) = (7, 9);
    let stakes: Vec<f64> = vec![5.0, 0.0, 12.0, 3.0, 3.0, 40.0, 1.0];
    let mut s = String::from("validator,stake\n");
    for (i, x) in stakes.iter().enumerate() {
        s += &format!("{i},{x}\n");
    }
    let mut w = String::from("validator,provider,weight\n");
    let mut entries = Vec::new();
    // The CLI numbers providers in order of first appearance.
    let mut index: Vec<Option<usize>> = vec![None; np];
    let mut seen = 0;
    for i in 0..nv {
        for (j, slot) in index.iter_mut().enumerate() {
            if (i * 7 + j * 3) % 4 != 0 {
                let weight = (1 + (i + 2 * j) % 3) as f64;
                w += &format!("{i},p{j},{weight}\n");
                let provider = *slot.get_or_insert_with(|| {
                    seen += 1;
                    seen - 1
                });
                entries.push(WeightEntry {
                    validator: i,
                    provider,
                    weight,
                });
            }
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let sp = write(dir.path(), "stakes.csv", &s);
    let wp = write(dir.path(), "weights.csv", &w);
    let (_, rows) =
        parse(mirage(&["yuma", "--stakes", &sp, "--weights", &wp, "--epochs", "3"]).ok());
    let weights = Weights::new(nv, np, &entries).expect("valid");
    let mut state = DenseState::default();
    let mut dense = None;
    for _ in 0..3 {
        dense = Some(dense_epoch(
            &mut state,
            &stakes,
            &weights,
            YumaParams::default(),
        ));
    }
    let (c, inc, div, _, _) = dense.expect("three epochs");
    for (j, k) in index.iter().enumerate() {
        let row = &rows[j];
        let k = k.expect("every provider has a weight");
        assert_eq!(row[0], format!("p{j}"));
        assert_eq!(num(&row[2]).to_bits(), c[k].to_bits(), "{row:?}");
        assert_eq!(num(&row[3]).to_bits(), inc[k].to_bits(), "{row:?}");
    }
    for i in 0..nv {
        let row = &rows[np + i];
        assert_eq!(row[0], i.to_string());
        assert_eq!(num(&row[4]).to_bits(), div[i].to_bits(), "{row:?}");
    }
}

/// 50,000 validators with 4 weights each on 50,000 uids (200,000 weights,
/// about 4 MB of CSV): a dense matrix would be 2.5·10⁹ cells (20 GB), so
/// the run is capped at 1 GiB of address space where the platform allows.
/// Each uid has a few supporters only, so κ is small enough for consensus.
#[test]
fn large_sparse_input_runs_in_memory_proportional_to_it() {
    let (nv, np, per_row) = (50_000usize, 50_000usize, 4usize);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = String::from("validator,stake\n");
    let mut w = String::from("validator,provider,weight\n");
    let mut x: u64 = 99;
    let mut next = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        x >> 33
    };
    for v in 0..nv {
        s += &format!("{v},{}\n", 1 + next() % 10_000);
        let base = next() as usize;
        for k in 0..per_row {
            let uid = (base + k * 7919) % np;
            w += &format!("{v},{uid},{}\n", 1 + next() % 100);
        }
    }
    let sp = write(dir.path(), "stakes.csv", &s);
    let wp = write(dir.path(), "weights.csv", &w);
    let started = std::time::Instant::now();
    let run = if cfg!(target_os = "linux") {
        let output = std::process::Command::new("sh")
            .arg("-c")
            .arg("ulimit -v 1048576 && exec \"$0\" yuma --stakes \"$1\" --weights \"$2\" --epochs 2 --kappa 0.00005")
            .args([env!("CARGO_BIN_EXE_mirage"), sp.as_str(), wp.as_str()])
            .output()
            .expect("run mirage under a memory limit");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8 output")
    } else {
        mirage(&[
            "yuma",
            "--stakes",
            &sp,
            "--weights",
            &wp,
            "--epochs",
            "2",
            "--kappa",
            "0.00005",
        ])
        .ok()
        .to_string()
    };
    let elapsed = started.elapsed();
    assert!(elapsed.as_secs() < 60, "took {elapsed:?}");
    let (_, rows) = parse(&run);
    let providers: Vec<&Vec<String>> = rows.iter().filter(|r| r[1] == "provider").collect();
    let validators: Vec<&Vec<String>> = rows.iter().filter(|r| r[1] == "validator").collect();
    assert_eq!(validators.len(), nv);
    assert!(providers.len() > 45_000 && providers.len() <= np);
    let incentive: f64 = providers.iter().map(|r| num(&r[3])).sum();
    let dividends: f64 = validators.iter().map(|r| num(&r[4])).sum();
    assert!(
        (incentive - 1.0).abs() < 1e-9,
        "incentive sums to {incentive}"
    );
    assert!(
        (dividends - 1.0).abs() < 1e-9,
        "dividends sum to {dividends}"
    );
}
