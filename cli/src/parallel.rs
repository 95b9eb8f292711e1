//! Work split across threads in contiguous chunks, results kept in input order: how `replay`
//! (a stream's consecutive payloads stay on one thread, so correlation across them still works)
//! and `bench` use the cores.

use std::sync::mpsc;

/// Items per contiguous chunk when `len` items are split over up to `jobs` threads (at least
/// one thread, at least one item per chunk).
fn chunk_len(len: usize, jobs: usize) -> usize {
    len.div_ceil(jobs.clamp(1, len.max(1))).max(1)
}

/// Runs `work` on up to `jobs` threads, each over one contiguous chunk of `items`, and returns
/// the results of every chunk concatenated in input order. A thread that panicked contributes
/// nothing.
pub fn map_chunks<T, R, F>(items: &[T], jobs: usize, work: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&[T]) -> Vec<R> + Sync,
{
    let chunk = chunk_len(items.len(), jobs);
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || work(part)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

/// Runs `work` over `items` on up to `jobs` threads, each over one contiguous chunk with its own
/// state made by `init`, and hands every result to `consume` in input order as soon as the
/// results before it are in: the first chunk's results stream out while it is being processed,
/// a later chunk's wait for the chunks before it. A thread that panicked contributes the results
/// it finished.
pub fn stream_chunks<T, S, R, I, W, C>(items: &[T], jobs: usize, init: I, work: W, mut consume: C)
where
    T: Sync,
    R: Send,
    I: Fn() -> S + Sync,
    W: Fn(&mut S, &T) -> R + Sync,
    C: FnMut(R),
{
    let chunk = chunk_len(items.len(), jobs);
    let (init, work) = (&init, &work);
    std::thread::scope(|scope| {
        let receivers: Vec<mpsc::Receiver<R>> = items
            .chunks(chunk)
            .map(|part| {
                let (results, received) = mpsc::channel();
                scope.spawn(move || {
                    let mut state = init();
                    for item in part {
                        if results.send(work(&mut state, item)).is_err() {
                            break;
                        }
                    }
                });
                received
            })
            .collect();
        for received in receivers {
            for result in received {
                consume(result);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_input_order_and_chunks_are_contiguous() {
        let items: Vec<usize> = (0..10).collect();
        for jobs in [0, 1, 3, 10, 64] {
            let out = map_chunks(&items, jobs, |part| {
                // Each chunk is a run of consecutive items.
                assert!(part.windows(2).all(|w| w[1] == w[0] + 1));
                part.iter().map(|i| i * 2).collect()
            });
            assert_eq!(
                out,
                (0..10).map(|i| i * 2).collect::<Vec<_>>(),
                "{jobs} jobs"
            );
        }
        assert!(map_chunks(&[] as &[usize], 4, |p| p.to_vec()).is_empty());
    }

    #[test]
    fn streamed_results_keep_input_order_and_each_chunk_keeps_its_state() {
        let items: Vec<usize> = (0..10).collect();
        for jobs in [0, 1, 3, 10, 64] {
            let mut out = Vec::new();
            // The state counts the items its thread has seen: consecutive within a chunk.
            stream_chunks(
                &items,
                jobs,
                || 0usize,
                |seen, &i| {
                    *seen += 1;
                    (i, *seen)
                },
                |r| out.push(r),
            );
            let order: Vec<usize> = out.iter().map(|(i, _)| *i).collect();
            assert_eq!(order, items, "{jobs} jobs");
            let chunk = 10usize.div_ceil(jobs.clamp(1, 10));
            for (i, seen) in out {
                assert_eq!(seen, i % chunk + 1, "{jobs} jobs, item {i}");
            }
        }
        let mut none = 0;
        stream_chunks(&[] as &[usize], 4, || (), |_, _| 1, |_: i32| none += 1);
        assert_eq!(none, 0);
    }

    #[test]
    fn at_most_jobs_threads_each_get_a_chunk() {
        let items: Vec<usize> = (0..10).collect();
        let chunks = map_chunks(&items, 3, |part| vec![part.len()]);
        assert_eq!(chunks, [4, 4, 2]);
    }
}
