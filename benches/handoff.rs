//! Handing batches of points from one thread to another, as `send_many` hands them to the engine
//! thread: the producer fills a batch of 4,096 points (64 KiB) and sends it, the consumer reads
//! it and frees it (as the engine does with a windowed metric's points), and the allocator gives
//! that memory back for the producer's next batch (here the consumer hands the batch back, so
//! that it is the same memory whatever the allocator). Compared, the producer's time per batch:
//! - **point by point**: each point stored straight into the batch;
//! - **copied whole**: the points paired in a scratch buffer, then copied into the batch in one
//!   `memcpy` (what `Column::read_points` does for a windowed metric).
//!
//! With the cores' round trip (one cache line bounced between the two threads), which says how
//! far apart the cores are: on a VM whose vCPUs the host sometimes places in different core
//! complexes, the round trip goes from ~100 ns to 400–2,500 ns, and storing point by point into
//! memory the other core has just read slows down with it.
//! The round trip is measured before and after each round (the host may move a vCPU meanwhile).
//!   cargo bench --bench handoff [-- ROUNDS]   # ROUNDS measurements, 30 s apart (default 1)

#![allow(clippy::print_stdout)] // a benchmark reports on stdout

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::bounded;

const POINTS: usize = 4096;
const BATCHES: usize = 8000;
const BOUNCES: u64 = 200_000;

/// Nanoseconds for one cache line to go to the other thread's core and back.
fn round_trip_ns() -> f64 {
    let line = Arc::new(AtomicU64::new(0));
    let other = Arc::clone(&line);
    let echo = std::thread::Builder::new()
        .name("handoff-echo".into())
        .spawn(move || {
            for i in 0..BOUNCES {
                while other.load(Ordering::Acquire) != 2 * i + 1 {
                    std::hint::spin_loop();
                }
                other.store(2 * i + 2, Ordering::Release);
            }
        })
        .expect("spawn");
    let start = Instant::now();
    for i in 0..BOUNCES {
        line.store(2 * i + 1, Ordering::Release);
        while line.load(Ordering::Acquire) != 2 * i + 2 {
            std::hint::spin_loop();
        }
    }
    let elapsed = start.elapsed();
    echo.join().expect("echo");
    elapsed.as_nanos() as f64 / BOUNCES as f64
}

/// Microseconds the producer spends filling each batch (point by point, copied whole: the two
/// alternate batch by batch, so that both see the cores where they are), the consumer reading
/// each and handing it back.
fn fill_us() -> (f64, f64) {
    let ts: Vec<f64> = (0..POINTS).map(|i| 1.7e12 + i as f64).collect();
    let values: Vec<f64> = (0..POINTS).map(|i| i as f64 * 0.5).collect();
    let (to_consumer, batches) = bounded::<Vec<(f64, f64)>>(1);
    let (done, read) = bounded::<(f64, Vec<(f64, f64)>)>(1);
    let consumer = std::thread::Builder::new()
        .name("handoff-consumer".into())
        .spawn(move || {
            for mut batch in batches {
                let sum: f64 = batch.iter().map(|&(t, v)| t + v).sum();
                batch.clear();
                done.send((sum, batch)).expect("send");
            }
        })
        .expect("spawn");
    let mut scratch: Vec<(f64, f64)> = Vec::with_capacity(POINTS);
    let mut filling = [Duration::ZERO; 2];
    let mut checksum = 0.0;
    let mut batch = Vec::with_capacity(POINTS);
    for i in 0..BATCHES {
        let whole = i % 2 == 1;
        let start = Instant::now();
        let pairs = ts.iter().copied().zip(values.iter().copied());
        if whole {
            scratch.clear();
            scratch.extend(pairs);
            batch.extend_from_slice(&scratch);
        } else {
            batch.extend(pairs);
        }
        filling[usize::from(whole)] += start.elapsed();
        to_consumer.send(batch).expect("send");
        let (sum, back) = read.recv().expect("recv");
        (checksum, batch) = (checksum + sum, back);
    }
    drop(to_consumer);
    consumer.join().expect("consumer");
    assert!(checksum > 0.0);
    let per_batch = |d: Duration| d.as_secs_f64() * 1e6 / (BATCHES / 2) as f64;
    (per_batch(filling[0]), per_batch(filling[1]))
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1);
    println!("round_trip_ns,point_by_point_us,copied_whole_us,round_trip_after_ns");
    for round in 0..rounds {
        if round > 0 {
            std::thread::sleep(Duration::from_secs(30));
        }
        let before = round_trip_ns();
        let (direct, whole) = fill_us();
        let after = round_trip_ns();
        println!("{before:.0},{direct:.1},{whole:.1},{after:.0}");
    }
}
