//! Captures every log line (TRACE and up) written through `tracing` into memory, so the
//! hygiene suite can scan the bytes a user's log file would hold.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

/// A shared, growable byte buffer that `tracing_subscriber` writes into.
#[derive(Debug, Clone, Default)]
pub struct LogBuffer {
    bytes: Arc<Mutex<Vec<u8>>>,
}

impl LogBuffer {
    /// A copy of everything written so far.
    pub fn contents(&self) -> Vec<u8> {
        self.bytes.lock().expect("log buffer").clone()
    }
}

impl Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.bytes
            .lock()
            .expect("log buffer")
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBuffer {
    type Writer = LogBuffer;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Installs (once per process) a global subscriber with the `filter` of the first call
/// (e.g. `trace`) writing into one buffer, and returns that buffer.
pub fn capture_logs(filter: &str) -> LogBuffer {
    static BUFFER: OnceLock<LogBuffer> = OnceLock::new();
    BUFFER
        .get_or_init(|| {
            let buffer = LogBuffer::default();
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_writer(buffer.clone())
                .with_ansi(false)
                .try_init();
            buffer
        })
        .clone()
}
