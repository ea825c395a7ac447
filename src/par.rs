//! Work spread over the machine's cores, with results that never depend on timing.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// How many threads to run `items` on: one per core, at most one per item.
pub fn threads(items: usize) -> usize {
    std::thread::available_parallelism().map_or(1, usize::from).min(items).max(1)
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
}
