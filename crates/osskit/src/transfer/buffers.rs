//! Part buffers reused from one part to the next of a multipart upload.
//!
//! Each part is read into one buffer that becomes the request body without a copy. When the
//! part is sent, its buffer is taken back for a later part, so a transfer allocates at most
//! `parallelism` part buffers whatever the number of parts. Freeing and allocating a part
//! sized buffer per part instead lets the allocator keep the freed buffers around (glibc
//! raises its mmap threshold after the first free of a large block and then serves the next
//! parts from per-thread heaps), which grows the peak memory well beyond the parts in flight.

use std::sync::Mutex;

use bytes::Bytes;

/// A bounded pool of part buffers.
#[derive(Debug)]
pub(crate) struct PartBuffers {
    free: Mutex<Vec<Vec<u8>>>,
    keep: usize,
}

impl PartBuffers {
    /// A pool that keeps at most `keep` idle buffers.
    pub(crate) fn new(keep: usize) -> PartBuffers {
        PartBuffers {
            free: Mutex::new(Vec::with_capacity(keep)),
            keep,
        }
    }

    /// An empty buffer, with the capacity of an earlier part when one is idle.
    pub(crate) fn take(&self) -> Vec<u8> {
        self.free
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop()
            .unwrap_or_default()
    }

    /// Takes back the buffer of a sent part, when nothing else refers to it any more.
    pub(crate) fn give_back(&self, data: Bytes) {
        let Ok(buf) = data.try_into_mut() else {
            return;
        };
        let mut buf: Vec<u8> = buf.into();
        buf.clear();
        let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
        if free.len() < self.keep {
            free.push(buf);
        }
    }

    /// Number of idle buffers.
    #[cfg(test)]
    fn idle(&self) -> usize {
        self.free.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_released_buffer_is_reused_without_a_new_allocation() {
        let pool = PartBuffers::new(2);
        let mut buf = pool.take();
        buf.extend_from_slice(&[7u8; 4096]);
        let ptr = buf.as_ptr();
        let data = Bytes::from(buf);
        let body = data.clone();
        drop(body);
        pool.give_back(data);
        assert_eq!(pool.idle(), 1);
        let again = pool.take();
        assert!(again.is_empty());
        assert!(again.capacity() >= 4096);
        assert_eq!(again.as_ptr(), ptr);
    }

    #[test]
    fn a_buffer_still_shared_is_not_taken_back_and_the_pool_is_bounded() {
        let pool = PartBuffers::new(1);
        let data = Bytes::from(vec![1u8; 100]);
        let still_sending = data.slice(10..20);
        pool.give_back(data);
        assert_eq!(pool.idle(), 0);
        assert_eq!(&still_sending[..], &[1u8; 10]);

        pool.give_back(Bytes::from(vec![2u8; 100]));
        pool.give_back(Bytes::from(vec![3u8; 100]));
        assert_eq!(pool.idle(), 1);
        assert!(pool.take().capacity() >= 100);
        assert_eq!(pool.take().capacity(), 0);
    }
}
