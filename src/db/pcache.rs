//! SQLite's own page cache, with one needless scan taken off every commit.
//!
//! At the end of each transaction SQLite drops from the cache every page past the end of the
//! database (`pcache1Truncate`). Its page cache remembers the largest page number it has held
//! since the last such drop and, when that is far past the end, walks its whole hash table: with
//! the writer's 8,000-page cache that is ~8,000 scattered loads, 0.3–0.4 ms. The largest number is
//! almost always the same bogus one: when a b-tree split sorts its new pages (`balance_nonroot`)
//! it parks a page for a moment under the number of the locking page (262,145 with 4 KiB pages),
//! a page no database ever holds. So in the chat benchmark every seventh COMMIT scanned the whole
//! cache for nothing: a tenth of the writer's CPU (`perf`, `pcache1TruncateUnsafe`) and 0.4 ms on
//! those groups' latency.
//!
//! The wrapper forwards every call to SQLite's page cache unchanged and keeps, per cache, an upper
//! bound on the page numbers present: every page got its number from a fetch that may create
//! (`xFetch` with `createFlag` ≠ 0) or from a move (`xRekey`); a number a page is moved to above
//! the bound is kept on the side until that page is moved away again. A truncation is forwarded
//! only when the bound says a page at or past the limit may exist; otherwise there is provably
//! nothing to drop and skipping it changes nothing. Installed once per process before SQLite
//! starts (`install`); if SQLite was already started, the plain cache stays and only speed differs.

use std::os::raw::{c_int, c_uint};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::ffi;

/// Truncations forwarded to SQLite's cache, and those skipped with nothing to drop.
pub static FORWARDED: AtomicU64 = AtomicU64::new(0);
pub static SKIPPED: AtomicU64 = AtomicU64::new(0);

/// SQLite's own methods, as it had them before ours (copied once).
struct Inner(ffi::sqlite3_pcache_methods2);
// SAFETY: the methods are plain function pointers and a null `pArg`, never written after `install`.
unsafe impl Send for Inner {}
unsafe impl Sync for Inner {}

static INNER: OnceLock<Inner> = OnceLock::new();

/// How many parked numbers are tracked one by one before they are folded into the bound.
const PARKED: usize = 4;

/// One cache: SQLite's, and the bound on the page numbers it may hold.
struct Cache {
    inner: *mut ffi::sqlite3_pcache,
    /// No page number above this, except those in `parked`, is in the cache.
    max: c_uint,
    /// Numbers above `max` a page was moved to and not yet moved away from (0: free slot).
    parked: [c_uint; PARKED],
}

fn methods() -> &'static ffi::sqlite3_pcache_methods2 {
    &INNER.get().expect("page cache wrapper used before install").0
}

/// Put the wrapper in place. Must run before SQLite is first used in this process (before any
/// connection is opened); later calls do nothing. Returns whether the wrapper is in place.
pub fn install() -> bool {
    static DONE: OnceLock<bool> = OnceLock::new();
    *DONE.get_or_init(|| {
        // SAFETY: GETPCACHE2 fills the struct we pass; PCACHE2 copies ours. Both are refused
        // (SQLITE_MISUSE) once SQLite is initialized, and then nothing changes.
        unsafe {
            let mut own: ffi::sqlite3_pcache_methods2 = std::mem::zeroed();
            if ffi::sqlite3_config(ffi::SQLITE_CONFIG_GETPCACHE2, &mut own as *mut ffi::sqlite3_pcache_methods2) != ffi::SQLITE_OK
                || own.xCreate.is_none()
            {
                return false;
            }
            let _ = INNER.set(Inner(own));
            let ours = ffi::sqlite3_pcache_methods2 {
                iVersion: own.iVersion,
                pArg: own.pArg,
                xInit: own.xInit,
                xShutdown: own.xShutdown,
                xCreate: Some(create),
                xCachesize: Some(cachesize),
                xPagecount: Some(pagecount),
                xFetch: Some(fetch),
                xUnpin: Some(unpin),
                xRekey: Some(rekey),
                xTruncate: Some(truncate),
                xDestroy: Some(destroy),
                xShrink: Some(shrink),
            };
            ffi::sqlite3_config(ffi::SQLITE_CONFIG_PCACHE2, &ours as *const ffi::sqlite3_pcache_methods2) == ffi::SQLITE_OK
        }
    })
}

/// SAFETY (every method below): SQLite passes back the pointer `create` returned, to one thread at
/// a time (a cache belongs to one connection, called under its mutex).
unsafe fn cache<'a>(p: *mut ffi::sqlite3_pcache) -> &'a mut Cache {
    unsafe { &mut *(p as *mut Cache) }
}

unsafe extern "C" fn create(size: c_int, extra: c_int, purgeable: c_int) -> *mut ffi::sqlite3_pcache {
    let inner = unsafe { (methods().xCreate.expect("xCreate"))(size, extra, purgeable) };
    if inner.is_null() {
        return inner;
    }
    Box::into_raw(Box::new(Cache { inner, max: 0, parked: [0; PARKED] })) as *mut ffi::sqlite3_pcache
}

unsafe extern "C" fn cachesize(p: *mut ffi::sqlite3_pcache, n: c_int) {
    unsafe { (methods().xCachesize.expect("xCachesize"))(cache(p).inner, n) }
}

unsafe extern "C" fn pagecount(p: *mut ffi::sqlite3_pcache) -> c_int {
    unsafe { (methods().xPagecount.expect("xPagecount"))(cache(p).inner) }
}

unsafe extern "C" fn fetch(p: *mut ffi::sqlite3_pcache, key: c_uint, create: c_int) -> *mut ffi::sqlite3_pcache_page {
    let c = unsafe { cache(p) };
    // Counted before the call: a page created under `key` is then always within the bound.
    if create != 0 && key > c.max {
        c.max = key;
    }
    unsafe { (methods().xFetch.expect("xFetch"))(c.inner, key, create) }
}

unsafe extern "C" fn unpin(p: *mut ffi::sqlite3_pcache, page: *mut ffi::sqlite3_pcache_page, discard: c_int) {
    unsafe { (methods().xUnpin.expect("xUnpin"))(cache(p).inner, page, discard) }
}

unsafe extern "C" fn rekey(p: *mut ffi::sqlite3_pcache, page: *mut ffi::sqlite3_pcache_page, old: c_uint, new: c_uint) {
    let c = unsafe { cache(p) };
    note_move(c, old, new);
    unsafe { (methods().xRekey.expect("xRekey"))(c.inner, page, old, new) }
}

/// A page moves from `old` to `new`: `old` is no longer held (SQLite keeps one page per number),
/// and `new` is either within the bound or parked beside it.
fn note_move(c: &mut Cache, old: c_uint, new: c_uint) {
    if let Some(slot) = c.parked.iter_mut().find(|k| **k == old && old != 0) {
        *slot = 0;
    }
    if new > c.max && !c.parked.contains(&new) {
        match c.parked.iter_mut().find(|k| **k == 0) {
            Some(slot) => *slot = new,
            // No free slot: fold everything into the bound (still an upper bound, only slower).
            None => {
                c.max = c.parked.iter().copied().fold(new, c_uint::max);
                c.parked = [0; PARKED];
            }
        }
    }
}

unsafe extern "C" fn truncate(p: *mut ffi::sqlite3_pcache, limit: c_uint) {
    let c = unsafe { cache(p) };
    if !may_hold_from(c, limit) {
        SKIPPED.fetch_add(1, Ordering::Relaxed);
        return;
    }
    FORWARDED.fetch_add(1, Ordering::Relaxed);
    unsafe { (methods().xTruncate.expect("xTruncate"))(c.inner, limit) };
    // Every page numbered `limit` or more is gone now.
    c.max = c.max.min(limit.saturating_sub(1));
    for k in c.parked.iter_mut().filter(|k| **k >= limit) {
        *k = 0;
    }
}

/// Whether a page numbered `limit` or more may be in the cache.
fn may_hold_from(c: &Cache, limit: c_uint) -> bool {
    c.max >= limit || c.parked.iter().any(|k| *k != 0 && *k >= limit)
}

unsafe extern "C" fn destroy(p: *mut ffi::sqlite3_pcache) {
    let c = unsafe { Box::from_raw(p as *mut Cache) };
    unsafe { (methods().xDestroy.expect("xDestroy"))(c.inner) }
}

unsafe extern "C" fn shrink(p: *mut ffi::sqlite3_pcache) {
    unsafe { (methods().xShrink.expect("xShrink"))(cache(p).inner) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh() -> Cache {
        Cache { inner: std::ptr::null_mut(), max: 0, parked: [0; PARKED] }
    }

    #[test]
    fn a_page_parked_for_a_moment_does_not_widen_the_bound() {
        let mut c = fresh();
        c.max = 9_600;
        // balance_nonroot's swap of two pages through the locking page's number.
        note_move(&mut c, 9_590, 262_145);
        assert!(may_hold_from(&c, 9_601), "while parked, a page past the end may exist");
        note_move(&mut c, 9_599, 9_590);
        note_move(&mut c, 262_145, 9_599);
        assert!(!may_hold_from(&c, 9_601), "once moved back, nothing past the end is held");
        assert!(may_hold_from(&c, 9_600));
    }

    #[test]
    fn more_parked_numbers_than_slots_fold_into_the_bound() {
        let mut c = fresh();
        for k in 0..(PARKED as c_uint + 1) {
            note_move(&mut c, 1, 100_000 + k);
        }
        assert!(may_hold_from(&c, 100_000 + PARKED as c_uint));
    }
}
