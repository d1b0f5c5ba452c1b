//! Sorting for the runtime's lists, with one copy of the sort in the binary.
//!
//! `slice::sort_by` is compiled once per element type and comparison, about 8 KB of machine
//! code each in a release build; the runtime sorts a dozen kinds of list (introspected tables,
//! indexes, keys, adopted rows), which made the sorts alone about 100 KB of every application
//! binary. Here the sort itself runs over indexes with the comparison behind a `dyn Fn`, so
//! it is compiled once; what is left per type is moving the items into their places.
//!
//! Stable, like `sort_by`: equal items keep their order.

use std::cmp::Ordering;

/// Sorts `items` by `compare`, keeping equal items in their order.
pub(crate) fn sort_by<T>(items: &mut Vec<T>, compare: impl Fn(&T, &T) -> Ordering) {
    if items.len() < 2 {
        return;
    }
    let order = {
        let items = &*items;
        permutation(items.len(), &|a, b| compare(&items[a], &items[b]))
    };
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    // `order` holds each index once, so every slot is taken exactly once.
    items.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

/// Sorts `items` by the key `key` gives each, keeping items with equal keys in their order.
pub(crate) fn sort_by_key<T, K: Ord>(items: &mut Vec<T>, key: impl Fn(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

/// The last item of each key, in key order: what a history whose later rows override earlier
/// ones says of each key. A sort and a pass, rather than an ordered map, whose code is
/// compiled again for each item type.
pub(crate) fn last_of_each<T>(mut items: Vec<(i64, T)>) -> Vec<(i64, T)> {
    sort_by_key(&mut items, |item| item.0);
    let mut last: Vec<(i64, T)> = Vec::with_capacity(items.len());
    for item in items {
        match last.last_mut() {
            Some(previous) if previous.0 == item.0 => *previous = item,
            _ => last.push(item),
        }
    }
    last
}

/// The indexes `0..len` in the order `compare` puts them: the one compiled sort.
fn permutation(len: usize, compare: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|&a, &b| compare(a, b));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_and_keeps_equal_items_in_their_order() {
        let mut items = vec![(3, 'a'), (1, 'b'), (3, 'c'), (2, 'd'), (1, 'e')];
        sort_by_key(&mut items, |item| item.0);
        assert_eq!(items, [(1, 'b'), (1, 'e'), (2, 'd'), (3, 'a'), (3, 'c')]);

        let mut names = vec!["b".to_owned(), "a".to_owned(), "c".to_owned()];
        sort_by(&mut names, Ord::cmp);
        assert_eq!(names, ["a", "b", "c"]);

        let mut reversed = vec![1, 2, 3];
        sort_by(&mut reversed, |a, b| b.cmp(a));
        assert_eq!(reversed, [3, 2, 1]);
    }

    #[test]
    fn the_last_of_each_key_in_key_order() {
        let items = vec![(3, 'a'), (1, 'b'), (3, 'c'), (2, 'd'), (1, 'e')];
        assert_eq!(last_of_each(items), [(1, 'e'), (2, 'd'), (3, 'c')]);
        assert!(last_of_each(Vec::<(i64, ())>::new()).is_empty());
    }

    #[test]
    fn matches_the_standard_sort_on_many_lists() {
        // A fixed pseudo-random sequence: lists of every length up to 64 with many ties.
        let mut seed = 0x2545_f491_u32;
        for len in 0..64 {
            let items: Vec<(u32, usize)> = (0..len)
                .map(|i| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    (seed % 7, i)
                })
                .collect();
            let mut ours = items.clone();
            sort_by_key(&mut ours, |item| item.0);
            let mut standard = items;
            standard.sort_by_key(|item| item.0);
            assert_eq!(ours, standard);
        }
    }
}
