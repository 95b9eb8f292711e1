//! Work split across threads in contiguous chunks, results kept in input order: how `replay`
//! (a stream's consecutive payloads stay on one thread, so correlation across them still works)
//! and `bench` use the cores.

/// Runs `work` on up to `jobs` threads, each over one contiguous chunk of `items`, and returns
/// the results of every chunk concatenated in input order. A thread that panicked contributes
/// nothing.
pub fn map_chunks<T, R, F>(items: &[T], jobs: usize, work: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&[T]) -> Vec<R> + Sync,
{
    let chunk = items
        .len()
        .div_ceil(jobs.clamp(1, items.len().max(1)))
        .max(1);
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
    fn at_most_jobs_threads_each_get_a_chunk() {
        let items: Vec<usize> = (0..10).collect();
        let chunks = map_chunks(&items, 3, |part| vec![part.len()]);
        assert_eq!(chunks, [4, 4, 2]);
    }
}
