//! Allocations per second: `TosHeap` (the allocator's logic over a host region; shared, and
//! unshared through `alloc_mut`) against the
//! system allocator and `bumpalo`, single-threaded and with 4 threads sharing one heap.
//! Host figures only; the VM's figures are CU counts, measured by `contracts/alloc-bench`.
//!
//! `cargo bench -p tos-alloc --bench alloc`

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tos_alloc::TosHeap;

/// Allocations per measured iteration.
const N: usize = 10_000;
/// Threads of the shared-heap runs.
const THREADS: usize = 4;

/// Sizes 8..=64 bytes, align 8, in a fixed cycle (hidden from the optimiser by `black_box`).
fn layouts() -> Vec<Layout> {
    (0..N)
        .map(|i| Layout::from_size_align(8 + (i * 7) % 57, 8).unwrap())
        .collect()
}

fn single_thread(c: &mut Criterion) {
    let layouts = layouts();
    let mut group = c.benchmark_group("alloc 8..64 B, 1 thread");
    group.throughput(Throughput::Elements(N as u64));
    let mut region = vec![0u8; N * 72 + 4096];

    group.bench_function("TosHeap", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let heap = TosHeap::over(&mut region).unwrap();
                let start = Instant::now();
                for l in &layouts {
                    black_box(heap.alloc(black_box(*l)));
                }
                total += start.elapsed();
            }
            total
        })
    });

    group.bench_function("TosHeap::alloc_mut (unshared: no compare-and-swap)", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut heap = TosHeap::over(&mut region).unwrap();
                let start = Instant::now();
                for l in &layouts {
                    black_box(heap.alloc_mut(black_box(*l)));
                }
                total += start.elapsed();
            }
            total
        })
    });

    group.bench_function("System", |b| {
        let mut ptrs = Vec::with_capacity(N);
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                for l in &layouts {
                    // SAFETY: non-zero-size layouts.
                    ptrs.push(black_box(unsafe { System.alloc(black_box(*l)) }));
                }
                total += start.elapsed();
                for (p, l) in ptrs.drain(..).zip(&layouts) {
                    // SAFETY: allocated above with this layout.
                    unsafe { System.dealloc(p, *l) };
                }
            }
            total
        })
    });

    group.bench_function("bumpalo", |b| {
        let mut bump = bumpalo::Bump::with_capacity(N * 72);
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                bump.reset();
                let start = Instant::now();
                for l in &layouts {
                    black_box(bump.alloc_layout(black_box(*l)));
                }
                total += start.elapsed();
            }
            total
        })
    });
    group.finish();
}

/// Runs `work(thread)` on `THREADS` threads released together; returns the time from the
/// release to the last thread's end.
fn timed_threads(work: impl Fn(usize) + Sync) -> Duration {
    let barrier = std::sync::Barrier::new(THREADS + 1);
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (barrier, work) = (&barrier, &work);
            s.spawn(move || {
                barrier.wait();
                work(t);
            });
        }
        barrier.wait();
        let start = Instant::now();
        // The scope joins every thread before it returns.
        start
    })
    .elapsed()
}

fn four_threads(c: &mut Criterion) {
    let layouts = layouts();
    let per = N / THREADS;
    let mut group = c.benchmark_group("alloc 8..64 B, 4 threads");
    group.throughput(Throughput::Elements(N as u64));
    let mut region = vec![0u8; N * 72 + 4096];

    group.bench_function("TosHeap (one shared region)", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let heap = TosHeap::over(&mut region).unwrap();
                total += timed_threads(|t| {
                    for l in &layouts[t * per..(t + 1) * per] {
                        black_box(heap.alloc(black_box(*l)));
                    }
                });
            }
            total
        })
    });

    group.bench_function("System", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let ptrs: Vec<std::sync::Mutex<Vec<usize>>> =
                    (0..THREADS).map(|_| Default::default()).collect();
                total += timed_threads(|t| {
                    let mut mine = ptrs[t].lock().unwrap();
                    for l in &layouts[t * per..(t + 1) * per] {
                        // SAFETY: non-zero-size layouts.
                        mine.push(black_box(unsafe { System.alloc(black_box(*l)) }).addr());
                    }
                });
                for (t, mine) in ptrs.into_iter().enumerate() {
                    let mine = mine.into_inner().unwrap();
                    for (p, l) in mine.into_iter().zip(&layouts[t * per..]) {
                        // SAFETY: allocated above with this layout (exposed address).
                        unsafe { System.dealloc(std::ptr::with_exposed_provenance_mut(p), *l) };
                    }
                }
            }
            total
        })
    });

    group.bench_function("bumpalo (one arena per thread: it is not Sync)", |b| {
        let mut bumps: Vec<std::sync::Mutex<bumpalo::Bump>> = (0..THREADS)
            .map(|_| std::sync::Mutex::new(bumpalo::Bump::with_capacity(per * 72)))
            .collect();
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                for bump in &mut bumps {
                    bump.get_mut().unwrap().reset();
                }
                total += timed_threads(|t| {
                    let bump = bumps[t].lock().unwrap();
                    for l in &layouts[t * per..(t + 1) * per] {
                        black_box(bump.alloc_layout(black_box(*l)));
                    }
                });
            }
            total
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = single_thread, four_threads
}
criterion_main!(benches);
