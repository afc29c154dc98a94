//! Turning a "fetch one page" function into a stream of pages, stopping when a page says it
//! is the last, and refusing to loop when the server repeats a token.

use std::future::Future;

use futures_util::stream::{self, BoxStream, Stream, StreamExt};

use crate::error::{Error, Result};
use crate::mode::Blocking;

/// The state between two page requests.
enum State<K> {
    /// Fetch the page at this token (`None` = first page without a token).
    Next {
        token: Option<K>,
        previous: Option<K>,
    },
    /// The last page was yielded (or an error).
    Done,
}

/// A stream of pages. `fetch(token)` returns a page and the token of the next page, `None`
/// when it was the last. A next token equal to the one just used ends the stream with an
/// error instead of looping forever.
pub(crate) fn paginate<T, F, Fut>(
    first: Option<String>,
    what: &'static str,
    fetch: F,
) -> BoxStream<'static, Result<T>>
where
    T: Send + 'static,
    F: FnMut(Option<String>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(T, Option<String>)>> + Send + 'static,
{
    paginate_by(first, what, fetch)
}

/// [`paginate`] with any kind of token: a part number, or the pair of markers of
/// ListMultipartUploads.
pub(crate) fn paginate_by<K, T, F, Fut>(
    first: Option<K>,
    what: &'static str,
    fetch: F,
) -> BoxStream<'static, Result<T>>
where
    K: Clone + PartialEq + std::fmt::Debug + Send + 'static,
    T: Send + 'static,
    F: FnMut(Option<K>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(T, Option<K>)>> + Send + 'static,
{
    let start = State::Next {
        token: first,
        previous: None,
    };
    stream::unfold((start, fetch), move |(state, mut fetch)| async move {
        let (token, previous) = match state {
            State::Done => return None,
            State::Next { token, previous } => (token, previous),
        };
        if token.is_some() && token == previous {
            let err = Error::InvalidResponse {
                message: format!(
                    "{what}: the server returned the same continuation token {token:?} twice"
                ),
                request_id: String::new(),
            };
            return Some((Err(err), (State::Done, fetch)));
        }
        match fetch(token.clone()).await {
            Ok((page, Some(next))) => Some((
                Ok(page),
                (
                    State::Next {
                        token: Some(next),
                        previous: token,
                    },
                    fetch,
                ),
            )),
            Ok((page, None)) => Some((Ok(page), (State::Done, fetch))),
            Err(e) => Some((Err(e), (State::Done, fetch))),
        }
    })
    .boxed()
}

/// A blocking iterator over a stream: each `next()` is a blocking call, driven on the calling
/// thread like every call of the blocking client.
pub struct BlockingIter<T> {
    stream: BoxStream<'static, Result<T>>,
    mode: Blocking,
}

impl<T> BlockingIter<T> {
    pub(crate) fn new(stream: BoxStream<'static, Result<T>>, mode: Blocking) -> Self {
        BlockingIter { stream, mode }
    }
}

impl<T> Iterator for BlockingIter<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        let stream = &mut self.stream;
        self.mode.block_on(stream.next())
    }
}

impl<T> std::fmt::Debug for BlockingIter<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BlockingIter")
    }
}

/// Flattens a stream of pages into a stream of items.
pub(crate) fn flatten_pages<P, I, F>(
    pages: BoxStream<'static, Result<P>>,
    items: F,
) -> BoxStream<'static, Result<I>>
where
    P: Send + 'static,
    I: Send + 'static,
    F: Fn(P) -> Vec<I> + Send + Sync + 'static,
{
    pages
        .flat_map(move |page| {
            let batch: Vec<Result<I>> = match page {
                Ok(p) => items(p).into_iter().map(Ok).collect(),
                Err(e) => vec![Err(e)],
            };
            stream::iter(batch)
        })
        .boxed()
}

#[allow(dead_code)]
fn _assert_stream<S: Stream>(_: &S) {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[tokio::test]
    async fn follows_tokens_until_the_last_page() {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let c = calls.clone();
        let pages: Vec<Result<u32>> = paginate(None, "test", move |token: Option<String>| {
            c.lock().unwrap().push(token.clone());
            async move {
                Ok(match token.as_deref() {
                    None => (1, Some("a".to_string())),
                    Some("a") => (2, Some("b".to_string())),
                    _ => (3, None),
                })
            }
        })
        .collect()
        .await;
        let pages: Vec<u32> = pages.into_iter().map(|p| p.unwrap()).collect();
        assert_eq!(pages, vec![1, 2, 3]);
        assert_eq!(
            *calls.lock().unwrap(),
            vec![None, Some("a".into()), Some("b".into())]
        );
    }

    #[tokio::test]
    async fn repeated_token_stops_with_an_error() {
        let pages: Vec<Result<u32>> = paginate(None, "test", |_token| async move {
            Ok((1, Some("same".to_string())))
        })
        .collect()
        .await;
        assert_eq!(pages.len(), 3, "two pages, then the error");
        assert!(pages[0].is_ok() && pages[1].is_ok());
        let err = pages[2].as_ref().unwrap_err();
        assert!(err.to_string().contains("same continuation token"), "{err}");
    }

    #[tokio::test]
    async fn pair_tokens_are_followed_and_repeats_refused() {
        let pages: Vec<Result<u32>> =
            paginate_by(None, "test", |token: Option<(String, u32)>| async move {
                Ok(match token {
                    None => (1, Some(("k".to_string(), 1))),
                    Some((_, 1)) => (2, Some(("k".to_string(), 2))),
                    Some(_) => (3, Some(("k".to_string(), 2))),
                })
            })
            .collect()
            .await;
        assert_eq!(pages.len(), 4, "three pages, then the error");
        assert_eq!(*pages[2].as_ref().unwrap(), 3);
        let err = pages[3].as_ref().unwrap_err();
        assert!(err.to_string().contains("(\"k\", 2)"), "{err}");
    }

    #[tokio::test]
    async fn error_ends_the_stream() {
        let pages: Vec<Result<u32>> =
            paginate(
                None,
                "test",
                |_token| async move { Err(Error::client("boom")) },
            )
            .collect()
            .await;
        assert_eq!(pages.len(), 1);
        assert!(pages[0].is_err());
    }
}
