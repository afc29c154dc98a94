//! Upload of data of unknown length (a reader or a stream) in parallel parts.

use std::pin::Pin;

use bytes::{BufMut, Bytes, BytesMut};
use futures_core::Stream;
use futures_util::TryStreamExt;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::task::JoinSet;

use crate::bucket::BucketClient;
use crate::error::{BoxError, Error, Result};
use crate::mode::{Async, Mode};
use crate::ops::{check_crc, check_key, impl_send};
use crate::progress::ProgressFn;
use crate::transfer::plan::{MAX_PARTS, MAX_PART_SIZE, MIN_PART_SIZE};
use crate::transfer::progress::SharedProgress;
use crate::transfer::remote::{self, DonePart, ObjectHeaders};
use crate::transfer::upload::{combined_crc, join_error, UploadOutput};
use crate::transfer::{
    async_client, object_header_setters, DEFAULT_PARALLELISM, DEFAULT_PART_SIZE,
};

/// Upload of a reader or stream: see [`BucketClient::upload_stream`].
pub struct UploadStream<M: Mode = Async> {
    client: BucketClient<M>,
    key: String,
    reader: Pin<Box<dyn AsyncRead + Send + 'static>>,
    headers: ObjectHeaders,
    part_size: u64,
    parallelism: usize,
    progress: Option<ProgressFn>,
}

object_header_setters!(UploadStream);
impl_send!(UploadStream => UploadOutput);

impl<M: Mode> UploadStream<M> {
    /// Size of each part (default 8 MiB, between 100 KiB and 5 GiB). As the length is not
    /// known in advance, the object can hold at most 10,000 parts of this size.
    pub fn part_size(mut self, bytes: u64) -> Self {
        self.part_size = bytes;
        self
    }

    /// How many parts are sent at the same time (default 4, at least 1). One more part may
    /// be being read meanwhile: memory stays near `(parallelism + 1) × part size`.
    pub fn parallelism(mut self, parts: usize) -> Self {
        self.parallelism = parts.max(1);
        self
    }

    /// Called with `(bytes sent, None)`; each byte is counted once.
    pub fn progress(mut self, f: impl Fn(u64, Option<u64>) + Send + Sync + 'static) -> Self {
        self.progress = Some(crate::progress::callback(f));
        self
    }

    async fn execute(self) -> Result<UploadOutput> {
        check_key(&self.key)?;
        let client = async_client(&self.client);
        let part_size = self.part_size.clamp(MIN_PART_SIZE, MAX_PART_SIZE) as usize;
        let progress = SharedProgress::new(self.progress.clone(), None);
        let mut headers = self.headers.clone();
        if headers.content_type.is_none() {
            headers.content_type = crate::mime::content_type_by_name(&self.key).map(str::to_string);
        }
        let mut reader = self.reader;
        let first = fill(&mut reader, BytesMut::new(), part_size).await?;
        if first.len() < part_size {
            return put_whole(&client, &self.key, first.freeze(), &headers, &progress).await;
        }
        let upload_id = remote::init(&client, &self.key, &headers).await?;
        let job = Job {
            client: client.clone(),
            key: self.key.clone(),
            upload_id: upload_id.clone(),
            part_size,
            parallelism: self.parallelism,
            progress,
        };
        match job.run(reader, first).await {
            Ok(out) => Ok(out),
            Err(e) => {
                let _ = remote::abort(&client, &self.key, &upload_id).await;
                Err(e)
            }
        }
    }
}

/// Reads until `buf` holds `part_size` bytes or the reader ends.
async fn fill(
    reader: &mut Pin<Box<dyn AsyncRead + Send + 'static>>,
    mut buf: BytesMut,
    part_size: usize,
) -> Result<BytesMut> {
    buf.clear();
    buf.reserve(part_size);
    while buf.len() < part_size {
        let room = part_size - buf.len();
        let n = reader
            .read_buf(&mut (&mut buf).limit(room))
            .await
            .map_err(|e| {
                Error::Io(std::io::Error::new(
                    e.kind(),
                    format!("cannot read the data to upload: {e}"),
                ))
            })?;
        if n == 0 {
            break;
        }
    }
    Ok(buf)
}

/// Data that fits in one part: one PutObject.
async fn put_whole(
    client: &BucketClient<Async>,
    key: &str,
    data: Bytes,
    headers: &ObjectHeaders,
    progress: &SharedProgress,
) -> Result<UploadOutput> {
    let size = data.len() as u64;
    let part = progress.part();
    let mut b = client.put_object(key, data).progress(part.callback());
    if let Some(t) = &headers.content_type {
        b = b.content_type(t.clone());
    }
    for (k, v) in &headers.metadata {
        b = b.metadata(k.clone(), v.clone());
    }
    for (k, v) in &headers.headers {
        b = b.header(k.clone(), v.clone());
    }
    let out = b.await?;
    Ok(UploadOutput {
        key: key.to_string(),
        etag: out.etag,
        crc64: out.crc64,
        size,
        upload_id: None,
        parts: 1,
        resumed_bytes: 0,
    })
}

/// One multipart upload of a stream.
struct Job {
    client: BucketClient<Async>,
    key: String,
    upload_id: String,
    part_size: usize,
    parallelism: usize,
    progress: SharedProgress,
}

impl Job {
    async fn run(
        &self,
        mut reader: Pin<Box<dyn AsyncRead + Send + 'static>>,
        first: BytesMut,
    ) -> Result<UploadOutput> {
        let mut tasks: JoinSet<Result<(DonePart, Option<BytesMut>)>> = JoinSet::new();
        let mut parts = Vec::new();
        let mut spare: Vec<BytesMut> = Vec::new();
        let mut chunk = first;
        let mut last = false;
        let mut number = 0u32;
        let mut size = 0u64;
        loop {
            number += 1;
            if u64::from(number) > MAX_PARTS {
                return Err(Error::client(format!(
                    "the data is larger than {MAX_PARTS} parts of {} bytes: set a larger part size",
                    self.part_size
                )));
            }
            size += chunk.len() as u64;
            self.spawn_part(&mut tasks, number, chunk.freeze());
            if last {
                break;
            }
            while tasks.len() >= self.parallelism {
                self.join_one(&mut tasks, &mut parts, &mut spare).await?;
            }
            let buf = spare.pop().unwrap_or_default();
            chunk = fill(&mut reader, buf, self.part_size).await?;
            if chunk.is_empty() {
                break;
            }
            last = chunk.len() < self.part_size;
        }
        while !tasks.is_empty() {
            self.join_one(&mut tasks, &mut parts, &mut spare).await?;
        }
        drop(spare);
        parts.sort_by_key(|p| p.number);
        let (etag, crc64) =
            remote::complete(&self.client, &self.key, &self.upload_id, &parts).await?;
        if self.client.config.enable_crc {
            check_crc(
                "stream upload",
                combined_crc(&parts),
                crc64,
                &format!("(upload id {})", self.upload_id),
            )?;
        }
        Ok(UploadOutput {
            key: self.key.clone(),
            etag,
            crc64,
            size,
            upload_id: Some(self.upload_id.clone()),
            parts: parts.len() as u32,
            resumed_bytes: 0,
        })
    }

    fn spawn_part(
        &self,
        tasks: &mut JoinSet<Result<(DonePart, Option<BytesMut>)>>,
        number: u32,
        data: Bytes,
    ) {
        let client = self.client.clone();
        let key = self.key.clone();
        let id = self.upload_id.clone();
        let progress = self.progress.part();
        tasks.spawn(async move {
            let crc = osskit_proto::crc64::crc64(&data);
            let len = data.len() as u64;
            let (etag, _) =
                remote::upload_part(&client, &key, &id, number, data.clone(), Some(&progress))
                    .await?;
            // The request is done with the bytes: the buffer can hold the next part.
            let reclaimed = data.try_into_mut().ok();
            Ok((
                DonePart {
                    number,
                    etag,
                    size: len,
                    crc64: Some(crc),
                },
                reclaimed,
            ))
        });
    }

    async fn join_one(
        &self,
        tasks: &mut JoinSet<Result<(DonePart, Option<BytesMut>)>>,
        parts: &mut Vec<DonePart>,
        spare: &mut Vec<BytesMut>,
    ) -> Result<()> {
        match tasks.join_next().await {
            None => Ok(()),
            Some(Ok(Ok((part, buf)))) => {
                parts.push(part);
                if let Some(b) = buf.filter(|b| b.capacity() >= self.part_size) {
                    spare.push(b);
                }
                Ok(())
            }
            Some(Ok(Err(e))) => Err(e),
            Some(Err(e)) => Err(join_error(e)),
        }
    }
}

impl<M: Mode> BucketClient<M> {
    /// Uploads the chunks of `stream` (of unknown length) as `key`.
    ///
    /// The data is read in part-sized buffers (8 MiB by default), reused from part to part.
    /// When it all fits in the first part it goes up in one PutObject; otherwise as a
    /// multipart upload with at most `parallelism` (4) parts in flight, so memory stays
    /// near `(parallelism + 1) × part size` whatever the length. Each part's CRC-64 is
    /// checked as it is sent and the object's CRC-64 after completion. A failed upload is
    /// aborted.
    pub fn upload_stream<S, E>(&self, key: impl Into<String>, stream: S) -> UploadStream<M>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        let reader =
            tokio_util::io::StreamReader::new(stream.map_err(|e| std::io::Error::other(e.into())));
        self.upload_reader(key, reader)
    }

    /// Uploads the bytes of `reader` (of unknown length) as `key`; see
    /// [`upload_stream`](BucketClient::upload_stream).
    pub fn upload_reader<R>(&self, key: impl Into<String>, reader: R) -> UploadStream<M>
    where
        R: AsyncRead + Send + 'static,
    {
        UploadStream {
            client: self.clone(),
            key: key.into(),
            reader: Box::pin(reader),
            headers: ObjectHeaders::default(),
            part_size: DEFAULT_PART_SIZE,
            parallelism: DEFAULT_PARALLELISM,
            progress: None,
        }
    }
}
