//! Free space on the file system that holds the database, for the "disk full" log line (and for
//! readiness checks): `statvfs(3)` and the mount point from `/proc/self/mounts`.

use std::path::Path;

/// Bytes available to an unprivileged writer and total bytes of the file system holding `path`.
pub fn free_bytes(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::ffi::OsStrExt;
    let dir = if path.is_dir() { path } else { path.parent().unwrap_or(path) };
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: `c` is a valid NUL-terminated path and `st` a properly sized, zeroed out-parameter.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    let unit = st.f_frsize as u64;
    Some((st.f_bavail as u64 * unit, st.f_blocks as u64 * unit))
}

/// The mount point of the file system holding `path` (the longest mounted prefix).
pub fn mount_point(path: &Path) -> Option<String> {
    let real = std::fs::canonicalize(if path.exists() { path } else { path.parent()? }).ok()?;
    let mounts = std::fs::read_to_string("/proc/self/mounts").ok()?;
    mounts
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        // /proc/self/mounts escapes spaces as \040.
        .map(|m| m.replace("\\040", " "))
        .filter(|m| real.starts_with(m))
        .max_by_key(|m| m.len())
}

/// "MOUNT" and "N KiB of M KiB" for a log line; "unknown" where the system does not say.
pub fn describe(path: &Path) -> (String, String) {
    let mount = mount_point(path).unwrap_or_else(|| "unknown".into());
    let free = match free_bytes(path) {
        Some((free, total)) => format!("{} KiB free of {} KiB", free / 1024, total / 1024),
        None => "unknown space".into(),
    };
    (mount, free)
}
