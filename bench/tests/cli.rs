//! `tako-bench` end to end with the reduced counts (`--quick`) and four allocators: the
//! report files, the JSON shape, figures the method fixes exactly, and the baseline check.

use std::path::PathBuf;
use std::process::{Command, Output};

const ONLY: &str = "TosAllocator,SyscallAllocator,SyscallAllocator1CU,SolanaBump";

/// Runs the `tako-bench` binary.
fn tako_bench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tako-bench"))
        .args(args)
        .output()
        .expect("tako-bench starts")
}

/// This test process's own scratch directory.
fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tako-bench-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn check(out: &std::process::Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(out),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn quick_bench_writes_the_report_and_checks_the_baseline() {
    let dir = scratch_dir().join("bench");
    let baseline = dir.join("baseline.md");
    let (dir_s, baseline_s) = (dir.to_str().unwrap(), baseline.to_str().unwrap());
    let common = [
        "--quick",
        "--only",
        ONLY,
        "--out",
        dir_s,
        "--baseline",
        baseline_s,
    ];

    // 1. Measure and write the baseline.
    let out = tako_bench(&[&common[..], &["--update-baseline"]].concat());
    check(&out, 0);
    let text = stdout(&out);
    // The report is the last thing printed: stdout ends with cu-report.md, whole.
    let md = std::fs::read_to_string(dir.join("cu-report.md")).unwrap();
    assert!(md.contains("| SolanaBump |"), "{md}");
    assert!(text.trim_end().ends_with(md.trim_end()), "{text}");

    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("cu-report.json")).unwrap()).unwrap();
    assert!(json["method"]
        .as_str()
        .unwrap()
        .contains("(CU(N2) - CU(N1))"));
    let rows = json["allocators"].as_array().unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ONLY.split(',').collect::<Vec<_>>());
    let row = |name: &str| rows.iter().find(|r| r["name"] == name).unwrap();
    let net = |name: &str, size: &str| row(name)["net_cu"][size].as_f64().unwrap();
    for size in ["8", "64", "512", "4096"] {
        // Same .so, tako_alloc at 100 vs 1 CU: exactly the price difference per allocation.
        assert_eq!(
            net("SyscallAllocator", size) - net("SyscallAllocator1CU", size),
            99.0,
            "size {size}"
        );
        // The fast path's target, as read from the report: at most 10 net CU, and at least 10x
        // fewer than the syscall allocator.
        let tos = net("TosAllocator", size);
        assert!(tos > 0.0 && tos <= 10.0, "size {size}: {tos}");
        assert!(net("SyscallAllocator", size) >= 10.0 * tos, "size {size}");
    }
    for r in rows {
        for key in [
            "marginal_cu",
            "net_cu",
            "box_u64_net_cu",
            "first_alloc_cu",
            "vec_push_1000",
            "btreemap_1000",
            "heap_efficiency",
        ] {
            assert!(r.get(key).is_some(), "{} lacks {key}", r["name"]);
        }
        let e = r["heap_efficiency"].as_f64().unwrap();
        assert!(e > 0.3 && e <= 1.0, "{}: {e}", r["name"]);
        // 100 pushes: capacity 128 u64; growth in place keeps only the final buffer.
        let vec_bytes = r["vec_push_1000"]["heap_bytes"].as_f64().unwrap();
        assert!(vec_bytes >= 1024.0, "{}: {vec_bytes}", r["name"]);
    }
    assert_eq!(row("TosAllocator")["vec_push_1000"]["heap_bytes"], 1024);
    assert_eq!(
        row("TosAllocator")["ratios"]["vs_SyscallAllocator"]["net_cu_8"]
            .as_f64()
            .unwrap(),
        (net("SyscallAllocator", "8") / net("TosAllocator", "8") * 100.0).round() / 100.0
    );
    let svg = std::fs::read_to_string(dir.join("cu-report.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("TosAllocator"));
    assert!(std::fs::read_to_string(dir.join("cu-report.md"))
        .unwrap()
        .contains("| TosAllocator |"));

    // 2. The same figures pass the check.
    let out = tako_bench(&[&common[..], &["--check"]].concat());
    check(&out, 0);
    assert!(stdout(&out).contains("Check passed"), "{}", stdout(&out));

    // 3. A baseline where TosAllocator was cheaper: this run is worse, the check fails.
    let text = std::fs::read_to_string(&baseline).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("| TosAllocator/net_cu/64 |"))
        .unwrap();
    let value: f64 = line.split('|').nth(2).unwrap().trim().parse().unwrap();
    let better = format!("| TosAllocator/net_cu/64 | {} | - |", value - 1.0);
    std::fs::write(&baseline, text.replace(line, &better)).unwrap();
    let out = tako_bench(&[&common[..], &["--check"]].concat());
    check(&out, 1);
    assert!(
        stdout(&out).contains("TosAllocator/net_cu/64") && stdout(&out).contains("**worse**"),
        "{}",
        stdout(&out)
    );
    // A SolanaBump figure getting worse is shown but does not fail.
    std::fs::write(&baseline, &text).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("| SolanaBump/net_cu/64 |"))
        .unwrap();
    let value: f64 = line.split('|').nth(2).unwrap().trim().parse().unwrap();
    let better = format!("| SolanaBump/net_cu/64 | {} | - |", value - 1.0);
    std::fs::write(&baseline, text.replace(line, &better)).unwrap();
    let out = tako_bench(&[&common[..], &["--check"]].concat());
    check(&out, 0);
    assert!(stdout(&out).contains("(worse)"));
}

#[test]
fn bench_refuses_unknown_allocators_and_a_missing_baseline() {
    let out = tako_bench(&["--quick", "--only", "dlmalloc"]);
    check(&out, 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown allocator \"dlmalloc\""));
    let out = tako_bench(&[
        "--quick",
        "--check",
        "--baseline",
        "/nonexistent/cu-baseline.md",
    ]);
    check(&out, 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the baseline"));
}

#[test]
fn docs_render_only_the_committed_baseline() {
    // Another file's figures (a test's quick run) never reach the READMEs.
    let other = scratch_dir().join("other-baseline.md");
    std::fs::write(&other, "# CU baseline (counts: quick)\n").unwrap();
    let out = tako_bench(&["--docs", "--baseline", other.to_str().unwrap()]);
    check(&out, 2);
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("--docs renders the committed baseline bench/cu-baseline.md"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
