//! Work spread over the machine's cores, with results that never depend on timing.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// From this many roles or teams on, a pass over them (validating, building, linting, freeing
/// the model) is spread over the cores or run beside other work; below, starting a thread costs
/// more than it saves. One number for every such pass, so that they change together.
pub const SPREAD_FROM: usize = 64;

/// What becomes of a value a command is done with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Release {
    /// Freed here and now: a small value costs less to free than a thread to start.
    Here,
    /// Freed on another thread of the scope: a large value, whose freeing costs as much as real
    /// work (a model of 5,000 teams is half a million allocations), while this thread goes on.
    Beside,
    /// Not freed: the process exits when the command ends and hands its memory back to the
    /// system whole, so freeing it one allocation at a time is work for nothing (clang's
    /// `-disable-free` makes the same choice). Only for values that hold nothing but memory.
    AtExit,
}

/// Releases `value` as `how` says.
pub fn release<'scope, T: Send + 'scope>(scope: &'scope std::thread::Scope<'scope, '_>, value: T, how: Release) {
    if how == Release::Beside {
        scope.spawn(move || drop(value));
    } else {
        release_here(value, how);
    }
}

/// Releases `value` as `how` says, but on this thread when it would have been beside (a value
/// that borrows what is released beside it).
pub fn release_here<T>(value: T, how: Release) {
    if how == Release::AtExit {
        std::mem::forget(value);
    } else {
        drop(value);
    }
}

/// How many threads to run `items` on: one per core, at most one per item.
pub fn threads(items: usize) -> usize {
    cores().min(items).max(1)
}

/// The cores this process may use, asked once: on Linux the answer reads three files of the
/// process's cgroup, each time (a render asks several times).
fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// Runs `work` for every item, on [`threads`] threads, and returns the failure of the first item
/// in order that failed, with its index: the same failure as a loop that stops at the first.
///
/// The threads take the items in order, and none takes another once one has failed; so every
/// item before a failed one was taken before it and runs to its end, and the first failure in
/// order is among those reported.
pub fn each<T: Sync, E: Send>(items: &[T], work: impl Fn(usize, &T) -> Result<(), E> + Sync) -> Result<(), (usize, E)> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let failures = Mutex::new(Vec::new());
    let run = || {
        while !failed.load(Ordering::SeqCst) {
            let index = next.fetch_add(1, Ordering::SeqCst);
            let Some(item) = items.get(index) else { break };
            if let Err(e) = work(index, item) {
                failed.store(true, Ordering::SeqCst);
                failures.lock().unwrap_or_else(PoisonError::into_inner).push((index, e));
            }
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..threads(items.len()) {
            scope.spawn(run);
        }
        run();
    });
    let failures = failures.into_inner().unwrap_or_else(PoisonError::into_inner);
    match failures.into_iter().min_by_key(|(index, _)| *index) {
        Some(failure) => Err(failure),
        None => Ok(()),
    }
}

/// Maps every item on [`threads`] threads, each thread taking the next item in order (so that
/// a slow item does not hold the others up), and returns the results in the items' order: what
/// one `map` over `items` would give.
pub fn map<T: Sync, R: Send>(items: &[T], map: impl Fn(&T) -> R + Sync) -> Vec<R> {
    // Chunks of one item are never empty: each gives exactly one result.
    map_chunks(items, 1, || (), |(), chunk| chunk.first().map(&map)).into_iter().flatten().collect()
}

/// Splits `items` into one run of neighbours per thread (as even as can be, in order) and maps
/// each run on a thread of its own, with the index of its first item in `items` (for work that
/// names an item by its place, such as `scientists[12]`): the results in the order of the runs,
/// so that concatenated they are what one `map` over all of `items` would give. The results may
/// borrow from `items`.
pub fn map_runs_at<'a, T: Sync, R: Send>(items: &'a [T], map: impl Fn(usize, &'a [T]) -> R + Sync) -> Vec<R> {
    let size = items.len().div_ceil(threads(items.len()));
    if size == 0 || size == items.len() {
        return vec![map(0, items)];
    }
    std::thread::scope(|scope| {
        let map = &map;
        let mut runs = items.chunks(size).enumerate();
        let first = runs.next().map_or(&[][..], |(_, run)| run);
        let others: Vec<_> = runs.map(|(i, run)| scope.spawn(move || map(i * size, run))).collect();
        let mut results = vec![map(0, first)];
        // A thread that panicked passes its panic on, as a loop would have.
        results.extend(others.into_iter().map(|handle| handle.join().unwrap_or_else(|p| std::panic::resume_unwind(p))));
        results
    })
}

/// Maps `items` a chunk of `size` at a time (in order, the last one shorter) on [`threads`]
/// threads, each thread taking the next chunk when it is done with one, and keeping its own
/// state from chunk to chunk (made by `state`, once per thread): the results in the order of the
/// chunks, so that concatenated they are what one `map` over all of `items` would give. On a
/// busy machine a thread may be held up: the other one takes the chunks it would have done, so
/// neither waits for the other with work left. One chunk is mapped on this thread alone.
pub fn map_chunks<'a, T: Sync, S, R: Send>(
    items: &'a [T],
    size: usize,
    state: impl Fn() -> S + Sync,
    map: impl Fn(&mut S, &'a [T]) -> R + Sync,
) -> Vec<R> {
    let size = size.max(1);
    let chunks = items.len().div_ceil(size);
    let next = AtomicUsize::new(0);
    let done = Mutex::new(Vec::with_capacity(chunks));
    let run = || {
        let mut state = state();
        loop {
            let index = next.fetch_add(1, Ordering::SeqCst);
            let start = index.saturating_mul(size);
            let Some(chunk) = items.get(start..start.saturating_add(size).min(items.len())) else { break };
            if chunk.is_empty() {
                break;
            }
            let result = map(&mut state, chunk);
            done.lock().unwrap_or_else(PoisonError::into_inner).push((index, result));
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..threads(chunks) {
            scope.spawn(run);
        }
        run();
    });
    let mut done = done.into_inner().unwrap_or_else(PoisonError::into_inner);
    done.sort_unstable_by_key(|(index, _)| *index);
    done.into_iter().map(|(_, result)| result).collect()
}

/// Runs `jobs` on `at_most` threads (at most [`threads`] of them), each thread taking the job at
/// the front of a queue when it is done with one. A job returns the jobs it adds, which are
/// queued at the back: they run after every job queued before them. Every job runs, even after
/// one has failed; of the failures, the one returned is the least by its key (the order in which
/// a loop would have met them), so that it never depends on timing.
pub fn queue<J: Send, K: Ord + Send, E: Send>(
    jobs: Vec<J>,
    at_most: usize,
    work: impl Fn(J) -> Result<Vec<J>, (K, E)> + Sync,
) -> Result<(), (K, E)> {
    let threads = threads(at_most);
    let queue = Queue { state: Mutex::new((jobs.into(), 0)), changed: Condvar::new() };
    let failures = Mutex::new(Vec::new());
    let run = || {
        while let Some(job) = queue.take() {
            // Whatever the job does, even panic, the queue learns that it ended.
            let mut ended = Ended { queue: &queue, more: Vec::new() };
            match work(job) {
                Ok(more) => ended.more = more,
                Err(failure) => failures.lock().unwrap_or_else(PoisonError::into_inner).push(failure),
            }
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(run);
        }
        run();
    });
    let failures = failures.into_inner().unwrap_or_else(PoisonError::into_inner);
    match failures.into_iter().min_by(|a, b| a.0.cmp(&b.0)) {
        Some(failure) => Err(failure),
        None => Ok(()),
    }
}

/// The jobs of [`queue`] not yet taken, and how many are running (any of which may add more).
struct Queue<J> {
    state: Mutex<(VecDeque<J>, usize)>,
    changed: Condvar,
}

impl<J> Queue<J> {
    fn lock(&self) -> MutexGuard<'_, (VecDeque<J>, usize)> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next job, once there is one; `None` once none is queued or running.
    fn take(&self) -> Option<J> {
        let mut state = self.lock();
        loop {
            if let Some(job) = state.0.pop_front() {
                state.1 += 1;
                return Some(job);
            }
            if state.1 == 0 {
                return None;
            }
            state = self.changed.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// A running job of [`queue`]: when it is dropped, the jobs it added are queued and the job no
/// longer counts as running.
struct Ended<'q, J> {
    queue: &'q Queue<J>,
    more: Vec<J>,
}

impl<J> Drop for Ended<'_, J> {
    fn drop(&mut self) {
        let mut state = self.queue.lock();
        state.0.extend(self.more.drain(..));
        state.1 -= 1;
        drop(state);
        self.queue.changed.notify_all();
    }
}

/// Runs `there` on another thread while `here` runs on this one, when `spread`; else `here`,
/// then `there`, on this thread (starting a thread costs more than a small job gains). A panic
/// of `there` is passed on, as one on this thread would be.
pub fn both<A: Send, B>(spread: bool, there: impl FnOnce() -> A + Send, here: impl FnOnce() -> B) -> (A, B) {
    if !spread || threads(2) < 2 {
        let b = here();
        return (there(), b);
    }
    std::thread::scope(|scope| {
        let there = scope.spawn(there);
        let b = here();
        (there.join().unwrap_or_else(|p| std::panic::resume_unwind(p)), b)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Whatever the timing, the failure reported is the first in order, as a loop would report;
    /// with no failure, each item runs exactly once.
    #[test]
    fn fails_as_a_loop_would_and_runs_each_item_once() {
        let items = ["a", "slow failure", "c", "quick failure", "e"];
        for _ in 0..20 {
            let failure = each(&items, |_, item| match *item {
                "slow failure" => {
                    std::thread::sleep(Duration::from_millis(5));
                    Err(*item)
                }
                "quick failure" => Err(*item),
                _ => Ok(()),
            });
            assert_eq!(failure, Err((1, "slow failure")));
        }
        let ran = Mutex::new(Vec::new());
        let all = each(&items, |index, _| {
            ran.lock().unwrap().push(index);
            Ok::<(), ()>(())
        });
        assert_eq!(all, Ok(()));
        let mut ran = ran.into_inner().unwrap();
        ran.sort_unstable();
        assert_eq!(ran, [0, 1, 2, 3, 4]);
        assert_eq!(each(&[] as &[u8], |_, _| Err(())), Ok(()));
    }

    /// Both results, whether spread or not; spread, the two run at the same time (each waits
    /// for the other to start); not spread, `here` first.
    #[test]
    fn both_runs_both_and_side_by_side_when_spread() {
        let (a, b) = both(false, || 1, || 2);
        assert_eq!((a, b), (1, 2));
        let order = Mutex::new(Vec::new());
        both(false, || order.lock().unwrap().push("there"), || order.lock().unwrap().push("here"));
        assert_eq!(order.into_inner().unwrap(), ["here", "there"]);
        if threads(2) < 2 {
            return;
        }
        let barrier = std::sync::Barrier::new(2);
        let (a, b) = both(
            true,
            || {
                barrier.wait();
                "there"
            },
            || {
                barrier.wait();
                "here"
            },
        );
        assert_eq!((a, b), ("there", "here"));
    }

    /// Whatever the timing, the chunks' results come in order and cover every item once; each
    /// thread's state is made once and carried from chunk to chunk.
    #[test]
    fn chunks_cover_every_item_once_in_order_with_a_state_per_thread() {
        for (n, size) in [(0, 3), (1, 3), (3, 3), (7, 3), (100, 7), (5, 0)] {
            let items: Vec<usize> = (0..n).collect();
            let states = AtomicUsize::new(0);
            let chunks = map_chunks(
                &items,
                size,
                || {
                    states.fetch_add(1, Ordering::SeqCst);
                    0
                },
                |seen: &mut usize, chunk| {
                    if chunk.first() == Some(&0) {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    *seen += chunk.len();
                    (chunk.to_vec(), *seen)
                },
            );
            assert_eq!(chunks.iter().map(|(c, _)| c.len()).max().unwrap_or(0), size.max(1).min(n), "{n}");
            assert_eq!(chunks.iter().flat_map(|(c, _)| c.clone()).collect::<Vec<_>>(), items, "{n}");
            let states = states.into_inner();
            assert!(states >= 1 && states <= threads(n.div_ceil(size.max(1))), "{n}: {states}");
            // What each thread saw adds up to every item: the state is carried, not made again.
            assert!(chunks.iter().all(|(c, seen)| *seen >= c.len()), "{n}");
        }
    }

    /// Every job runs once, those a job adds after every job queued before them; whatever the
    /// timing, the failure returned is the least by key, and a failure stops nothing.
    #[test]
    fn a_queue_runs_every_job_and_added_ones_last() {
        for _ in 0..10 {
            let ran = Mutex::new(Vec::new());
            // Job `n` < 10 adds jobs 10n + 10 and 10n + 11 when n is even; 3 and 30 fail.
            let result = queue((0..6).collect(), usize::MAX, |n: usize| {
                ran.lock().unwrap().push(n);
                if n == 0 {
                    std::thread::sleep(Duration::from_millis(5));
                }
                match n {
                    3 | 30 => Err((n, format!("job {n}"))),
                    n if n < 10 && n % 2 == 0 => Ok(vec![10 * n + 10, 10 * n + 11]),
                    _ => Ok(Vec::new()),
                }
            });
            assert_eq!(result, Err((3, "job 3".to_owned())));
            let ran = ran.into_inner().unwrap();
            let mut sorted = ran.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, [0, 1, 2, 3, 4, 5, 10, 11, 30, 31, 50, 51]);
            // An added job is taken only once every job of the first list has been taken (each
            // thread may record the job it took a little late, after another thread's).
            let first_added = ran.iter().position(|&n| n >= 10).unwrap();
            assert!(first_added >= 6usize.saturating_sub(threads(usize::MAX)), "{ran:?}");
        }
        assert_eq!(queue(Vec::<u8>::new(), usize::MAX, |_| Err::<Vec<u8>, _>((0, ()))), Ok(()));
        let one_thread = Mutex::new(Vec::new());
        let result = queue(vec![1, 2], 1, |n: u8| {
            one_thread.lock().unwrap().push(n);
            Ok::<_, (u8, ())>(if n == 1 { vec![3] } else { Vec::new() })
        });
        assert_eq!((result, one_thread.into_inner().unwrap()), (Ok(()), vec![1, 2, 3]));
    }

    /// A job that panics passes its panic on, and nothing waits forever: the other threads run
    /// the jobs left (on one core, the panic ends the queue).
    #[test]
    fn a_panicking_job_neither_hangs_the_queue_nor_is_lost() {
        let ran = AtomicUsize::new(0);
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            queue((0..8).collect(), usize::MAX, |n: usize| {
                if n == 2 {
                    panic!("job 2");
                }
                ran.fetch_add(1, Ordering::SeqCst);
                Ok::<_, (usize, ())>(Vec::new())
            })
        }));
        assert!(caught.is_err());
        assert_eq!(ran.into_inner(), if threads(usize::MAX) > 1 { 7 } else { 2 });
    }

    /// Freed at once here, by the time the scope ends beside, never when left to the exit.
    #[test]
    fn release_frees_here_beside_or_never() {
        struct Flag<'a>(&'a AtomicUsize);
        impl Drop for Flag<'_> {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let dropped = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            release(scope, Flag(&dropped), Release::Here);
            assert_eq!(dropped.load(Ordering::SeqCst), 1, "freed here, at once");
            // Before anything is freed on another thread, whose timing the count would depend on.
            release_here(Flag(&dropped), Release::Beside);
            assert_eq!(dropped.load(Ordering::SeqCst), 2, "beside, but here");
            release_here(Flag(&dropped), Release::AtExit);
            release(scope, Flag(&dropped), Release::AtExit);
            assert_eq!(dropped.load(Ordering::SeqCst), 2, "left to the exit");
            release(scope, Flag(&dropped), Release::Beside);
        });
        assert_eq!(dropped.into_inner(), 3, "those left to the exit are never dropped");
    }

    /// Whatever the timing, the results come in the items' order, each item mapped once.
    #[test]
    fn maps_in_order_whatever_the_timing() {
        let items: Vec<u64> = (0..9).collect();
        for _ in 0..10 {
            let mapped = map(&items, |&i| {
                // The first items are the slowest, so later ones finish first.
                std::thread::sleep(Duration::from_millis(9 - i));
                i * 10
            });
            assert_eq!(mapped, (0..9).map(|i| i * 10).collect::<Vec<_>>());
        }
        assert!(map(&[] as &[u8], |_| 1).is_empty());
    }

    #[test]
    fn runs_cover_every_item_once_in_order() {
        for n in [0, 1, 2, 3, 7, 100] {
            let items: Vec<usize> = (0..n).collect();
            let starts = map_runs_at(&items, |start, run| (start, run.to_vec()));
            assert!(starts.len() <= threads(n), "{n}");
            // Each run knows where it starts: its first item is the one at that index.
            for (start, run) in &starts {
                assert_eq!(items.get(*start..*start + run.len()), Some(run.as_slice()), "{n}");
            }
            assert_eq!(starts.into_iter().flat_map(|(_, run)| run).collect::<Vec<_>>(), items, "{n}");
        }
    }
}
