//! The calling thread's scheduling: policy, priority, nice value and CPU set.

/// The calling thread's scheduling policy and priority.
pub fn scheduling() -> Option<(libc::c_int, libc::c_int)> {
    let mut policy = 0;
    // SAFETY: sched_param is a plain C struct for which all zeroes is a valid value.
    let mut param: libc::sched_param = unsafe { std::mem::zeroed() };
    // SAFETY: the calling thread, with local out-parameters.
    let rc = unsafe { libc::pthread_getschedparam(libc::pthread_self(), &mut policy, &mut param) };
    (rc == 0).then_some((policy, param.sched_priority))
}

/// Sets the calling thread's policy and priority; whether it could (EPERM without
/// the privilege).
pub fn set_scheduling(policy: libc::c_int, priority: libc::c_int) -> bool {
    // SAFETY: as in `scheduling`.
    let mut param: libc::sched_param = unsafe { std::mem::zeroed() };
    param.sched_priority = priority;
    // SAFETY: the calling thread and a local parameter.
    unsafe { libc::pthread_setschedparam(libc::pthread_self(), policy, &param) == 0 }
}

/// nice(2) by `inc`; a failure (EPERM) leaves the nice value as it was.
pub fn nice(inc: libc::c_int) {
    // SAFETY: no pointers; a failure changes nothing.
    unsafe { libc::nice(inc) };
}

/// Pins the calling thread to `cpus` (numbers outside the kernel's set are ignored).
pub fn set_affinity(cpus: &[i32]) {
    // SAFETY: an all-zero cpu_set_t is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for &cpu in cpus {
        if (0..libc::CPU_SETSIZE).contains(&cpu) {
            // SAFETY: `cpu` is within the set's size (checked above).
            unsafe { libc::CPU_SET(cpu as usize, &mut set) };
        }
    }
    // SAFETY: a local set of the size given; pid 0 is the calling thread.
    unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) };
}
