//! Ctrl-C during a call: the core runs with the GIL released and, on Python's main thread,
//! polls the interpreter's signal handlers now and then (`interrupt::run_polled`); what a
//! handler raises (KeyboardInterrupt) stops the core on every thread and is raised here.

use std::cell::OnceCell;
use std::sync::{Arc, Mutex, PoisonError};

use pyo3::prelude::*;

use crate::interrupt;

thread_local! {
    /// Whether this thread is Python's main thread, the only one that runs signal handlers.
    static MAIN_THREAD: OnceCell<bool> = const { OnceCell::new() };
}

fn on_main_thread(py: Python<'_>) -> bool {
    MAIN_THREAD.with(|m| {
        *m.get_or_init(|| {
            let is_main = || -> PyResult<bool> {
                let threading = py.import("threading")?;
                let current = threading.call_method0("current_thread")?;
                Ok(current.is(&threading.call_method0("main_thread")?))
            };
            is_main().unwrap_or(false)
        })
    })
}

/// Runs the core computation `f` with the GIL released. On the main thread it can be
/// interrupted: a signal handler's exception is returned once the core has stopped.
pub(crate) fn detach<T: Send>(
    py: Python<'_>,
    f: impl FnOnce() -> crate::Result<T> + Send,
) -> PyResult<T> {
    if !on_main_thread(py) {
        return Ok(py.detach(f)?);
    }
    let raised: Arc<Mutex<Option<PyErr>>> = Arc::default();
    let slot = raised.clone();
    let poll = move || match Python::attach(|py| py.check_signals()) {
        Ok(()) => false,
        Err(e) => {
            *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(e);
            true
        }
    };
    let (out, _) = py.detach(|| interrupt::run_polled(poll, f));
    // (whatever the core returned after a stop, the handler's exception is the answer)
    if let Some(e) = raised.lock().unwrap_or_else(PoisonError::into_inner).take() {
        return Err(e);
    }
    Ok(out?)
}
