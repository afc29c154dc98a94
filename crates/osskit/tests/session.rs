//! One `Session` shared by several clients, blocking and async: every request gets an
//! answer whichever thread or runtime made the connection it could reuse, and clients of
//! one session on one thread share that thread's connections.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use common::{bucket_name, Signer, REGION};
use osskit::{RetryPolicy, Session};
use osskit_server::testing::TestServer;

/// Short timeouts: a request waiting on a connection nobody drives fails within about two
/// seconds instead of hanging the test.
fn short_session() -> Session {
    Session::builder()
        .connect_timeout(Duration::from_secs(1))
        .read_timeout(Duration::from_secs(1))
        .build()
        .unwrap()
}

fn blocking_bucket(server: &TestServer, session: &Session, name: &str) -> osskit::blocking::Bucket {
    osskit::blocking::Bucket::builder(Signer::V1.auth(), &server.endpoint(), name)
        .region(REGION)
        .session(session.clone())
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

fn async_bucket(server: &TestServer, session: &Session, name: &str) -> osskit::Bucket {
    osskit::Bucket::builder(Signer::V1.auth(), &server.endpoint(), name)
        .region(REGION)
        .session(session.clone())
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

#[test]
fn two_blocking_buckets_on_one_session_take_turns_on_one_thread() {
    let (_rt, server) = common::server_on_own_runtime();
    let session = short_session();
    let a = blocking_bucket(&server, &session, &bucket_name("sess-a"));
    let b = blocking_bucket(&server, &session, &bucket_name("sess-b"));
    a.create_bucket().send().unwrap();
    b.create_bucket().send().unwrap();
    for i in 0..5 {
        let key = format!("k{i}");
        a.put_object(&key, format!("a{i}")).send().unwrap();
        b.put_object(&key, format!("b{i}")).send().unwrap();
        assert_eq!(
            b.get_object(&key).send().unwrap().bytes().unwrap(),
            format!("b{i}").as_bytes()
        );
        assert_eq!(
            a.get_object(&key).send().unwrap().bytes().unwrap(),
            format!("a{i}").as_bytes()
        );
    }
}

#[test]
fn two_blocking_buckets_on_one_session_take_turns_on_two_threads() {
    let (_rt, server) = common::server_on_own_runtime();
    let session = short_session();
    let name = bucket_name("sess-threads");
    let a = blocking_bucket(&server, &session, &name);
    let b = blocking_bucket(&server, &session, &name);
    a.create_bucket().send().unwrap();
    // Each thread waits for the other's turn: while one calls, the other is idle.
    let (to_b, b_turn) = mpsc::channel::<usize>();
    let (to_a, a_turn) = mpsc::channel::<usize>();
    let tb = std::thread::spawn(move || {
        while let Ok(i) = b_turn.recv() {
            let got = b
                .get_object(format!("a{i}"))
                .send()
                .unwrap()
                .bytes()
                .unwrap();
            assert_eq!(got, format!("{i}").as_bytes());
            b.put_object(format!("b{i}"), format!("{i}"))
                .send()
                .unwrap();
            to_a.send(i).unwrap();
        }
    });
    for i in 0..5 {
        a.put_object(format!("a{i}"), format!("{i}"))
            .send()
            .unwrap();
        to_b.send(i).unwrap();
        assert_eq!(a_turn.recv().unwrap(), i);
        let got = a
            .get_object(format!("b{i}"))
            .send()
            .unwrap()
            .bytes()
            .unwrap();
        assert_eq!(got, format!("{i}").as_bytes());
    }
    drop(to_b);
    tb.join().unwrap();
}

#[test]
fn a_blocking_connection_is_not_reused_by_an_async_bucket() {
    let (_rt, server) = common::server_on_own_runtime();
    let session = short_session();
    let name = bucket_name("sess-blk-then-async");
    let blocking = blocking_bucket(&server, &session, &name);
    let asynchronous = async_bucket(&server, &session, &name);
    blocking.create_bucket().send().unwrap();
    blocking.put_object("k", "from blocking").send().unwrap();

    let user_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    user_rt.block_on(async {
        let got = asynchronous
            .get_object("k")
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(got, "from blocking");
        asynchronous.put_object("k2", "from async").await.unwrap();
    });
    let got = blocking.get_object("k2").send().unwrap().bytes().unwrap();
    assert_eq!(got, b"from async");
}

#[test]
fn an_async_connection_is_not_reused_by_a_blocking_bucket() {
    let (_rt, server) = common::server_on_own_runtime();
    let session = short_session();
    let name = bucket_name("sess-async-then-blk");
    let blocking = blocking_bucket(&server, &session, &name);
    let asynchronous = async_bucket(&server, &session, &name);
    // A current-thread runtime only runs inside its `block_on`: a connection living on it
    // makes no progress once that returns.
    let user_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    user_rt.block_on(async {
        asynchronous.create_bucket().await.unwrap();
        asynchronous.put_object("k", "from async").await.unwrap();
    });
    let got = blocking.get_object("k").send().unwrap().bytes().unwrap();
    assert_eq!(got, b"from async");
    blocking.put_object("k2", "from blocking").send().unwrap();
    let got = user_rt.block_on(async {
        asynchronous
            .get_object("k2")
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
    });
    assert_eq!(got, "from blocking");
}

#[test]
fn blocking_calls_in_spawn_blocking_and_async_calls_share_a_session() {
    let (_rt, server) = common::server_on_own_runtime();
    let session = short_session();
    let name = bucket_name("sess-spawn-blocking");
    let blocking = blocking_bucket(&server, &session, &name);
    let asynchronous = async_bucket(&server, &session, &name);
    let user_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    user_rt.block_on(async move {
        // The first connection is made by a blocking call.
        let b = blocking.clone();
        tokio::task::spawn_blocking(move || b.create_bucket().send().unwrap())
            .await
            .unwrap();
        for i in 0..4 {
            let b = blocking.clone();
            tokio::task::spawn_blocking(move || {
                b.put_object(format!("b{i}"), format!("{i}"))
                    .send()
                    .unwrap();
            })
            .await
            .unwrap();
            let got = asynchronous
                .get_object(format!("b{i}"))
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            assert_eq!(got, format!("{i}"));
            asynchronous
                .put_object(format!("a{i}"), format!("{i}"))
                .await
                .unwrap();
            let b = blocking.clone();
            let got = tokio::task::spawn_blocking(move || {
                b.get_object(format!("a{i}"))
                    .send()
                    .unwrap()
                    .bytes()
                    .unwrap()
            })
            .await
            .unwrap();
            assert_eq!(got, format!("{i}").as_bytes());
        }
    });
}

#[test]
fn a_reader_opened_on_one_thread_is_read_on_another() {
    let (_rt, server) = common::server_on_own_runtime();
    let session = short_session();
    let name = bucket_name("sess-reader");
    let b = blocking_bucket(&server, &session, &name);
    b.create_bucket().send().unwrap();
    let data: Vec<u8> = (0..(3u32 << 20)).map(|i| (i % 251) as u8).collect();
    b.put_object("big", data.clone()).send().unwrap();
    let mut reader = b.get_object("big").send().unwrap();
    let mut head = vec![0u8; 1000];
    reader.read_exact(&mut head).unwrap();
    // The opening thread keeps calling while another thread reads the body, then the
    // clients and the session are gone before the end of the body.
    let other = std::thread::spawn(move || {
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).unwrap();
        rest
    });
    for i in 0..5 {
        b.put_object(format!("s{i}"), "s").send().unwrap();
    }
    drop(b);
    drop(session);
    let rest = other.join().unwrap();
    head.extend_from_slice(&rest);
    assert!(head == data, "the body read on another thread differs");
}

/// An HTTP server that keeps connections open and answers every request with `204 No
/// Content`. Returns its endpoint and the number of connections accepted so far.
fn keep_alive_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { return };
            count.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                let mut writer = conn;
                loop {
                    let mut line = String::new();
                    let mut saw_request = false;
                    loop {
                        line.clear();
                        match reader.read_line(&mut line) {
                            Ok(0) | Err(_) => return,
                            Ok(_) if line == "\r\n" => break,
                            Ok(_) => saw_request = true,
                        }
                    }
                    if !saw_request {
                        return;
                    }
                    let reply = "HTTP/1.1 204 No Content\r\nx-oss-request-id: R\r\n\
                                 Content-Length: 0\r\n\r\n";
                    if writer.write_all(reply.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (endpoint, accepted)
}

#[test]
fn clients_of_one_session_share_the_connections_of_the_calling_thread() {
    let (endpoint, accepted) = keep_alive_server();
    let session = short_session();
    let build = |name: &str| {
        osskit::blocking::Bucket::builder(osskit::Auth::new("ak", "sk"), &endpoint, name)
            .session(session.clone())
            .retry(RetryPolicy::none())
            .build()
            .unwrap()
    };
    let a = build("bucket-a");
    let b = build("bucket-b");
    for i in 0..3 {
        a.delete_object(format!("k{i}")).send().unwrap();
        b.delete_object(format!("k{i}")).send().unwrap();
        a.clone().delete_object(format!("k{i}")).send().unwrap();
    }
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        1,
        "one thread, one connection"
    );

    // Another thread has its own connections, and keeps them between its calls.
    let (a2, b2) = (a.clone(), b.clone());
    std::thread::spawn(move || {
        for i in 0..3 {
            a2.delete_object(format!("k{i}")).send().unwrap();
            b2.delete_object(format!("k{i}")).send().unwrap();
        }
    })
    .join()
    .unwrap();
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        2,
        "a second thread, a second connection"
    );

    // The first thread's connection is still there.
    b.delete_object("again").send().unwrap();
    assert_eq!(accepted.load(Ordering::SeqCst), 2);

    // A new thread takes over the runtime and connections of the one that has exited.
    let a3 = a.clone();
    std::thread::spawn(move || a3.delete_object("later").send().unwrap())
        .join()
        .unwrap();
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        2,
        "a new thread reuses what an exited thread left"
    );

    // Async clients of the session never use a blocking connection, nor the reverse.
    let asynchronous =
        osskit::Bucket::builder(osskit::Auth::new("ak", "sk"), &endpoint, "bucket-a")
            .session(session.clone())
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
    let user_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    user_rt.block_on(async {
        for i in 0..3 {
            asynchronous.delete_object(format!("k{i}")).await.unwrap();
        }
    });
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        3,
        "async calls have their own connection"
    );
    a.delete_object("again").send().unwrap();
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
}
